"""The service desk in a real browser: a requester raises an incident through the form,
an agent replies publicly and resolves it, and the requester reads the reply and the
resolution and rates it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD
from tests.sla.conftest import agreement, office_calendar, service  # noqa: F401
from tests.tickets.conftest import desk, sla  # noqa: F401
from yunwei.tickets.models import Comment, Survey, Ticket

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("audit_flushable")]


@pytest.fixture
def second_page(browser: Any) -> Iterator[Any]:
    """A second browser session (another user signed in at the same time)."""
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def sign_in(page: Any, live_server: Any, email: str, then: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/?next={then}")
    page.fill("#id_username", email)
    page.fill("#id_password", PASSWORD)
    page.click("[data-testid=login-submit]")
    page.wait_for_url(f"{live_server.url}{then}")


def test_an_incident_is_raised_answered_resolved_and_rated(
    live_server: Any,
    page: Any,
    second_page: Any,
    requester: Any,
    agent: Any,
    service: Any,  # noqa: F811
    sla: Any,  # noqa: F811
    desk: Any,  # noqa: F811
) -> None:
    # The requester raises an incident.
    sign_in(page, live_server, requester.email, "/tickets/new/")
    page.fill("#id_title", "Printer on floor 3 jams")
    page.fill("#id_description", "Every **second** page jams.")
    page.select_option("#id_service", str(service.pk))
    page.select_option("#id_impact", "medium")
    page.select_option("#id_urgency", "high")
    page.click("[data-testid=ticket-save]")
    page.wait_for_url(re.compile(r".*/tickets/\d+/$"))
    ticket = Ticket.objects.get()
    assert page.locator("[data-testid=ticket-reference]").inner_text() == ticket.reference
    assert page.locator("[data-testid=ticket-description] strong").inner_text() == "second"
    assert (ticket.requester, ticket.priority) == (requester, "important")

    # The agent finds it in the queue and replies publicly.
    agent_page = second_page
    sign_in(agent_page, live_server, agent.email, "/tickets/")
    agent_page.locator(f"a[data-open-ticket]:has-text('{ticket.reference}')").wait_for()
    agent_page.keyboard.press("j")  # select the first ticket…
    expect(agent_page.locator("tr.is-selected")).to_have_count(1)
    agent_page.keyboard.press("o")  # …and open it
    agent_page.wait_for_url(f"{live_server.url}/tickets/{ticket.pk}/")
    agent_page.keyboard.press("r")  # reply
    reply = agent_page.locator("[data-testid=reply-body]")
    expect(reply).to_be_focused()
    assert agent_page.locator("#visibility-public").is_checked()
    reply.fill("Please try the tray on the left.")
    agent_page.click("[data-testid=reply-submit]")
    agent_page.locator("[data-testid=comment-body]", has_text="tray on the left").wait_for()
    assert agent_page.locator("[data-testid=reply-body]").input_value() == ""

    # …and resolves it with a code and a note.
    agent_page.click("[data-testid=transition-resolved] > summary")
    form = agent_page.locator("[data-testid=transition-form-resolved]")
    form.locator("select[name='t-resolved-resolution']").select_option("solved")
    form.locator("textarea[name='t-resolved-note']").fill("Replaced the pickup roller.")
    form.locator("[data-testid=transition-submit-resolved]").click()
    agent_page.locator("[data-testid=ticket-state] [data-state=resolved]").wait_for()
    ticket.refresh_from_db()
    assert (ticket.state, ticket.resolution_code) == ("resolved", "solved")
    assert Comment.objects.get(ticket=ticket).public is True

    # The requester sees the reply and the resolution, and rates it.
    page.reload()
    assert "tray on the left" in page.locator("[data-testid=comments]").inner_text()
    assert "Replaced the pickup roller." in page.locator("[data-testid=resolution]").inner_text()
    page.locator("[data-testid=survey-form] label:has([data-testid=rating-5])").click()
    page.fill("#id_survey-comment", "Quick and friendly.")
    page.click("[data-testid=survey-submit]")
    page.locator("[data-testid=satisfaction-score][data-score='5']").wait_for()
    survey = Survey.objects.get(ticket=ticket)
    assert (survey.score, survey.comment) == (5, "Quick and friendly.")
