"""The bell, the notifications page, the preferences grid and the "Outgoing e-mail"
page; each user sees only their own notifications."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from yunwei.core.models import AuditEntry
from yunwei.core.outbox import OutboxState
from yunwei.notifications.models import Notification, NotificationPreference, OutboundEmail
from yunwei.tickets import actions

pytestmark = pytest.mark.django_db


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def assigned(make_ticket: Any, desk: Any, agent: Any, team_lead: Any) -> Any:
    """A ticket assigned to the agent, who has two unread notifications about it."""
    ticket = actions.update_ticket(make_ticket(), actor=team_lead, assignee=agent)
    actions.add_comment(ticket, actor=team_lead, public=False, body=f"@{agent.email} look")
    assert agent.notifications.count() == 2
    return ticket


def test_the_bell_shows_the_unread_count_on_every_page(
    assigned: Any, agent: Any, team_lead: Any
) -> None:
    page = signed_in(agent).get("/tickets/").content.decode()
    assert 'data-testid="notification-bell"' in page
    assert 'data-testid="notification-count">2<' in page
    lead_page = signed_in(team_lead).get("/tickets/").content.decode()
    assert 'data-testid="notification-bell"' in lead_page
    assert 'data-testid="notification-count"' not in lead_page


def test_customers_have_the_bell_too(make_ticket: Any, requester: Any, agent: Any) -> None:
    actions.add_comment(make_ticket(), actor=agent, body="On it.")
    page = signed_in(requester).get("/notifications/").content.decode()
    assert 'data-testid="notification-count">1<' in page
    assert "replied on INC-" in page


def test_the_dropdown_lists_the_latest_in_the_readers_language(assigned: Any, agent: Any) -> None:
    html = signed_in(agent).get("/notifications/menu/").content.decode()
    assert html.count('data-testid="notification"') == 2
    assert f"mentioned you on {assigned.reference}" in html
    assert "look" not in html  # the note's text stays on the ticket page


def test_clicking_a_notification_marks_it_read_and_opens_the_ticket(
    assigned: Any, agent: Any
) -> None:
    client = signed_in(agent)
    line = agent.notifications.first()
    assert client.get(f"/notifications/{line.pk}/read/").status_code == 405  # never on GET
    response = client.post(f"/notifications/{line.pk}/read/")
    assert response.status_code == 302
    assert response["Location"] == f"/tickets/{assigned.pk}/"
    line.refresh_from_db()
    assert line.read_at is not None
    assert agent.notifications.filter(read_at=None).count() == 1


def test_another_users_notification_cannot_be_read(assigned: Any, agent: Any, admin: Any) -> None:
    line = agent.notifications.first()
    assert signed_in(admin).post(f"/notifications/{line.pk}/read/").status_code == 404
    line.refresh_from_db()
    assert line.read_at is None
    assert "look" not in signed_in(admin).get("/notifications/").content.decode()


def test_mark_all_read(assigned: Any, agent: Any) -> None:
    response = signed_in(agent).post("/notifications/read-all/")
    assert response.status_code == 302
    assert not agent.notifications.filter(read_at=None).exists()
    assert AuditEntry.objects.filter(object_type="accounts.user", actor_id=agent.pk).exists()


def test_the_notifications_page_is_paginated(agent: Any) -> None:
    from django.utils import timezone

    Notification.objects.bulk_create(
        Notification(
            recipient=agent, event="ticket.created", created_at=timezone.now(),
            params={"reference": f"INC-{n:06d}", "title": "t"},
        )
        for n in range(30)
    )  # fmt: skip
    client = signed_in(agent)
    first = client.get("/notifications/").content.decode()
    second = client.get("/notifications/?page=2").content.decode()
    assert first.count('data-testid="notification"') == 25
    assert second.count('data-testid="notification"') == 5
    assert "INC-000029" in first
    assert "INC-000000" in second


def test_the_preferences_grid_saves_each_choice(agent: Any, requester: Any) -> None:
    client = signed_in(agent)
    page = client.get("/notifications/preferences/").content.decode()
    assert 'name="ticket.assigned:email" aria-label="Ticket assigned · E-mail" checked' in page
    assert 'name="ticket.created:email" aria-label="Ticket created · E-mail">' in page
    # Everything on except assignment mail.
    form = {f"{row}:{ch}": "on" for row in [
        "ticket.created", "ticket.updated", "ticket.assigned", "ticket.commented",
        "ticket.mentioned", "ticket.sla_warning", "ticket.sla_breached", "ticket.resolved",
        "ticket.closed", "ticket.reopened"] for ch in ("email", "in_app")}  # fmt: skip
    del form["ticket.assigned:email"]
    assert client.post("/notifications/preferences/", form).status_code == 302
    assert not NotificationPreference.objects.get(
        user=agent, event="ticket.assigned", channel="email"
    ).enabled
    assert NotificationPreference.objects.get(
        user=agent, event="ticket.created", channel="email"
    ).enabled
    entry = AuditEntry.objects.get(object_type="accounts.user", actor_id=agent.pk, action="update")
    assert entry.changes["ticket.assigned:email"] == [True, False]
    customer_page = signed_in(requester).get("/notifications/preferences/").content.decode()
    assert "ticket.sla_breached" not in customer_page


def test_the_user_menu_links_to_the_preferences(agent: Any) -> None:
    assert (
        'href="/notifications/preferences/"' in signed_in(agent).get("/tickets/").content.decode()
    )


def test_outgoing_email_page_is_for_admins(
    make_ticket: Any, requester: Any, agent: Any, admin: Any
) -> None:
    actions.add_comment(make_ticket(), actor=agent, body="On it.")
    row = OutboundEmail.objects.get()
    OutboundEmail.objects.filter(pk=row.pk).update(
        state=OutboxState.FAILED, attempts=10, last_error="SMTPRecipientsRefused: 550"
    )
    page = signed_in(admin).get("/notifications/outgoing/?state=failed").content.decode()
    assert requester.email in page
    assert "SMTPRecipientsRefused: 550" in page
    assert signed_in(agent).get("/notifications/outgoing/").status_code == 403
    assert signed_in(requester).get("/notifications/outgoing/").status_code == 403
    assert signed_in(agent).post(f"/notifications/outgoing/{row.pk}/resend/").status_code == 403

    assert signed_in(admin).post(f"/notifications/outgoing/{row.pk}/resend/").status_code == 302
    row.refresh_from_db()
    assert (row.state, row.attempts) == (OutboxState.PENDING, 0)
