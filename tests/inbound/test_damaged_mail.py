"""Crafted or damaged mail never jams the inbound queue: NUL characters (which
PostgreSQL refuses), huge headers, unparseable senders, and a message whose
quarantine fails."""

from __future__ import annotations

from typing import Any

import pytest

from tests.inbound.conftest import eml, receive
from yunwei.inbound import actions, parse
from yunwei.inbound.charsets import decode_header_value
from yunwei.inbound.models import InboundMessage
from yunwei.tickets.models import Ticket

pytestmark = pytest.mark.django_db

WITH_NUL = (
    b"From: Zhang Wei <req@acme.example>\r\n"
    b"Message-ID: <nul\x00-1@acme.example>\r\n"
    b"Subject: =?utf-8?b?AA==?=\r\n"
    b"MIME-Version: 1.0\r\n"
    b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
    b"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nline\x00 one\r\n"
    b"--b\r\nContent-Type: text/plain\r\n"
    b'Content-Disposition: attachment; filename="=?utf-8?b?bG9nAC50eHQ=?="\r\n\r\n'
    b"error\r\n--b--\r\n"
)


def test_nul_characters_are_dropped_from_everything_stored(mail_desk: Any) -> None:
    row = receive(WITH_NUL)
    assert row.state == "ticket"
    assert row.message_id == "<nul-1@acme.example>"
    ticket = row.ticket
    assert (ticket.title, ticket.description) == ("(no subject)", "line one")
    assert [a.name for a in ticket.attachments.all()] == ["log.txt"]


def test_a_message_whose_quarantine_fails_does_not_stop_the_others(
    mail_desk: Any, monkeypatch: Any
) -> None:
    def unreadable(raw: bytes) -> tuple[str, str]:
        raise ValueError("cannot be summarised")

    monkeypatch.setattr(parse, "summary", unreadable)
    bad, _ = actions.store_message(eml("garbage"), source="pipe")
    actions.store_message(eml("utf8_qp"), source="pipe")
    assert actions.process_received() == 2
    bad.refresh_from_db()
    assert (bad.state, bad.subject) == ("quarantined", "")
    assert "no e-mail headers found" in bad.reason
    assert Ticket.objects.get().title == "显示器 黑屏"


def test_a_message_that_cannot_even_be_quarantined_does_not_stop_the_others(
    mail_desk: Any, monkeypatch: Any
) -> None:
    def broken(pk: int, reason: str) -> None:
        raise RuntimeError("database refused the row")

    monkeypatch.setattr(actions, "_quarantine", broken)
    bad, _ = actions.store_message(eml("garbage"), source="pipe")
    actions.store_message(eml("utf8_qp"), source="pipe")
    actions.process_received()
    assert InboundMessage.objects.get(pk=bad.pk).state == "received"
    assert Ticket.objects.get().title == "显示器 黑屏"


def test_a_huge_header_is_cut_and_unfolded_in_one_pass() -> None:
    assert decode_header_value("a" + " " * 60000 + "b") == "a"
    assert decode_header_value("a \r\n\t b" + "\r\n c" * 3000).startswith("a b c c")
    raw = eml("plain", FROM="req@acme.example", N="1").replace(
        b"Subject: a plain request", b"Subject: a" + b" " * 60000 + b"b"
    )
    assert parse.parse(raw).subject == "a"


def test_an_encoded_cr_in_the_senders_name_is_a_refused_sender_not_a_crash(
    mail_desk: Any,
) -> None:
    row = receive(eml("plain", FROM="=?utf-8?q?Al=0Dice?= <req@acme.example>", N="1"))
    assert row.state == "rejected"
    assert row.reason.startswith("sender refused: unreadable From header")
    assert not Ticket.objects.exists()
