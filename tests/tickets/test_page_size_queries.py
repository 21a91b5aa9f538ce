"""Lists cost the same number of queries whatever their page size: a page of 50 rows
must not run one query per row (issue 6: constant query counts at 1M tickets)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from yunwei.tickets import actions

pytestmark = pytest.mark.django_db

ROWS = 12


def queries(client: Any, path: str, params: dict[str, Any]) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, params)
    assert response.status_code == 200, (path, response.content[:300])
    return len(captured)


@pytest.fixture
def busy_desk(make_ticket: Any, sla: Any, desk: Any, agent: Any, requester: Any) -> Any:
    """ROWS tickets, each with tags, a team, an assignee, SLA clocks and a reply and a
    note; the first carries ROWS more comments."""
    tickets = []
    for n in range(ROWS):
        ticket = make_ticket(title=f"打印机卡纸 {n}", tags=["打印机", f"楼层{n}"])
        ticket = actions.transition_ticket(ticket, actor=agent, to="assigned", assignee=agent)
        actions.add_comment(ticket, actor=agent, body=f"已派人处理 @{agent.email}")
        actions.add_comment(ticket, actor=agent, body="内部：备件已订", public=False)
        tickets.append(ticket)
    for n in range(ROWS):
        actions.add_comment(tickets[0], actor=requester, body=f"补充说明 {n}")
    return tickets


API_LISTS = [
    ("/api/v1/tickets", {}),
    ("/api/v1/tickets", {"q": "打印机"}),
    ("/api/v1/tickets/{first}/comments", {}),
    ("/api/v1/tickets/{first}/history", {}),
    ("/api/v1/sla-records", {}),
    ("/api/v1/notifications", {}),
]


def test_api_lists_cost_the_same_at_any_page_size(
    busy_desk: Any, api_as: Any, agent: Any, auditor: Any
) -> None:
    client = api_as(agent)
    client.get("/api/v1/me")  # the token's first use is recorded once
    for path, params in API_LISTS:
        path = path.format(first=busy_desk[0].pk)
        small = queries(client, path, {**params, "limit": 2})
        assert queries(client, path, {**params, "limit": 50}) == small, path
    client = api_as(auditor)
    client.get("/api/v1/me")
    small = queries(client, "/api/v1/audit", {"limit": 2})
    assert queries(client, "/api/v1/audit", {"limit": 200}) == small


def test_the_queue_page_costs_the_same_at_any_page_size(busy_desk: Any, agent: Any) -> None:
    client = Client()
    client.force_login(agent)
    client.get("/tickets/")  # warm per-process caches (content types, calendars)
    for params in ({}, {"q": "打印机"}, {"view": "open"}):
        small = queries(client, "/tickets/", {**params, "per_page": 2})
        assert queries(client, "/tickets/", {**params, "per_page": 50}) == small, params


def test_the_portal_list_costs_the_same_at_any_page_size(
    busy_desk: Any, requester: Any, settings: Any
) -> None:
    client = Client()
    client.force_login(requester)
    client.get("/portal/tickets/")
    settings.PORTAL_PAGE_SIZE = 2
    small = queries(client, "/portal/tickets/", {})
    settings.PORTAL_PAGE_SIZE = 50
    assert queries(client, "/portal/tickets/", {}) == small
