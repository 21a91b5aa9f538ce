from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Schema

State = Literal["received", "ticket", "comment", "ignored", "rejected", "quarantined"]


class TicketRef(Schema):
    id: int
    reference: str


class InboundMessageOut(Schema):
    id: int
    state: State
    reason: str
    sender: str
    subject: str
    message_id: str
    source: str
    size: int
    truncated: bool
    sha256: str
    received_at: datetime
    processed_at: datetime | None
    attempts: int
    ticket: TicketRef | None
    comment_id: int | None


class InboundMessageDetail(InboundMessageOut):
    headers: list[tuple[str, str]]
    text: str
    attachments: list[str]
    parse_error: str


class InboundMessagePage(Schema):
    count: int
    items: list[InboundMessageOut]
