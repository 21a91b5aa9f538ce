"""The customer portal on a phone (375 × 812) in a real browser: the requester signs in,
lands on the portal, raises an incident with an attachment, finds it in My tickets,
reads the service desk's reply, confirms the resolution and rates it 5 stars."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.factories import PASSWORD
from tests.portal.conftest import hardware  # noqa: F401
from tests.sla.conftest import agreement, office_calendar, service  # noqa: F401
from tests.tickets.conftest import desk, sla  # noqa: F401
from yunwei.tickets import actions
from yunwei.tickets.models import Survey, Ticket

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("audit_flushable")]

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    context = browser.new_context(
        locale="en-US", viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def fits_the_screen(page: Any) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_requester_raises_follows_confirms_and_rates_an_incident_on_a_phone(
    live_server: Any,
    phone: Any,
    requester: Any,
    agent: Any,
    service: Any,  # noqa: F811
    sla: Any,  # noqa: F811
    desk: Any,  # noqa: F811
    hardware: Any,  # noqa: F811
) -> None:
    page = phone
    # Signing in lands on the portal, which fits a phone's width.
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", requester.email)
    page.fill("#id_password", PASSWORD)
    page.click("[data-testid=login-submit]")
    page.wait_for_url(f"{live_server.url}/portal/")
    assert fits_the_screen(page)
    assert page.locator("[data-testid=nav-new-request]").is_visible()
    assert page.locator("[data-testid=nav-my-tickets]").is_visible()

    # A service from the catalogue tiles; report a problem with it.
    page.click("[data-testid=service-tile][data-service=desktop]")
    page.wait_for_url(f"{live_server.url}/portal/services/{service.pk}/")
    page.click("[data-testid=report-problem]")
    page.wait_for_url(re.compile(r".*/portal/services/\d+/new/incident/$"))
    assert fits_the_screen(page)
    page.fill("#id_title", "Screen flickers")
    page.fill("#id_description", "Since **Monday** morning.")
    page.select_option("[data-testid=category-select]", str(hardware.pk))
    page.locator("input[name=cf_asset_tag]").fill("ACME-0042")  # loaded by htmx
    page.select_option("#id_urgency", "high")
    page.set_input_files(
        "[data-testid=raise-files]",
        files=[{"name": "screen.png", "mimeType": "image/png", "buffer": PNG}],
    )
    page.click("[data-testid=raise-submit]")
    page.wait_for_url(re.compile(r".*/portal/tickets/\d+/$"))
    ticket = Ticket.objects.get()
    assert page.locator("[data-testid=ticket-reference]").inner_text() == ticket.reference
    assert page.locator("[data-testid=ticket-description] strong").inner_text() == "Monday"
    assert "screen.png" in page.locator("[data-testid=ticket-files]").inner_text()
    assert (ticket.channel, ticket.custom_fields) == ("portal", {"asset_tag": "ACME-0042"})

    # It is in My tickets.
    page.click("[data-testid=nav-my-tickets]")
    page.wait_for_url(f"{live_server.url}/portal/tickets/")
    row = page.locator(f"[data-testid=ticket-row][data-reference='{ticket.reference}']")
    assert "Screen flickers" in row.inner_text()
    assert fits_the_screen(page)

    # The service desk replies and resolves it.
    actions.add_comment(ticket, actor=agent, body="We replaced the cable.", public=True)
    actions.add_comment(ticket, actor=agent, body="Cable was chewed by the cat.", public=False)
    actions.transition_ticket(
        ticket, actor=agent, to="resolved", resolution="solved", note="New cable fitted."
    )

    # The requester reads the reply (never the internal note), confirms and rates.
    row.click()
    page.wait_for_url(f"{live_server.url}/portal/tickets/{ticket.pk}/")
    conversation = page.locator("[data-testid=comments]").inner_text()
    assert "We replaced the cable." in conversation
    assert "chewed" not in page.content()
    assert "New cable fitted." in page.locator("[data-testid=resolution]").inner_text()
    page.click("[data-testid=confirm-resolution]")
    page.locator("[data-testid=ticket-state] [data-state=closed]").wait_for()
    page.locator("[data-testid=rating-form] label:has([data-testid=rating-5])").click()
    page.fill("#id_comment", "Quick and friendly.")
    page.click("[data-testid=rating-submit]")
    page.locator("[data-testid=satisfaction-score][data-score='5']").wait_for()
    assert fits_the_screen(page)
    ticket.refresh_from_db()
    survey = Survey.objects.get(ticket=ticket)
    assert (ticket.state, survey.score, survey.comment) == ("closed", 5, "Quick and friendly.")
