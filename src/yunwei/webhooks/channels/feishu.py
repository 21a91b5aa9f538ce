"""Feishu / Lark (飞书) custom bots: a rich-text ("post") message, signed when the bot
has a secret (timestamp and sign in the body); {"code": 0} when accepted."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
from typing import Any

from yunwei.webhooks.channels import (
    Outgoing,
    Problem,
    json_bytes,
    json_headers,
    robot_problem,
)
from yunwei.webhooks.channels.text import robot_text
from yunwei.webhooks.guard import Answer

# 19001: no such hook; 19021: signature or timestamp wrong; 19022: our IP not allowed;
# 19024: keyword missing. (11232, sending too fast, is worth trying again.)
SETTINGS_CODES = frozenset({"19001", "19021", "19022", "19024"})


def sign(secret: str, timestamp: str) -> str:
    """base64(HMAC-SHA256(key="<timestamp>\\n<secret>", msg=b"")), as Feishu asks."""
    key = f"{timestamp}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


def build(subscription: Any, delivery: Any, *, now: dt.datetime) -> Outgoing:
    text = robot_text(subscription, delivery)
    lines = [[{"tag": "text", "text": detail}] for detail in text.details]
    if text.url:
        lines.append([{"tag": "a", "text": text.link_label, "href": text.url}])
    locale = "zh_cn" if subscription.language == "zh-hans" else "en_us"
    message: dict[str, Any] = {
        "msg_type": "post",
        "content": {"post": {locale: {"title": text.headline, "content": lines}}},
    }
    if subscription.secret:
        timestamp = str(int(now.timestamp()))
        message = {"timestamp": timestamp, "sign": sign(subscription.secret, timestamp), **message}
    return Outgoing(subscription.url, json_headers(), json_bytes(message))


def judge(answer: Answer) -> Problem | None:
    return robot_problem(answer, ("code", "StatusCode"), ("msg", "StatusMessage"), SETTINGS_CODES)
