"""Feishu / Lark (飞书) custom bots: a rich-text ("post") message, signed when the bot
has a secret (timestamp and sign in the body); {"code": 0} when accepted."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
from typing import Any

from yunwei.webhooks.channels import Outgoing, json_bytes, json_headers, robot_problem
from yunwei.webhooks.channels.text import robot_text
from yunwei.webhooks.guard import Answer


def sign(secret: str, timestamp: str) -> str:
    """base64(HMAC-SHA256(key="<timestamp>\\n<secret>", msg=b"")), as Feishu asks."""
    key = f"{timestamp}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


def build(subscription: Any, delivery: Any, *, now: dt.datetime) -> Outgoing:
    text = robot_text(subscription, delivery)
    line: list[dict[str, str]] = []
    if text.url:
        line.append({"tag": "a", "text": text.link_label, "href": text.url})
    locale = "zh_cn" if subscription.language == "zh-hans" else "en_us"
    message: dict[str, Any] = {
        "msg_type": "post",
        "content": {"post": {locale: {"title": text.headline, "content": [line]}}},
    }
    if subscription.secret:
        timestamp = str(int(now.timestamp()))
        message = {"timestamp": timestamp, "sign": sign(subscription.secret, timestamp), **message}
    return Outgoing(subscription.url, json_headers(), json_bytes(message))


def judge(answer: Answer) -> str:
    return robot_problem(answer, ("code", "StatusCode"), ("msg", "StatusMessage"))
