"""The harness's scenarios: what each one requests, as whom, and the target of issue 6 it
is judged against (only at 1M tickets on PostgreSQL; elsewhere shown for reference).

Reads come first and the two writes last, so that the reads measure the generated set.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from bench.load import Call

API_PAGE = 50  # the API's default page, asked for explicitly so that the floor agrees
HTML_PAGE = 25  # the queue page's page (TicketList.get_table_pagination)
QUEUE_FILTER = {"open": "true", "ordering": "due_at"}  # plus team=<the bench agent's team>


@dataclass(frozen=True)
class Context:
    """The generated set, as the generator's summary describes it."""

    team_id: int
    organization_id: int
    service_id: int
    requester_id: int
    sample_ticket_ids: list[int]
    search_words: dict[str, str]
    open_ticket_ids: list[int]  # the team's: comments on closed tickets are refused

    def sample(self, i: int) -> int:
        return self.sample_ticket_ids[i % len(self.sample_ticket_ids)]


@dataclass(frozen=True)
class Target:
    p95_ms: float | None
    min_requests_per_s: float | None = None
    max_floor_ratio: float | None = None  # p50 over the SQL floor's p50

    def label(self) -> str:
        parts = [f"p95<={self.p95_ms:g}"] if self.p95_ms is not None else []
        if self.min_requests_per_s:
            parts.append(f">={self.min_requests_per_s:g}/s")
        if self.max_floor_ratio:
            parts.append(f"<={self.max_floor_ratio:g}x floor")
        return ", ".join(parts)

    def met(self, figures: dict[str, Any], floor_ratio: float | None) -> bool:
        p95 = figures["p95_ms"]
        ok = self.p95_ms is None or (p95 is not None and p95 <= self.p95_ms)
        if self.min_requests_per_s:
            ok = ok and (figures["requests_per_s"] or 0) >= self.min_requests_per_s
        if self.max_floor_ratio:
            ok = ok and floor_ratio is not None and floor_ratio <= self.max_floor_ratio
        return ok and not figures["errors"] and not figures["warmup_errors"]


@dataclass(frozen=True)
class Scenario:
    name: str
    client: str  # "api": the bench agent's API token; "browser": their signed-in session
    calls: Callable[[Context], Callable[[int], Call]]
    target: Target | None
    floor: bool  # reads: the SQL floor of the same name is timed (bench/floors.py)
    # None: the harness's --concurrency (default 2: one request in flight per server
    # worker, so latency is the server's, not a queue's).
    concurrency: int | None = None


API_FAST = Target(p95_ms=50)
PAGE = Target(p95_ms=150)


def _queue(page: int, prefix: str) -> Callable[[Context], Callable[[int], Call]]:
    def calls(ctx: Context) -> Callable[[int], Call]:
        query = {"team": ctx.team_id, **QUEUE_FILTER}
        if prefix.startswith("/api/"):
            query["limit"] = page
        path = f"{prefix}?{urlencode(query)}"
        return lambda i: Call("GET", path)

    return calls


def _search(language: str) -> Callable[[Context], Callable[[int], Call]]:
    def calls(ctx: Context) -> Callable[[int], Call]:
        path = "/api/v1/tickets?" + urlencode({"q": ctx.search_words[language], "limit": API_PAGE})
        return lambda i: Call("GET", path)

    return calls


def _detail(ctx: Context) -> Callable[[int], Call]:
    return lambda i: Call("GET", f"/api/v1/tickets/{ctx.sample(i)}")


def _ticket_page(ctx: Context) -> Callable[[int], Call]:
    return lambda i: Call("GET", f"/tickets/{ctx.sample(i)}/")


def _fixed(path: str) -> Callable[[Context], Callable[[int], Call]]:
    return lambda ctx: lambda i: Call("GET", path)


TITLES = ["VPN 连接频繁断开 #{i}", "打印机无法打印 #{i}", "Cannot reach the file share #{i}"]


def _create(ctx: Context) -> Callable[[int], Call]:
    def call(i: int) -> Call:
        body = {
            "type": "incident",
            "title": TITLES[i % len(TITLES)].format(i=i),
            "description": "基准测试创建的工单。Created by the benchmark harness.",
            "service": ctx.service_id,
            "organization": ctx.organization_id,
            "requester": ctx.requester_id,  # the agent files it on the requester's behalf
            "impact": "medium",
            "urgency": "medium",
            "channel": "phone",
        }
        return Call("POST", "/api/v1/tickets", json=body, expect=201)

    return call


def _comment(ctx: Context) -> Callable[[int], Call]:
    def call(i: int) -> Call:
        public = i % 2 == 0  # a public reply, then an internal note, in turn
        body = {"body": f"基准测试回复 {i}: please try again." if public else f"内部备注 {i}"}
        body["public"] = public
        ticket = ctx.open_ticket_ids[i % len(ctx.open_ticket_ids)]
        return Call("POST", f"/api/v1/tickets/{ticket}/comments", json=body, expect=201)

    return call


SCENARIOS = [
    Scenario("queue API", "api", _queue(API_PAGE, "/api/v1/tickets"), API_FAST, floor=True),
    Scenario("detail API", "api", _detail, API_FAST, floor=True),
    # Throughput: eight in flight keep both workers (and the database) busy.
    Scenario(
        "detail API x8",
        "api",
        _detail,
        Target(p95_ms=None, min_requests_per_s=300),
        floor=False,
        concurrency=8,
    ),
    Scenario("search zh API", "api", _search("zh"), PAGE, floor=True),
    Scenario("search en API", "api", _search("en"), PAGE, floor=True),
    Scenario("queue HTML", "browser", _queue(HTML_PAGE, "/tickets/"), PAGE, floor=True),
    Scenario("ticket HTML", "browser", _ticket_page, PAGE, floor=True),
    # One manager opening a report, not two at once: its queries use both cores, so
    # with two in flight its latency would be partly queueing.
    Scenario(
        "SLA report API",
        "api",
        _fixed("/api/v1/reports/sla-compliance"),
        Target(p95_ms=1000, max_floor_ratio=2),
        floor=True,
        concurrency=1,
    ),
    Scenario("dashboard API", "api", _fixed("/api/v1/reports/dashboard"), None, floor=True),
    Scenario("create API", "api", _create, API_FAST, floor=False),
    Scenario("comment API", "api", _comment, API_FAST, floor=False),
]


def ratio(p50_ms: float | None, floor_ms: float | None) -> float | None:
    if p50_ms is None or not floor_ms or math.isnan(floor_ms):
        return None
    return round(p50_ms / floor_ms, 1)
