"""The bell in a real browser: the count, the htmx dropdown, a click that reads the line
and opens the ticket."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD
from tests.sla.conftest import agreement, office_calendar, service
from tests.tickets.conftest import desk, make_ticket
from yunwei.tickets import actions

__all__ = ["agreement", "desk", "make_ticket", "office_calendar", "service"]

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("audit_flushable")]


def test_the_bell_opens_reads_and_leads_to_the_ticket(
    live_server: Any, page: Any, make_ticket: Any, desk: Any, agent: Any, team_lead: Any
) -> None:
    ticket = actions.update_ticket(make_ticket(), actor=team_lead, assignee=agent)
    page.goto(f"{live_server.url}/accounts/login/?next=/notifications/preferences/")
    page.fill("#id_username", agent.email)
    page.fill("#id_password", PASSWORD)
    page.click("[data-testid=login-submit]")
    page.wait_for_url(f"{live_server.url}/notifications/preferences/")

    expect(page.locator("[data-testid=notification-count]")).to_have_text("1")
    page.locator("[data-testid=notification-bell] > a").click()
    line = page.locator("[data-testid=notification-menu] [data-testid=notification]")
    expect(line).to_contain_text(f"assigned {ticket.reference} to you")
    line.click()
    page.wait_for_url(re.compile(rf".*/tickets/{ticket.pk}/$"))
    expect(page.locator("[data-testid=notification-count]")).to_have_count(0)
