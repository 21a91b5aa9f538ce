"""Mail fixtures (tests/inbound/mails/*.eml, built by make_mails.py) and a helper that
receives one message the way `yunwei mail ingest` does: store, then process."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.tickets.conftest import agreement, desk, make_ticket, office_calendar, service, sla
from yunwei.inbound import actions
from yunwei.inbound.models import InboundMessage

__all__ = ["agreement", "desk", "make_ticket", "office_calendar", "service", "sla"]

MAILS = Path(__file__).parent / "mails"


def eml(name: str, **placeholders: str) -> bytes:
    raw = (MAILS / f"{name}.eml").read_bytes()
    for key, value in placeholders.items():
        raw = raw.replace(b"{" + key.encode() + b"}", value.encode())
    return raw


def receive(raw: bytes, source: str = "pipe") -> InboundMessage:
    row, _created = actions.store_message(raw, source=source)
    return actions.process_message(row)


@pytest.fixture
def mail_desk(settings: Any, service: Any, requester: Any) -> Any:
    """The desk's e-mail settings: tickets for the desktop service; unknown senders are
    rejected (the default)."""
    settings.MAIL_DEFAULT_SERVICE = service.code
    settings.MAIL_UNKNOWN_SENDERS = "reject"
    return service
