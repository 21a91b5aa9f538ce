"""The worker's side of sending: one connection per sweep, a sweep that stops when the
server cannot be reached, failures that never leave a row stuck, re-sends, names that
decode to something nasty."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from tests.factories import UserFactory
from tests.notifications.conftest import SmtpRecorder, send_pending
from yunwei.core.outbox import OutboxState
from yunwei.notifications import actions as notify_actions
from yunwei.notifications import jobs, threading
from yunwei.notifications.models import OutboundEmail
from yunwei.notifications.tasks import send_email
from yunwei.tickets import actions

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_mails(make_ticket: Any, agent: Any) -> list[OutboundEmail]:
    ticket = make_ticket()
    for n in range(3):
        actions.add_comment(ticket, actor=agent, body=f"Reply {n}")
    rows = list(OutboundEmail.objects.order_by("pk"))
    assert len(rows) == 3
    return rows


def test_the_sweep_sends_its_batch_over_one_connection(
    smtp: SmtpRecorder, three_mails: list[OutboundEmail]
) -> None:
    assert jobs.send_due_email() == 3
    assert len(smtp.received) == 3
    assert smtp.sessions == 1
    assert set(OutboundEmail.objects.values_list("state", flat=True)) == {OutboxState.SENT}


def test_the_sweep_stops_at_an_unreachable_server(
    smtp: SmtpRecorder, settings: Any, three_mails: list[OutboundEmail]
) -> None:
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
    settings.EMAIL_PORT = closed.getsockname()[1]
    try:
        assert jobs.send_due_email() == 1
    finally:
        closed.close()
    first, *rest = OutboundEmail.objects.order_by("pk")
    assert (first.state, first.attempts) == (OutboxState.PENDING, 1)
    assert "ConnectionRefusedError" in first.last_error
    for row in rest:  # never tried: no attempt spent, no lease held, due as before
        assert (row.state, row.attempts, row.leased_until, row.last_error) == (
            OutboxState.PENDING, 0, None, ""
        )  # fmt: skip


def test_a_refused_recipient_does_not_stop_the_sweep(
    smtp: SmtpRecorder, three_mails: list[OutboundEmail]
) -> None:
    smtp.rcpt_replies.append("550 5.1.1 No such user")
    assert jobs.send_due_email() == 3
    states = list(OutboundEmail.objects.order_by("pk").values_list("state", flat=True))
    assert states == [OutboxState.FAILED, OutboxState.SENT, OutboxState.SENT]


def test_an_unexpected_error_is_recorded_and_releases_the_row(
    settings: Any, make_ticket: Any, agent: Any
) -> None:
    actions.add_comment(make_ticket(), actor=agent, body="Try now.")
    settings.EMAIL_BACKEND = "yunwei.nowhere.EmailBackend"  # a mistyped setting
    send_pending()
    assert jobs.send_due_email() == 0  # not due again yet: the sweep is not stuck either
    row = OutboundEmail.objects.get()
    assert (row.state, row.attempts, row.leased_until) == (OutboxState.PENDING, 1, None)
    assert "ModuleNotFoundError" in row.last_error


def test_sending_a_sent_mail_again_gives_it_a_new_message_id(
    smtp: SmtpRecorder, make_ticket: Any, requester: Any, agent: Any, admin: Any
) -> None:
    ticket = make_ticket()
    actions.add_comment(ticket, actor=agent, body="Try now.")
    send_pending()
    row = OutboundEmail.objects.get()
    first_id = row.message_id
    notify_actions.resend_email(row, actor=admin)
    send_pending()
    first, second = [m["Message-ID"] for m in smtp.to(requester.email)]
    assert first == first_id
    assert second != first_id
    assert threading.ticket_id_from([second]) == ticket.pk  # still threads on the ticket
    row.refresh_from_db()
    assert (row.state, row.message_id) == (OutboxState.SENT, second)


def test_a_retry_keeps_the_message_id(
    smtp: SmtpRecorder, make_ticket: Any, requester: Any, agent: Any
) -> None:
    actions.add_comment(make_ticket(), actor=agent, body="Try now.")
    smtp.data_replies.append("451 4.3.0 Try again later")
    row = OutboundEmail.objects.get()
    send_email.call(pk=row.pk)
    OutboundEmail.objects.filter(pk=row.pk).update(next_attempt_at=row.created_at)
    jobs.send_due_email()
    [mail] = smtp.to(requester.email)
    assert mail["Message-ID"] == row.message_id


def test_an_encoded_word_in_a_name_cannot_smuggle_a_header(
    smtp: SmtpRecorder, make_ticket: Any, customer: Any, agent: Any
) -> None:
    bob = UserFactory(
        email="bob@acme.example", name="Bob =?utf-8?q?=0D=0ABcc:evil@x.example?=",
        organization=customer, roles=["requester"],
    )  # fmt: skip
    make_ticket(requester=bob, actor=agent)
    send_pending()
    [received] = smtp.received
    assert received.recipients == ["bob@acme.example"]
    assert received.message["Bcc"] is None
    assert "\n" not in received.message["To"].addresses[0].display_name
    assert OutboundEmail.objects.get().state == OutboxState.SENT
