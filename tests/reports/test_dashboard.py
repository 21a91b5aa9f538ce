"""Dashboard counts: the desk's view for agents, the organization's for customers; one
query however many tickets; the page's cards link to the queue."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import TeamFactory
from tests.reports.conftest import NOW
from yunwei.tickets import actions
from yunwei.tickets.models import Ticket

pytestmark = pytest.mark.django_db

URL = "/api/v1/reports/dashboard"


@pytest.fixture
def desk(agent: Any, team_lead: Any) -> Any:
    team = TeamFactory(name="Service desk")
    team.members.set([agent, team_lead])
    return team


@pytest.fixture
def make(requester: Any, desktop: Any) -> Any:
    """A ticket raised through the action, then put where the test needs it (fixture
    rows: the workflow that would get it there is the tickets app's and tested there)."""

    def ticket(actor: Any = requester, service: Any = desktop, **fields: Any) -> Ticket:
        created = actions.create_ticket(actor=actor, title="打印机无法打印", service=service)
        Ticket.objects.filter(pk=created.pk).update(**{"due_at": None, **fields})
        return created

    return ticket


@pytest.fixture
def tickets(
    make: Any, agent: Any, team_lead: Any, desk: Any, other_requester: Any, network: Any
) -> None:
    hour = dt.timedelta(hours=1)
    make(state="new", due_at=NOW + hour / 2)  # due within the hour, unassigned
    make(state="assigned", assignee=agent, team=desk, due_at=NOW + 5 * hour)  # due today
    make(state="in_progress", assignee=team_lead, team=desk, due_at=NOW + 24 * hour,
         sla_breached=True)  # fmt: skip
    make(actor=other_requester, service=network, state="waiting_on_customer")
    make(state="resolved", due_at=NOW)  # not open: never counted
    make(state="closed", sla_breached=True)


def test_an_agent_sees_the_desks_counts(api_as: Any, agent: Any, tickets: None) -> None:
    assert api_as(agent).get(URL).json() == {
        "open": 4,
        "by_state": {"new": 1, "assigned": 1, "in_progress": 1, "waiting_on_customer": 1},
        "waiting_on_customer": 1,
        "unassigned": 2,
        "breached": 1,
        "due_within_hour": 1,
        "due_today": 2,
        "mine": 1,
        "my_teams": 2,
    }


def test_today_ends_at_midnight_in_the_users_time_zone(api_as: Any, agent: Any, make: Any) -> None:
    # 12:00 in Shanghai is 04:00 UTC: 23:00 UTC is tomorrow in Shanghai.
    make(state="new", due_at=dt.datetime(2026, 4, 15, 15, 59, tzinfo=dt.UTC))
    make(state="new", due_at=dt.datetime(2026, 4, 15, 16, 0, tzinfo=dt.UTC))
    assert api_as(agent).get(URL).json()["due_today"] == 1
    agent.timezone = "UTC"
    agent.save(update_fields=["timezone"])
    assert api_as(agent).get(URL).json()["due_today"] == 2


def test_a_customer_sees_only_their_organizations_open_tickets(
    api_as: Any, requester: Any, other_requester: Any, tickets: None
) -> None:
    staff_only = {
        "unassigned": None,
        "breached": None,
        "due_within_hour": None,
        "due_today": None,
        "mine": None,
        "my_teams": None,
    }
    assert api_as(requester).get(URL).json() == {
        "open": 3,
        "by_state": {"new": 1, "assigned": 1, "in_progress": 1, "waiting_on_customer": 0},
        "waiting_on_customer": 0,
        **staff_only,
    }
    body = api_as(other_requester).get(URL).json()
    assert (body["open"], body["waiting_on_customer"]) == (1, 1)


def test_the_dashboard_page_links_each_count_to_the_queue(
    client: Any, agent: Any, tickets: None
) -> None:
    client.force_login(agent)
    page = client.get("/dashboard/").content.decode()
    unassigned = (
        'href="/tickets/?view=unassigned&amp;ordering=due_at" class="card card-sm count-card"'
    )
    assert f'{unassigned} data-testid="card-unassigned"' in page
    assert 'href="/tickets/?view=team&amp;ordering=due_at"' in page
    assert 'href="/tickets/?state=waiting_on_customer"' in page
    assert 'href="/dashboard/"' in page  # in the menu


def test_the_customers_dashboard_page_shows_their_counts_only(
    client: Any, other_requester: Any, tickets: None
) -> None:
    client.force_login(other_requester)
    page = client.get("/dashboard/").content.decode()
    assert 'data-testid="card-waiting"' in page
    assert 'data-testid="card-unassigned"' not in page


@pytest.mark.parametrize("who", ["agent", "requester"])
@pytest.mark.parametrize("path", [URL, "/dashboard/"])
def test_the_dashboard_runs_the_same_queries_for_2_or_20_tickets(
    client: Any, api_as: Any, request: Any, who: str, path: str, make: Any, agent: Any,
    desk: Any,
) -> None:  # fmt: skip
    user = request.getfixturevalue(who)
    if path == URL:
        client = api_as(user)
    else:
        client.force_login(user)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(path).status_code == 200
        return len(ctx.captured_queries)

    for _i in range(2):
        make(state="assigned", assignee=agent, team=desk)
    client.get(path)
    few = queries()
    for _i in range(18):
        make(state="new")
    assert queries() == few


def test_a_customers_user_without_tickets_and_anonymous_callers(
    client: Any, api_as: Any, requester: Any
) -> None:
    assert client.get(URL).status_code == 401
    assert client.get("/dashboard/").status_code == 302
    assert api_as(requester).get(URL).json()["open"] == 0
