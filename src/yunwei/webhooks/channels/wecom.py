"""WeCom (企业微信) group robots: a Markdown message; {"errcode": 0} when accepted."""

from __future__ import annotations

import datetime as dt
from typing import Any

from yunwei.webhooks.channels import (
    Outgoing,
    Problem,
    json_bytes,
    json_headers,
    robot_problem,
)
from yunwei.webhooks.channels.text import markdown, robot_text
from yunwei.webhooks.guard import Answer

# 93000: the key in the URL is not (or no longer) a robot's. (45009, sending too fast,
# is worth trying again.)
SETTINGS_CODES = frozenset({"93000"})


def build(subscription: Any, delivery: Any, *, now: dt.datetime) -> Outgoing:
    content = markdown(robot_text(subscription, delivery))
    body = json_bytes({"msgtype": "markdown", "markdown": {"content": content}})
    return Outgoing(subscription.url, json_headers(), body)


def judge(answer: Answer) -> Problem | None:
    return robot_problem(answer, ("errcode",), ("errmsg",), SETTINGS_CODES)
