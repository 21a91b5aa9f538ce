from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Schema

from yunwei.accounts.schemas import StrictIn

EventCode = Literal[
    "ticket.created",
    "ticket.updated",
    "ticket.assigned",
    "ticket.commented",
    "ticket.mentioned",
    "ticket.sla_warning",
    "ticket.sla_breached",
    "ticket.escalated",
    "ticket.resolved",
    "ticket.closed",
    "ticket.reopened",
    "ticket.waiting",  # customers: an update leaving the ticket waiting for their answer
]


class NotificationTicket(Schema):
    id: int
    reference: str


class NotificationOut(Schema):
    id: int
    event: str
    text: str  # in the reader's language
    url: str
    ticket: NotificationTicket | None
    created_at: datetime
    read_at: datetime | None


class NotificationPage(Schema):
    count: int
    unread: int
    items: list[NotificationOut]


class ReadAllOut(Schema):
    updated: int


class PreferenceRow(Schema):
    event: EventCode
    email: bool
    in_app: bool


class PreferenceRowIn(StrictIn):
    event: EventCode
    email: bool | None = None
    in_app: bool | None = None


class PreferencesIn(StrictIn):
    items: list[PreferenceRowIn]


class PreferencesOut(Schema):
    items: list[PreferenceRow]
