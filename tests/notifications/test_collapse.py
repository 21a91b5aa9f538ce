"""One action, one message per person: the events a single action raises about a ticket
reach each recipient once, as the most specific of them (docs/notifications.md)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import UserFactory
from yunwei.notifications import actions as notify_actions
from yunwei.notifications.models import Notification, OutboundEmail
from yunwei.tickets import actions

pytestmark = pytest.mark.django_db


def mails_to(user: Any) -> list[OutboundEmail]:
    return list(OutboundEmail.objects.filter(address=user.email).order_by("pk"))


def test_waiting_with_a_note_is_one_mail_carrying_the_question(
    make_ticket: Any, requester: Any, agent: Any
) -> None:
    ticket = make_ticket()
    actions.transition_ticket(ticket, actor=agent, to="waiting_on_customer", note="Which floor?")
    [mail] = mails_to(requester)
    assert "Which floor?" in mail.body_text
    assert "Which floor?" in mail.body_html
    assert "We are waiting for your answer" in mail.body_text
    [line] = requester.notifications.all()
    assert (
        line.text
        == f"{agent.name} is waiting for your answer on {ticket.reference}: 打印机无法打印"
    )


def test_separate_actions_are_told_separately(make_ticket: Any, requester: Any, agent: Any) -> None:
    ticket = make_ticket()
    actions.add_comment(ticket, actor=agent, body="Which floor?")
    actions.add_comment(ticket, actor=agent, body="And which printer?")
    assert [m.event for m in mails_to(requester)] == ["ticket.commented", "ticket.commented"]


def test_a_public_mention_of_the_assignee_is_one_mention_with_the_reply(
    make_ticket: Any, desk: Any, agent: Any, team_lead: Any
) -> None:
    ticket = actions.update_ticket(make_ticket(), actor=team_lead, assignee=agent)
    Notification.objects.all().delete()
    actions.add_comment(ticket, actor=team_lead, body=f"@{agent.email} can you call them?")
    assert list(agent.notifications.values_list("event", flat=True)) == ["ticket.mentioned"]
    [mail] = mails_to(agent)[1:]  # after the assignment mail
    assert mail.event == "ticket.mentioned"
    assert "can you call them?" in mail.body_text


def test_an_internal_mention_keeps_its_text_out_of_the_mail(
    make_ticket: Any, desk: Any, agent: Any, team_lead: Any
) -> None:
    ticket = actions.update_ticket(make_ticket(), actor=team_lead, assignee=agent)
    actions.add_comment(ticket, actor=team_lead, public=False, body=f"@{agent.email} secret")
    [mail] = [m for m in mails_to(agent) if m.event == "ticket.mentioned"]
    assert "secret" not in mail.body_text + mail.body_html


def test_assigned_at_creation_is_one_assignment(
    make_ticket: Any, desk: Any, requester: Any, agent: Any, team_lead: Any
) -> None:
    notify_actions.set_preferences(
        agent,
        actor=agent,
        choices={("ticket.created", "email"): True, ("ticket.created", "in_app"): True},
    )
    make_ticket(actor=team_lead, requester=requester, team=desk, assignee=agent)
    assert [m.event for m in mails_to(agent)] == ["ticket.assigned"]
    assert list(agent.notifications.values_list("event", flat=True)) == ["ticket.assigned"]
    assert [m.event for m in mails_to(requester)] == ["ticket.created"]


def test_a_channel_the_winner_does_not_use_keeps_the_other_message(
    make_ticket: Any, desk: Any, agent: Any, team_lead: Any
) -> None:
    # Mentions by bell only, replies by mail: both still arrive, once each.
    notify_actions.set_preferences(
        agent,
        actor=agent,
        choices={("ticket.mentioned", "email"): False, ("ticket.commented", "email"): True},
    )
    ticket = actions.update_ticket(make_ticket(), actor=team_lead, assignee=agent)
    actions.add_comment(ticket, actor=team_lead, body=f"@{agent.email} see above")
    assert [m.event for m in mails_to(agent)] == ["ticket.assigned", "ticket.commented"]
    assert agent.notifications.filter(event="ticket.mentioned").count() == 1
    assert agent.notifications.filter(event="ticket.commented").count() == 0


def test_a_reply_that_reopens_is_one_reopening_carrying_the_reply(
    make_ticket: Any, customer: Any, requester: Any, agent: Any
) -> None:
    colleague = UserFactory(email="col@acme.example", organization=customer, roles=["requester"])
    ticket = make_ticket(watchers=[colleague])
    actions.transition_ticket(
        ticket, actor=agent, to="resolved", resolution="solved", note="Replaced the toner."
    )
    actions.add_comment(ticket, actor=requester, body="It still smudges.")
    [mail] = [
        m for m in mails_to(colleague) if m.event not in ("ticket.created", "ticket.resolved")
    ]
    assert mail.event == "ticket.reopened"
    assert "It still smudges." in mail.body_text
    assert colleague.notifications.filter(event="ticket.commented").count() == 0


def test_each_mail_is_queued_once_for_sending(
    make_ticket: Any, requester: Any, agent: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ticket = make_ticket()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        actions.transition_ticket(ticket, actor=agent, to="waiting_on_customer", note="Floor?")
    queued = [c.keywords["pk"] for c in callbacks if getattr(c, "keywords", None)]
    assert queued == list(
        OutboundEmail.objects.filter(event="ticket.updated").values_list("pk", flat=True)
    )
