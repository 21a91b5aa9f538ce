"""Who may speak by mail and where their mail lands: staff senders, colleagues' tickets,
our own addresses, the time a ticket starts, replies to closed tickets and the inline
images of signatures."""

from __future__ import annotations

import datetime as dt
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

import pytest
from django.utils import timezone

from tests.factories import UserFactory
from tests.inbound.conftest import eml, receive
from tests.inbound.mails.make_mails import PNG
from yunwei.inbound import actions, route
from yunwei.notifications.threading import new_message_id
from yunwei.tickets import actions as ticket_actions
from yunwei.tickets.models import Comment, Ticket

pytestmark = pytest.mark.django_db


def from_agent(ticket: Any) -> bytes:
    """A reply naming the ticket, with a From header anyone could have written."""
    return eml("reply_gmail_en", REFERENCE=ticket.reference).replace(
        b"Zhang Wei <req@acme.example>", b"Agent <agent@provider.example>"
    )


def test_mail_from_staff_is_rejected_and_neither_answers_nor_stops_the_clock(
    mail_desk: Any, make_ticket: Any, agent: Any
) -> None:
    ticket = make_ticket()
    row = receive(from_agent(ticket))
    assert row.state == "rejected"
    assert "staff answer in the web UI" in row.reason
    assert not Comment.objects.exists()
    ticket.refresh_from_db()
    assert ticket.first_response_at is None


def test_with_staff_senders_internal_staff_mail_is_an_internal_note_only(
    mail_desk: Any, settings: Any, make_ticket: Any, agent: Any
) -> None:
    settings.MAIL_STAFF_SENDERS = "internal"
    ticket = make_ticket()
    row = receive(from_agent(ticket))
    assert row.state == "comment"
    assert (row.comment.public, row.comment.author) == (False, agent)
    ticket.refresh_from_db()
    assert ticket.first_response_at is None

    # Staff mail answering no ticket opens none.
    row = receive(eml("plain", FROM="agent@provider.example", N="1"))
    assert row.state == "rejected"
    assert Ticket.objects.count() == 1


def test_a_colleague_cannot_comment_by_mail_on_a_ticket_the_portal_hides_from_them(
    mail_desk: Any, make_ticket: Any, customer: Any
) -> None:
    ticket = make_ticket()
    UserFactory(email="colleague@acme.example", organization=customer, roles=["requester"])
    raw = eml("reply_gmail_en", REFERENCE=ticket.reference).replace(
        b"Zhang Wei <req@acme.example>", b"<colleague@acme.example>"
    )
    row = receive(raw)
    assert row.state == "ticket"
    assert row.ticket != ticket
    assert not ticket.comments.exists()


@pytest.mark.parametrize("setting", ["NOTIFICATIONS_FROM_EMAIL", "NOTIFICATIONS_REPLY_TO"])
def test_mail_from_the_notifications_addresses_is_our_own(
    mail_desk: Any, settings: Any, setting: str
) -> None:
    setattr(settings, setting, "Service desk <notify@provider.example>")
    row = receive(eml("plain", FROM="notify@provider.example", N="1"))
    assert row.state == "ignored"
    assert "our own address" in row.reason


def test_tickets_and_comments_by_mail_date_from_when_the_mail_was_received(
    mail_desk: Any,
) -> None:
    received = timezone.now() - dt.timedelta(hours=3)
    row, _ = actions.store_message(eml("gbk"), source="pipe")
    type(row).objects.filter(pk=row.pk).update(received_at=received)
    ticket = actions.process_message(row).ticket
    assert ticket.created_at == received

    reply, _ = actions.store_message(
        eml("reply_gmail_en", REFERENCE=ticket.reference), source="pipe"
    )
    type(reply).objects.filter(pk=reply.pk).update(received_at=received + dt.timedelta(hours=1))
    assert actions.process_message(reply).comment.created_at == received + dt.timedelta(hours=1)


def test_a_reply_to_a_closed_ticket_opens_one_with_only_the_new_text_and_a_clean_title(
    mail_desk: Any, make_ticket: Any
) -> None:
    ticket = make_ticket()
    ticket_actions.transition_ticket(
        ticket, actor=None, to="resolved", resolution="solved", note="Replaced the toner."
    )
    ticket_actions.transition_ticket(ticket, actor=None, to="closed")
    row = receive(eml("reply_outlook_zh", IN_REPLY_TO=new_message_id(ticket.pk)))
    assert (row.ticket.title, row.ticket.description) == (
        "打印机故障",
        "已经重启，还是不行。\n\n张伟",
    )


@pytest.mark.parametrize(
    ("subject", "title"),
    [
        ("Re: [INC-000123] Printer offline — Closed", "Printer offline"),
        ("回复: 答复：Fw: [REQ-000001] VPN — A — New reply", "VPN — A"),
        ("RE: FWD: Printer", "Printer"),
        ("Printer — broken", "Printer — broken"),
        ("Re: ", "(no subject)"),
    ],
)
def test_titles_of_mailed_tickets_lose_reply_prefixes_and_our_subject_tag(
    subject: str, title: str
) -> None:
    assert route._title(subject) == title


def signed(subject: str, logo: bytes) -> bytes:
    """Outlook-style mail: text and HTML, the HTML showing a signature logo (cid:)."""
    msg = EmailMessage()
    msg["From"] = "Zhang Wei <req@acme.example>"
    msg["To"] = "desk@provider.example"
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain="acme.example")
    msg.set_content("Still broken.")
    msg.add_alternative('<p>Still broken.</p><img src="cid:logo@acme">', subtype="html")
    msg.get_payload()[1].add_related(
        logo, "image", "png", cid="<logo@acme>", disposition="inline", filename="logo.png"
    )
    return msg.as_bytes()


def test_a_signature_image_is_attached_once_not_to_every_reply(mail_desk: Any) -> None:
    ticket = receive(signed("Printer", PNG)).ticket
    assert [a.name for a in ticket.attachments.all()] == ["logo.png"]
    reply = receive(signed(f"Re: [{ticket.reference}] Printer", PNG))
    assert (reply.state, reply.comment.body) == ("comment", "Still broken.")
    assert ticket.attachments.count() == 1
    # A new image shown in place (a pasted screenshot) is kept.
    receive(signed(f"Re: [{ticket.reference}] Printer", PNG + b"\0"))
    assert ticket.attachments.count() == 2
