"""The formats a webhook can speak. Each module (generic, wecom, dingtalk, feishu) has
the same two functions:

- `build(subscription, delivery, *, now) -> Outgoing`: the request for one delivery,
  from the payload stored when its event happened;
- `judge(answer) -> str`: "" when the receiver accepted it, else why not.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from django.utils.translation import gettext as _

from yunwei.webhooks.guard import Answer

USER_AGENT = "Yunwei-Webhooks/1"


@dataclass(frozen=True)
class Outgoing:
    url: str
    headers: dict[str, str]
    body: bytes


def json_bytes(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def json_headers(**extra: str) -> dict[str, str]:
    return {"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT, **extra}


def status_problem(answer: Answer) -> str:
    """Any 2xx is accepted; a redirect is never followed, so it is a failure."""
    if 300 <= answer.status < 400:
        return _("HTTP %(status)s redirect to %(location)s: redirects are not followed.") % {
            "status": answer.status,
            "location": answer.headers.get("location", "?"),
        }
    if not 200 <= answer.status < 300:
        return _("HTTP %(status)s") % {"status": answer.status}
    return ""


def robot_problem(answer: Answer, code_keys: tuple[str, ...], message_keys: tuple[str, ...]) -> str:
    """Chat robots answer HTTP 200 with {"errcode": 0} (or {"code": 0}) when they accept
    a message, and a non-zero code with a message when they do not."""
    problem = status_problem(answer)
    if problem:
        return problem
    try:
        reply = json.loads(answer.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return _("The robot's answer is not JSON.")
    if not isinstance(reply, dict):
        return _("The robot's answer is not JSON.")
    code = next((reply[key] for key in code_keys if key in reply), None)
    if code in (0, "0"):
        return ""
    message = next((reply[key] for key in message_keys if key in reply), "")
    return _("The robot refused the message: code %(code)s, %(message)s") % {
        "code": code,
        "message": message,
    }


def for_format(format_code: str) -> ModuleType:
    from yunwei.webhooks.channels import dingtalk, feishu, generic, wecom

    return {"generic": generic, "wecom": wecom, "dingtalk": dingtalk, "feishu": feishu}[format_code]
