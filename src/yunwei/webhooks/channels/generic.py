"""Generic JSON webhooks, signed with HMAC-SHA256 (docs/webhooks.md shows how a receiver
verifies them)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from typing import Any

from yunwei.webhooks.channels import Outgoing, Problem, json_bytes, json_headers, status_problem
from yunwei.webhooks.guard import Answer


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """ "sha256=" + hex HMAC-SHA256(secret, "<timestamp>.<body>")."""
    message = timestamp.encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def body_of(delivery: Any) -> dict[str, Any]:
    stored = delivery.payload or {}
    return {
        "event": delivery.event,
        "delivery": str(delivery.key),
        "occurred_at": stored.get("occurred_at"),
        "actor": stored.get("actor"),
        "data": stored.get("data", {}),
        "details": stored.get("details", {}),
    }


def build(subscription: Any, delivery: Any, *, now: dt.datetime) -> Outgoing:
    body = json_bytes(body_of(delivery))
    timestamp = str(int(now.timestamp()))
    headers = json_headers(
        **{
            "X-Yunwei-Event": delivery.event,
            "X-Yunwei-Delivery": str(delivery.key),
            "Idempotency-Key": str(delivery.key),
            "X-Yunwei-Timestamp": timestamp,
            "X-Yunwei-Signature": signature(subscription.secret, timestamp, body),
        }
    )
    return Outgoing(subscription.url, headers, body)


def judge(answer: Answer) -> Problem | None:
    return status_problem(answer)
