"""What becomes of a received message: a ticket, a comment, or an ignored, rejected or
quarantined entry — and never nothing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.inbound.conftest import eml, receive
from yunwei.accounts.models import User
from yunwei.core.models import AuditEntry
from yunwei.inbound import actions
from yunwei.inbound.models import InboundMessage, SenderDomain
from yunwei.notifications.threading import new_message_id
from yunwei.tickets import actions as ticket_actions
from yunwei.tickets.models import Comment, Ticket, TicketLink

pytestmark = pytest.mark.django_db


def test_a_gb2312_mail_opens_a_ticket_its_reply_comments_and_an_auto_reply_does_not(
    mail_desk: Any, requester: Any
) -> None:
    opened = receive(eml("gb2312_attachment"))
    assert opened.state == "ticket"
    ticket = opened.ticket
    assert ticket.title == "打印机故障（镕）"
    assert ticket.description == "打印机无法打印，朱镕基大楼三层。\n请尽快处理。"
    assert (ticket.requester, ticket.organization, ticket.channel) == (
        requester,
        requester.organization,
        "email",
    )
    files = {a.name: a for a in ticket.attachments.all()}
    assert sorted(files) == ["截图.png", "错误日志.txt"]
    assert files["截图.png"].content_type == "image/png"
    with files["错误日志.txt"].file.open("rb") as handle:
        assert handle.read().decode("gb18030") == "错误代码 0x8007 镕"
    created = AuditEntry.objects.filter(object_type="tickets.ticket", action="create")
    assert {(entry.actor, entry.source) for entry in created} == {(requester, "email")}

    reply = receive(eml("reply_outlook_zh", IN_REPLY_TO=new_message_id(ticket.pk)))
    assert (reply.state, reply.ticket) == ("comment", ticket)
    comment = reply.comment
    assert comment.body == "已经重启，还是不行。\n\n张伟"
    assert (comment.public, comment.channel, comment.author) == (True, "email", requester)

    auto = receive(eml("autoreply_exchange_zh", IN_REPLY_TO=new_message_id(ticket.pk)))
    assert auto.state == "ignored"
    assert auto.reason == "X-Auto-Response-Suppress: All"
    assert list(ticket.comments.all()) == [comment]
    assert Ticket.objects.count() == 1


@pytest.mark.parametrize(
    "name",
    ["autoreply_auto_submitted", "autoreply_precedence", "autoreply_x_autoreply", "dsn_bounce"],
)
def test_automatic_mail_is_kept_as_ignored_and_makes_nothing(mail_desk: Any, name: str) -> None:
    row = receive(eml(name, IN_REPLY_TO="<x@acme.example>"))
    assert row.state == "ignored"
    assert row.reason
    assert not Ticket.objects.exists()


def test_our_own_mail_looped_back_is_ignored(mail_desk: Any, make_ticket: Any) -> None:
    ticket = make_ticket()
    row = receive(eml("looped", OUR_ID=new_message_id(ticket.pk)))
    assert row.state == "ignored"
    assert not ticket.comments.exists()


def test_the_same_message_twice_is_one_ticket(mail_desk: Any) -> None:
    first = receive(eml("gbk"))
    again, created = actions.store_message(eml("gbk"), source="imap://other")
    assert (created, again.pk) == (False, first.pk)
    assert actions.process_message(again).state == "ticket"
    assert Ticket.objects.count() == 1
    assert InboundMessage.objects.count() == 1


def test_a_message_without_message_id_is_deduplicated_by_its_bytes(mail_desk: Any) -> None:
    raw = eml("gbk").replace(b"Message-ID: <gbk-1@acme.example>\r\n", b"")
    first = receive(raw)
    _row, created = actions.store_message(raw, source="pipe")
    assert not created
    assert first.dedup_key.startswith("sha256:")
    assert Ticket.objects.count() == 1


@pytest.mark.parametrize("name", ["malformed_boundary", "malformed_base64", "garbage"])
def test_malformed_mail_is_quarantined_and_the_next_one_still_processed(
    mail_desk: Any, name: str
) -> None:
    bad, _ = actions.store_message(eml(name), source="imaps://desk@mx")
    good, _ = actions.store_message(eml("utf8_qp"), source="imaps://desk@mx")
    assert actions.process_received() == 2
    bad.refresh_from_db()
    good.refresh_from_db()
    assert bad.state == "quarantined"
    assert bad.reason
    assert bad.ticket is None
    assert good.state == "ticket"
    assert Ticket.objects.get().title == "显示器 黑屏"


def test_html_mail_opens_a_ticket_with_its_text_only(mail_desk: Any) -> None:
    ticket = receive(eml("html_only")).ticket
    assert ticket.description == "第一行 & more\nsecond\nthird"
    assert "script" not in ticket.description_html
    assert "alert" not in ticket.description_html


def test_a_subject_reference_makes_a_comment(mail_desk: Any, make_ticket: Any) -> None:
    ticket = make_ticket()
    row = receive(eml("reply_gmail_en", REFERENCE=ticket.reference))
    assert (row.state, row.ticket) == ("comment", ticket)
    assert row.comment.body == "Still broken after the update."


def test_a_follow_up_to_the_senders_own_first_mail_joins_its_ticket(mail_desk: Any) -> None:
    first = receive(eml("utf8_qp"))
    follow_up = eml("utf8_base64").replace(
        b"MIME-Version", b"References: <utf8-qp-1@acme.example>\r\nMIME-Version", 1
    )
    row = receive(follow_up)
    assert (row.state, row.ticket) == ("comment", first.ticket)
    assert row.comment.body == "VPN 客户端报错 809，café ☕。"


def test_a_reply_naming_another_organizations_ticket_opens_a_new_ticket(
    mail_desk: Any, other_requester: Any, make_ticket: Any, service: Any
) -> None:
    service.organizations.add(other_requester.organization)
    theirs = make_ticket(actor=other_requester)
    row = receive(eml("reply_outlook_zh", IN_REPLY_TO=new_message_id(theirs.pk)))
    assert row.state == "ticket"
    assert row.ticket != theirs
    assert row.ticket.organization == row.ticket.requester.organization
    assert not theirs.comments.exists()


def test_a_reply_to_a_closed_ticket_opens_a_new_one_linked_to_it(
    mail_desk: Any, make_ticket: Any, agent: Any
) -> None:
    ticket = make_ticket()
    ticket_actions.transition_ticket(
        ticket, actor=None, to="resolved", resolution="solved", note="Replaced the toner."
    )
    ticket_actions.transition_ticket(ticket, actor=None, to="closed")
    row = receive(eml("reply_outlook_zh", IN_REPLY_TO=new_message_id(ticket.pk)))
    assert row.state == "ticket"
    assert TicketLink.objects.filter(source=row.ticket, target=ticket, kind="related").exists()
    assert f"follows the closed ticket {ticket.reference}" in row.reason


def test_a_forged_message_id_signature_does_not_reach_the_ticket(
    mail_desk: Any, make_ticket: Any
) -> None:
    ticket = make_ticket()
    genuine = new_message_id(ticket.pk)
    forged = genuine[:-20] + "0" * 16 + genuine[-4:]
    row = receive(eml("reply_outlook_zh", IN_REPLY_TO=forged))
    assert row.state == "ticket"
    assert not ticket.comments.exists()


def test_an_unknown_sender_is_rejected_by_default(mail_desk: Any) -> None:
    row = receive(eml("plain", FROM="stranger@acme.example", N="1"))
    assert row.state == "rejected"
    assert "unknown sender stranger@acme.example" in row.reason
    assert not Ticket.objects.exists()
    assert not User.objects.filter(email="stranger@acme.example").exists()


def test_an_unknown_sender_of_a_sender_domain_becomes_a_requester(
    mail_desk: Any, settings: Any, customer: Any
) -> None:
    settings.MAIL_UNKNOWN_SENDERS = "create"
    actions.create_sender_domain(actor=None, domain="acme.example", organization=customer)
    row = receive(eml("plain", FROM="Li Na <Li.Na@ACME.example>", N="1"))
    assert row.state == "ticket"
    contact = User.objects.get(email="li.na@acme.example")
    assert (contact.name, contact.organization, contact.role_codes) == (
        "Li Na",
        customer,
        frozenset({"requester"}),
    )
    assert row.ticket.requester == contact


def test_an_unknown_sender_of_an_unknown_domain_is_rejected_even_with_create(
    mail_desk: Any, settings: Any
) -> None:
    settings.MAIL_UNKNOWN_SENDERS = "create"
    row = receive(eml("plain", FROM="x@elsewhere.example", N="1"))
    assert row.state == "rejected"
    assert not User.objects.filter(email="x@elsewhere.example").exists()


def test_an_ambiguous_sender_is_rejected_and_nothing_is_made(mail_desk: Any) -> None:
    row = receive(eml("plain", FROM="req@acme.example <bob@evil.example>", N="1"))
    assert row.state == "rejected"
    assert row.reason.startswith("sender refused")
    assert not Ticket.objects.exists()


def test_an_inactive_senders_mail_is_rejected(mail_desk: Any, requester: Any) -> None:
    User.objects.filter(pk=requester.pk).update(is_active=False)
    assert receive(eml("gbk")).state == "rejected"


def test_without_a_usable_service_the_mail_waits_in_quarantine_and_reprocesses(
    mail_desk: Any, settings: Any, admin: Any, service: Any
) -> None:
    settings.MAIL_DEFAULT_SERVICE = "no-such-service"
    row = receive(eml("gbk"))
    assert row.state == "quarantined"
    assert "YUNWEI_MAIL_DEFAULT_SERVICE names no service: no-such-service" in row.reason
    assert not Ticket.objects.exists()

    settings.MAIL_DEFAULT_SERVICE = ""  # the organization's only service
    row = actions.reprocess_message(row, actor=admin)
    assert row.state == "ticket"
    assert row.ticket.service == service
    entry = AuditEntry.objects.get(object_type="inbound.inboundmessage")
    assert (entry.actor, entry.changes) == (admin, {"state": ["quarantined", "received"]})


def test_only_quarantined_or_rejected_messages_are_processed_again(
    mail_desk: Any, admin: Any
) -> None:
    row = receive(eml("gbk"))
    with pytest.raises(Exception, match="Only quarantined or rejected"):
        actions.reprocess_message(row, actor=admin)
    assert Ticket.objects.count() == 1


def test_an_oversized_message_is_quarantined_with_its_first_bytes(
    mail_desk: Any, settings: Any
) -> None:
    settings.MAIL_MAX_BYTES = 100
    row, created = actions.store_message(eml("gb2312_attachment"), source="pipe")
    assert created
    assert (row.state, row.truncated) == ("quarantined", True)
    assert "too large" in row.reason
    assert row.size == len(eml("gb2312_attachment"))
    assert bytes(row.raw) == eml("gb2312_attachment")[: actions.HEAD_BYTES]
    assert row.subject == "打印机故障（镕）"
    assert actions.process_received() == 0


def test_a_refused_attachment_is_noted_and_the_ticket_still_opens(
    mail_desk: Any, settings: Any
) -> None:
    settings.ATTACHMENT_TYPES = ["text/plain"]
    row = receive(eml("gb2312_attachment"))
    assert row.state == "ticket"
    assert [a.name for a in row.ticket.attachments.all()] == ["错误日志.txt"]
    assert "attachment 截图.png refused" in row.reason


def test_a_reply_with_nothing_new_is_ignored(mail_desk: Any, make_ticket: Any) -> None:
    ticket = make_ticket()
    raw = eml("reply_gmail_en", REFERENCE=ticket.reference).replace(
        b"Still broken after the update.", b""
    )
    row = receive(raw)
    assert row.state == "ignored"
    assert not Comment.objects.exists()


def test_a_customers_mail_without_permission_to_raise_tickets_is_rejected(
    mail_desk: Any, requester: Any
) -> None:
    requester.groups.clear()
    row = receive(eml("gbk"))
    assert row.state == "rejected"
    assert not Ticket.objects.exists()


def test_sender_domains_are_validated_and_audited(customer: Any, provider: Any) -> None:
    row = actions.create_sender_domain(actor=None, domain=" @Acme.Example ", organization=customer)
    assert row.domain == "acme.example"
    with pytest.raises(Exception, match="already belongs"):
        actions.create_sender_domain(actor=None, domain="acme.example", organization=customer)
    with pytest.raises(Exception, match="customer organization"):
        actions.create_sender_domain(actor=None, domain="p.example", organization=provider)
    with pytest.raises(Exception, match="domain"):
        actions.create_sender_domain(actor=None, domain="not a domain", organization=customer)
    actions.delete_sender_domain(row, actor=None)
    assert not SenderDomain.objects.exists()
    assert list(
        AuditEntry.objects.filter(object_type="inbound.senderdomain")
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["create", "delete"]
