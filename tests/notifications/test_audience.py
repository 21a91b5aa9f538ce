"""Who hears about what (audience.py with the default preferences), seen in the rows the
listener writes: in-app notifications and outgoing e-mail."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from tests.factories import UserFactory, on_a_working_monday
from yunwei.core import events
from yunwei.notifications.models import Notification, OutboundEmail
from yunwei.tickets import actions, sla_link

pytestmark = pytest.mark.django_db


def mailed(event: str) -> list[str]:
    return sorted(OutboundEmail.objects.filter(event=event).values_list("address", flat=True))


def belled(event: str) -> list[str]:
    rows = Notification.objects.filter(event=event)
    return sorted(rows.values_list("recipient__email", flat=True))


def test_a_new_ticket_in_a_teams_queue_tells_the_requester_not_the_team(
    make_ticket: Any, desk: Any, requester: Any, agent: Any, team_lead: Any
) -> None:
    from yunwei.notifications import actions as notify_actions

    make_ticket(team=desk, actor=agent, requester=requester)
    # Staff bells ring for their own work by default; a new ticket is nobody's yet.
    assert belled("ticket.created") == [requester.email]
    assert mailed("ticket.created") == [requester.email]
    # A lead who wants to hear of each new ticket in the queue says so.
    notify_actions.set_preferences(
        team_lead, actor=team_lead, choices={("ticket.created", "in_app"): True}
    )
    make_ticket(team=desk, actor=agent, requester=requester)
    assert belled("ticket.created") == [team_lead.email, requester.email, requester.email]


def test_an_assignment_tells_the_assignee_only(
    make_ticket: Any, desk: Any, agent: Any, team_lead: Any
) -> None:
    ticket = make_ticket()
    actions.update_ticket(ticket, actor=team_lead, assignee=agent)
    assert belled("ticket.assigned") == [agent.email]
    assert mailed("ticket.assigned") == [agent.email]
    [line] = Notification.objects.filter(event="ticket.assigned")
    assert line.actor == team_lead
    assert line.url == f"/tickets/{ticket.pk}/"
    assert line.text == f"{team_lead.name} assigned {ticket.reference} to you: 打印机无法打印"


def test_customers_hear_of_updates_that_wait_on_them_and_not_of_staff_shuffles(
    make_ticket: Any, desk: Any, requester: Any, agent: Any, team_lead: Any
) -> None:
    ticket = make_ticket()
    actions.update_ticket(ticket, actor=agent, team=desk)
    assert belled("ticket.updated") == [team_lead.email]  # the queue it went to, not the actor
    actions.transition_ticket(ticket, actor=agent, to="in_progress")
    assert mailed("ticket.updated") == []
    actions.transition_ticket(ticket, actor=agent, to="waiting_on_customer", note="Which floor?")
    assert mailed("ticket.updated") == [requester.email]
    body = OutboundEmail.objects.get(event="ticket.updated").body_text
    assert "We are waiting for your answer" in body
    assert "Service desk" not in body  # the team change is the provider's business


def test_a_breach_tells_the_assignee_and_the_team_lead_and_never_the_customer(
    make_ticket: Any, sla: Any, desk: Any, requester: Any, agent: Any, team_lead: Any
) -> None:
    ticket = make_ticket()
    ticket = actions.update_ticket(ticket, actor=None, team=desk, assignee=agent)
    record = ticket.sla_records.get(kind="resolution")
    sla_link.alert(ticket, "breached", record, [])
    assert mailed("ticket.sla_breached") == [agent.email, team_lead.email]
    assert belled("ticket.sla_breached") == [agent.email, team_lead.email]
    body = OutboundEmail.objects.filter(event="ticket.sla_breached").first().body_text
    assert f"{ticket.reference} has breached its" in body


def test_inactive_users_and_other_organizations_hear_nothing(
    make_ticket: Any, requester: Any, other_requester: Any, customer: Any, agent: Any
) -> None:
    gone = UserFactory(email="gone@acme.example", organization=customer, roles=["requester"])
    ticket = make_ticket(watchers=[gone])
    gone.is_active = False
    gone.save()
    actions.add_comment(ticket, actor=agent, body="On it.")
    assert mailed("ticket.commented") == [requester.email]
    assert belled("ticket.commented") == [requester.email]
    assert not Notification.objects.filter(recipient=other_requester).exists()


def test_muted_events_write_nothing(make_ticket: Any, agent: Any) -> None:
    with events.muted():
        ticket = make_ticket()
        actions.add_comment(ticket, actor=agent, body="Imported history.")
    assert not Notification.objects.exists()
    assert not OutboundEmail.objects.exists()


def test_the_mail_is_rendered_in_the_recipients_time_zone(
    make_ticket: Any, sla: Any, desk: Any, agent: Any
) -> None:
    agent.timezone = "Europe/Paris"
    agent.save()
    ticket = make_ticket()
    ticket = actions.update_ticket(ticket, actor=None, team=desk, assignee=agent)
    record = ticket.sla_records.get(kind="resolution")
    sla_link.alert(ticket, "warning", record, [])
    body = OutboundEmail.objects.get(event="ticket.sla_warning", recipient=agent).body_text
    paris = timezone.localtime(record.due_at, timezone=ZoneInfo("Europe/Paris"))
    assert paris.strftime("%Y-%m-%d %H:%M") in body


@on_a_working_monday
def test_an_escalation_rule_tells_its_people_through_the_outbox(
    make_ticket: Any, sla: Any, desk: Any, requester: Any, agent: Any, team_lead: Any
) -> None:
    from django.core import mail

    from yunwei.sla import actions as sla_actions
    from yunwei.sla import escalation

    sla_actions.update_agreement(
        sla,
        actor=None,
        escalations=[
            {"kind": "resolution", "at_percent": 50, "action": "notify", "notify_team": desk}
        ],
    )
    ticket = actions.update_ticket(make_ticket(), actor=None, team=desk)
    record = ticket.sla_records.get(kind="resolution")
    halfway = record.started_at + (record.due_at - record.started_at) / 2
    escalation.check(record.pk, now=halfway)
    escalation.check(record.pk, now=halfway)  # fired once: a second check tells nobody
    # The team's members by mail (retried by the worker) and under the bell; the
    # customer never hears of it, and no bare mail goes around the outbox.
    assert mailed("ticket.escalated") == sorted([agent.email, team_lead.email])
    assert sorted(belled("ticket.escalated")) == sorted([agent.email, team_lead.email])
    assert mail.outbox == []
    body = OutboundEmail.objects.filter(event="ticket.escalated").first().body_text
    assert f"{ticket.reference} is escalated to you" in body


def test_the_resolved_mail_tells_the_customer_how(
    make_ticket: Any, requester: Any, agent: Any
) -> None:
    ticket = make_ticket()
    actions.transition_ticket(
        ticket, actor=agent, to="resolved", resolution="solved", note="Replaced the toner."
    )
    mail = OutboundEmail.objects.get(event="ticket.resolved", address=requester.email)
    assert "Replaced the toner." in mail.body_text
    assert "Replaced the toner." in mail.body_html


def test_a_reply_costs_the_same_queries_for_six_recipients_as_for_one(
    make_ticket: Any, customer: Any, agent: Any, django_assert_max_num_queries: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    alone = make_ticket()
    with CaptureQueriesContext(connection) as one_recipient:
        actions.add_comment(alone, actor=agent, body="On it.")
    watchers = [
        UserFactory(email=f"w{n}@acme.example", organization=customer, roles=["requester"])
        for n in range(5)
    ]
    watched = make_ticket(watchers=watchers)
    # It used to grow by four queries a recipient (organization, roles, the reply, a row).
    with django_assert_max_num_queries(len(one_recipient.captured_queries)):
        actions.add_comment(watched, actor=agent, body="On it.")
    assert len(mailed("ticket.commented")) == 1 + 6  # requester, then requester and watchers
