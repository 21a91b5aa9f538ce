"""The harness's figures: percentiles, the summary of a run, error counting and the
targets' verdicts. No server and no timer: the load generator drives an in-process
transport until its request cap."""

from __future__ import annotations

import asyncio
import concurrent.futures

import httpx
from bench.load import Call, Run, drive, percentile, summarize
from bench.scenarios import Target, ratio


def test_percentile_is_nearest_rank() -> None:
    ordered = [float(n) for n in range(1, 101)]  # 1..100
    assert percentile(ordered, 50) == 50
    assert percentile(ordered, 95) == 95
    assert percentile(ordered, 99) == 99
    assert percentile(ordered, 100) == 100
    assert percentile([0.2], 99) == 0.2
    assert percentile([1.0, 2.0, 3.0], 50) == 2.0  # rank ceil(1.5) = 2


def test_summary_in_milliseconds_and_requests_per_second() -> None:
    run = Run(latencies=[0.010, 0.030, 0.020, 0.040], seconds=2.0, errors=1)
    figures = summarize(run)
    assert figures["requests"] == 4
    assert figures["requests_per_s"] == 2.0
    assert (figures["p50_ms"], figures["p95_ms"], figures["max_ms"]) == (20.0, 40.0, 40.0)
    assert figures["errors"] == 1


def test_summary_of_an_empty_run() -> None:
    figures = summarize(Run())
    assert figures["requests"] == 0
    assert figures["p50_ms"] is None
    assert figures["requests_per_s"] is None


def _run(handler: httpx.MockTransport, call: Call, cap: int) -> Run:
    async def go() -> Run:
        async with httpx.AsyncClient(transport=handler, base_url="http://127.0.0.1") as client:
            return await drive(
                client, lambda i: call, concurrency=1, seconds=600, warmup=0, max_requests=cap
            )

    # In a thread of its own: a browser test earlier in the same process may leave an
    # event loop marked as running in this one, where asyncio.run() refuses to start.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, go()).result()


def test_drive_stops_at_the_cap_and_counts_unexpected_statuses() -> None:
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        if len(seen) % 2 == 0:
            return httpx.Response(302, headers={"Location": "/accounts/login/"})
        return httpx.Response(200, json={"ok": True})

    run = _run(httpx.MockTransport(answer), Call("GET", "/tickets/"), cap=6)
    assert len(run.latencies) == 6
    assert run.errors == 3  # every redirect to the sign-in page
    assert run.first_error.startswith("GET /tickets/ -> HTTP 302")


def test_drive_expects_201_for_creations() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text="not created")

    call = Call("POST", "/api/v1/tickets", json={"title": "x"}, expect=201)
    run = _run(httpx.MockTransport(answer), call, cap=3)
    assert run.errors == 3
    assert "HTTP 200: not created" in run.first_error


def test_targets() -> None:
    figures = {"p95_ms": 40.0, "requests_per_s": 350.0, "errors": 0, "warmup_errors": 0}
    assert Target(p95_ms=50, min_requests_per_s=300).met(figures, None)
    assert not Target(p95_ms=30).met(figures, None)
    assert not Target(p95_ms=50, min_requests_per_s=400).met(figures, None)
    assert not Target(p95_ms=50).met({**figures, "errors": 1}, None)
    report = Target(p95_ms=1000, max_floor_ratio=2)
    assert report.met(figures, 1.5)
    assert not report.met(figures, 2.5)
    assert not report.met(figures, None)  # no floor: not judged met
    assert ratio(30.0, 10.0) == 3.0
    assert ratio(30.0, None) is None
