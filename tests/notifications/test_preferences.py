"""Defaults and stored choices: saving the grid as shown changes nothing, customers are
told when a ticket waits on them, and staff bells ring for their own work only."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from yunwei.notifications.models import Notification, NotificationPreference, OutboundEmail
from yunwei.tickets import actions

pytestmark = pytest.mark.django_db


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def save_as_shown(user: Any) -> None:
    """Opens the preferences page and saves it without touching a box."""
    client = signed_in(user)
    page = client.get("/notifications/preferences/").content.decode()
    checked = re.findall(r'name="([^"]+)"[^>]*\bchecked\b', page)
    assert (
        client.post("/notifications/preferences/", dict.fromkeys(checked, "on")).status_code == 302
    )


def test_saving_the_grid_as_shown_keeps_the_waiting_on_you_mail(
    make_ticket: Any, requester: Any, agent: Any
) -> None:
    page = signed_in(requester).get("/notifications/preferences/").content.decode()
    assert 'name="ticket.waiting:email" aria-label="Waiting for your answer · E-mail" checked' in (
        page
    )
    save_as_shown(requester)
    assert not NotificationPreference.objects.exists()  # nothing differed from the defaults

    ticket = make_ticket()
    actions.transition_ticket(ticket, actor=agent, to="waiting_on_customer", note="Which floor?")
    [mail] = OutboundEmail.objects.filter(address=requester.email)
    assert "We are waiting for your answer" in mail.body_text


def test_waiting_on_you_is_a_choice_of_its_own(
    make_ticket: Any, requester: Any, agent: Any
) -> None:
    client = signed_in(requester)
    page = client.get("/notifications/preferences/").content.decode()
    checked = set(re.findall(r'name="([^"]+)"[^>]*\bchecked\b', page))
    checked -= {"ticket.waiting:email"}
    client.post("/notifications/preferences/", dict.fromkeys(checked, "on"))
    assert list(NotificationPreference.objects.values_list("event", "channel", "enabled")) == [
        ("ticket.waiting", "email", False)
    ]
    ticket = make_ticket()
    actions.transition_ticket(ticket, actor=agent, to="in_progress")
    actions.transition_ticket(ticket, actor=agent, to="waiting_on_customer")
    assert not OutboundEmail.objects.filter(address=requester.email).exists()
    assert requester.notifications.filter(event="ticket.updated").count() == 1  # the bell stays


def test_a_box_set_back_to_its_default_forgets_the_choice(agent: Any) -> None:
    from yunwei.notifications import actions as notify_actions

    notify_actions.set_preferences(agent, actor=agent, choices={("ticket.created", "email"): True})
    assert NotificationPreference.objects.count() == 1
    notify_actions.set_preferences(agent, actor=agent, choices={("ticket.created", "email"): False})
    assert not NotificationPreference.objects.exists()


def test_staff_bells_ring_for_their_own_work_only(
    make_ticket: Any, desk: Any, requester: Any, agent: Any, team_lead: Any
) -> None:
    ticket = make_ticket(
        team=desk, actor=agent, requester=requester
    )  # the team's queue: nobody's yet
    assert not Notification.objects.filter(recipient__in=[agent, team_lead]).exists()
    actions.update_ticket(ticket, actor=team_lead, assignee=agent, watchers=[team_lead])
    assert list(agent.notifications.values_list("event", flat=True)) == ["ticket.assigned"]
    actions.add_comment(ticket, actor=requester, body="Still broken.")
    # The assignee hears of the reply on their ticket; a watching lead's bell stays quiet.
    assert agent.notifications.filter(event="ticket.commented").count() == 1
    assert not team_lead.notifications.exists()
    assert (
        not OutboundEmail.objects.filter(address__in=[agent.email, team_lead.email])
        .exclude(event="ticket.assigned")
        .exists()
    )


def test_the_grid_shows_the_staff_defaults(agent: Any) -> None:
    page = signed_in(agent).get("/notifications/preferences/").content.decode()
    assert 'name="ticket.created:in_app" aria-label="Ticket created · In the app">' in page
    assert 'name="ticket.assigned:in_app" aria-label="Ticket assigned · In the app" checked' in page
    assert "ticket.waiting" not in page  # a customer's choice
