from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Literal

from ninja import Schema

from yunwei.accounts.schemas import Ref, StrictIn

FormatCode = Literal["generic", "wecom", "dingtalk", "feishu"]
LanguageCode = Literal["zh-hans", "en"]


class WebhookOut(Schema):
    id: int
    name: str
    url: str
    events: list[str]
    format: str
    # Generic: the HMAC key receivers verify signatures with; DingTalk / Feishu: the
    # robot's signing secret. Only administrators read webhooks at all.
    secret: str
    language: str
    organization: Ref | None
    is_active: bool
    allow_private_network: bool
    created_at: dt.datetime
    updated_at: dt.datetime


class WebhookIn(StrictIn):
    name: str
    url: str
    events: list[str]
    format: FormatCode = "generic"
    secret: str = ""
    language: LanguageCode = "zh-hans"
    organization: int | None = None
    is_active: bool = True
    allow_private_network: bool = False


class WebhookPatch(StrictIn):
    name: str | None = None
    url: str | None = None
    events: list[str] | None = None
    format: FormatCode | None = None
    secret: str | None = None
    language: LanguageCode | None = None
    organization: int | None = None
    is_active: bool | None = None
    allow_private_network: bool | None = None


class TicketRef(Schema):
    id: int
    reference: str


class DeliveryOut(Schema):
    id: int
    key: uuid.UUID
    event: str
    ticket: TicketRef | None  # the ticket the event was about; none for a test
    state: str
    attempts: int
    next_attempt_at: dt.datetime
    created_at: dt.datetime
    sent_at: dt.datetime | None
    response_status: int | None
    response_excerpt: str
    duration_ms: int | None
    last_error: str
    payload: dict[str, Any]


class WebhookPage(Schema):
    count: int
    items: list[WebhookOut]


class DeliveryPage(Schema):
    count: int
    items: list[DeliveryOut]
