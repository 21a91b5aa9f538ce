"""DingTalk (钉钉) robots: a Markdown message, signed when the robot has a secret
("加签": timestamp and sign as query parameters); {"errcode": 0} when accepted."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
from typing import Any
from urllib.parse import urlencode

from yunwei.webhooks.channels import (
    Outgoing,
    Problem,
    json_bytes,
    json_headers,
    robot_problem,
)
from yunwei.webhooks.channels.text import markdown, robot_text
from yunwei.webhooks.guard import Answer

# 300001 / 300005: no such token; 310000: keyword missing, signature or timestamp
# wrong, or our IP not allowed. (130101, sending too fast, is worth trying again.)
SETTINGS_CODES = frozenset({"300001", "300005", "310000"})


def sign(secret: str, timestamp_ms: str) -> str:
    """base64(HMAC-SHA256(key=secret, msg="<timestamp>\\n<secret>")), before URL-encoding."""
    digest = hmac.new(
        secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode()


def build(subscription: Any, delivery: Any, *, now: dt.datetime) -> Outgoing:
    text = robot_text(subscription, delivery)
    body = json_bytes(
        {"msgtype": "markdown", "markdown": {"title": text.headline, "text": markdown(text)}}
    )
    url = subscription.url
    if subscription.secret:
        timestamp = str(int(now.timestamp() * 1000))
        query = urlencode({"timestamp": timestamp, "sign": sign(subscription.secret, timestamp)})
        url += ("&" if "?" in url else "?") + query
    return Outgoing(url, json_headers(), body)


def judge(answer: Answer) -> Problem | None:
    return robot_problem(answer, ("errcode",), ("errmsg",), SETTINGS_CODES)
