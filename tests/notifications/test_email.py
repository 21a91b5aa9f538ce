"""Outbound e-mail end to end: an action emits an event, the listener writes the outbox
row, the send task hands it to a real SMTP server on 127.0.0.1."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone, translation

from tests.factories import UserFactory
from tests.notifications.conftest import SmtpRecorder, send_pending
from yunwei.core.models import AuditEntry
from yunwei.core.outbox import OutboxState
from yunwei.notifications import actions as notify_actions
from yunwei.notifications import jobs, threading
from yunwei.notifications.models import OutboundEmail
from yunwei.tickets import actions
from yunwei.tickets.models import TicketState

pytestmark = pytest.mark.django_db


def subject(mail: Any) -> str:
    # Django folds a long encoded subject onto the next line; readers drop that space.
    return str(mail["Subject"]).strip()


def test_assignment_mail_is_multipart_threaded_and_names_the_ticket(
    smtp: SmtpRecorder, make_ticket: Any, desk: Any, agent: Any, team_lead: Any
) -> None:
    ticket = make_ticket()
    actions.update_ticket(ticket, actor=team_lead, assignee=agent)
    assert send_pending() >= 1

    [mail] = smtp.to(agent.email)
    assert subject(mail) == f"[{ticket.reference}] 打印机无法打印 — Assigned to you"
    assert mail["Auto-Submitted"] == "auto-generated"
    assert mail["X-Yunwei-Ticket"] == ticket.reference
    assert threading.ticket_id_from([mail["Message-ID"]]) == ticket.pk
    assert mail["In-Reply-To"] == threading.root_id(ticket.pk)
    assert mail["References"] == threading.root_id(ticket.pk)
    assert mail.get_content_type() == "multipart/alternative"
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert f"Lead assigned {ticket.reference} to you." in text.replace(team_lead.name, "Lead")
    assert f"/tickets/{ticket.pk}/" in text
    assert 'href="http' in html
    assert f"/tickets/{ticket.pk}/" in html
    row = OutboundEmail.objects.get(address=agent.email)
    assert row.state == OutboxState.SENT
    assert row.message_id == mail["Message-ID"]


def test_each_recipient_reads_their_own_language_and_customers_get_the_portal_link(
    smtp: SmtpRecorder, make_ticket: Any, zh_requester: Any, agent: Any, requester: Any
) -> None:
    ticket = make_ticket(requester=zh_requester, actor=agent)
    actions.update_ticket(ticket, actor=agent, watchers=[requester])
    actions.add_comment(ticket, actor=agent, body="请重启打印机。")
    send_pending()

    zh_mails, en_mails = smtp.to(zh_requester.email), smtp.to(requester.email)
    assert len(zh_mails) == 2  # created (raised for them by the agent) and the reply
    assert len(en_mails) == 1  # the reply (watchers hear nothing of the creation before)
    with translation.override("zh-hans"):
        zh_state = str(TicketState.NEW.label)
    with translation.override("en"):
        en_state = str(TicketState.NEW.label)
    assert zh_state != en_state
    zh_reply = zh_mails[1].get_body(("plain",)).get_content()
    en_reply = en_mails[0].get_body(("plain",)).get_content()
    assert zh_state in zh_reply
    assert en_state not in zh_reply
    assert en_state in en_reply
    assert "请重启打印机。" in zh_reply
    assert "请重启打印机。" in en_reply
    assert f"/portal/tickets/{ticket.pk}/" in en_reply
    assert "Reply to this e-mail to add a comment" in en_reply
    assert (
        OutboundEmail.objects.get(address=zh_requester.email, event="ticket.created").language
        == "zh-hans"
    )


def test_the_actor_is_not_mailed_about_their_own_doing(
    smtp: SmtpRecorder, make_ticket: Any, requester: Any, agent: Any
) -> None:
    ticket = make_ticket(requester=requester, actor=agent)  # raised for the requester
    actions.add_comment(ticket, actor=requester, body="Any news?")
    send_pending()
    assert [r.recipients for r in smtp.received] == [[requester.email]]
    assert not OutboundEmail.objects.filter(event="ticket.commented").exists()


def test_internal_notes_never_reach_any_mail(
    smtp: SmtpRecorder, make_ticket: Any, requester: Any, agent: Any, team_lead: Any, desk: Any
) -> None:
    ticket = make_ticket()
    actions.update_ticket(ticket, actor=team_lead, assignee=agent, watchers=[team_lead])
    actions.add_comment(
        ticket, actor=agent, public=False, body=f"@{team_lead.email} the root password is hunter2"
    )
    actions.add_comment(ticket, actor=agent, body="We are looking into it.")
    actions.transition_ticket(
        ticket, actor=agent, to="resolved", resolution="solved", note="Replaced the toner."
    )
    send_pending()

    assert len(smtp.received) >= 3
    for received in smtp.received:
        raw = received.message.as_string()
        assert "hunter2" not in raw
    [mention] = [m for m in smtp.to(team_lead.email) if "mentioned" in subject(m)]
    assert "internal note" in mention.get_body(("plain",)).get_content()
    customer_subjects = [subject(m) for m in smtp.to(requester.email)]
    assert customer_subjects == [
        f"[{ticket.reference}] 打印机无法打印 — New reply",
        f"[{ticket.reference}] 打印机无法打印 — Resolved",
    ]


def test_a_channel_turned_off_sends_no_mail(
    smtp: SmtpRecorder, make_ticket: Any, requester: Any, agent: Any
) -> None:
    notify_actions.set_preferences(
        requester, actor=requester, choices={("ticket.commented", "email"): False}
    )
    ticket = make_ticket()
    actions.add_comment(ticket, actor=agent, body="We are looking into it.")
    send_pending()
    assert smtp.received == []
    assert not OutboundEmail.objects.exists()
    assert requester.notifications.filter(event="ticket.commented").count() == 1  # bell stays


def test_a_temporary_refusal_is_retried_by_the_sweep(
    smtp: SmtpRecorder, make_ticket: Any, requester: Any, agent: Any
) -> None:
    ticket = make_ticket()
    actions.add_comment(ticket, actor=agent, body="Try now.")
    smtp.data_replies.append("451 4.3.0 Try again later")
    send_pending()

    row = OutboundEmail.objects.get()
    assert (row.state, row.attempts) == (OutboxState.PENDING, 1)
    assert "451" in row.last_error
    assert row.next_attempt_at > timezone.now()
    assert jobs.send_due_email() == 0  # not due yet
    OutboundEmail.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    assert jobs.send_due_email() == 1

    row.refresh_from_db()
    assert (row.state, row.attempts, row.last_error) == (OutboxState.SENT, 2, "")
    assert [r.recipients for r in smtp.received] == [[requester.email]]


def test_a_refused_recipient_fails_at_once(
    smtp: SmtpRecorder, make_ticket: Any, requester: Any, agent: Any
) -> None:
    ticket = make_ticket()
    actions.add_comment(ticket, actor=agent, body="Try now.")
    smtp.rcpt_replies.append("550 5.1.1 No such user")
    send_pending()
    row = OutboundEmail.objects.get()
    assert (row.state, row.attempts) == (OutboxState.FAILED, 1)
    assert "550" in row.last_error
    assert smtp.received == []


def test_an_unreachable_server_is_retried(
    smtp: SmtpRecorder, settings: Any, make_ticket: Any, agent: Any
) -> None:
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
    settings.EMAIL_PORT = closed.getsockname()[1]
    try:
        ticket = make_ticket()
        actions.add_comment(ticket, actor=agent, body="Try now.")
        send_pending()
    finally:
        closed.close()
    row = OutboundEmail.objects.get()
    assert (row.state, row.attempts) == (OutboxState.PENDING, 1)
    assert "ConnectionRefusedError" in row.last_error


def test_no_user_value_can_inject_a_header(
    smtp: SmtpRecorder, make_ticket: Any, customer: Any, agent: Any
) -> None:
    victim = UserFactory(
        email="victim@acme.example", name="Eve\r\nBcc: evil@example.com", organization=customer,
        roles=["requester"],
    )  # fmt: skip
    ticket = make_ticket(requester=victim, actor=agent, title="Printer\r\nBcc: evil@example.com")
    send_pending()

    [received] = smtp.received
    assert received.recipients == ["victim@acme.example"]
    assert received.message["Bcc"] is None
    assert "evil@example.com" not in received.message["To"].addresses[0].addr_spec
    assert "\n" not in subject(received.message)
    assert subject(received.message).startswith(f"[{ticket.reference}] Printer")


def test_an_admin_sends_a_failed_mail_again(
    smtp: SmtpRecorder, make_ticket: Any, requester: Any, agent: Any, admin: Any
) -> None:
    ticket = make_ticket()
    actions.add_comment(ticket, actor=agent, body="Try now.")
    smtp.rcpt_replies.append("550 5.1.1 No such user")
    send_pending()
    row = OutboundEmail.objects.get()
    with pytest.raises(PermissionDenied):
        notify_actions.resend_email(row, actor=agent)

    notify_actions.resend_email(row, actor=admin)
    send_pending()
    row.refresh_from_db()
    assert row.state == OutboxState.SENT
    assert [m["Message-ID"] for m in smtp.to(requester.email)] == [row.message_id]
    entry = AuditEntry.objects.get(object_type="notifications.outboundemail")
    assert entry.actor_id == admin.pk
    assert entry.changes["state"] == ["failed", "pending"]


def test_a_malformed_address_fails_at_once_without_touching_the_server(
    smtp: SmtpRecorder, make_ticket: Any, agent: Any
) -> None:
    actions.add_comment(make_ticket(), actor=agent, body="Try now.")
    OutboundEmail.objects.update(address="someone@@acme.example")
    send_pending()
    row = OutboundEmail.objects.get()
    assert (row.state, row.attempts) == (OutboxState.FAILED, 1)
    assert smtp.received == []
