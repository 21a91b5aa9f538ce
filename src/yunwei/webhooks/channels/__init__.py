"""The formats a webhook can speak. Each module (generic, wecom, dingtalk, feishu) has
the same two functions:

- `build(subscription, delivery, *, now) -> Outgoing`: the request for one delivery,
  from the payload stored when its event happened;
- `judge(answer) -> Problem | None`: None when the receiver accepted it, else why not
  and whether trying again can help.
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


@dataclass(frozen=True)
class Problem:
    message: str
    # Trying again cannot help (the receiver rejects this request, the robot's settings
    # do not match ours): the delivery fails at once instead of for two days.
    permanent: bool = False


# Client errors that say "not now" rather than "never".
TEMPORARY_CLIENT_ERRORS = (408, 425, 429)


def json_bytes(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def json_headers(**extra: str) -> dict[str, str]:
    return {"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT, **extra}


def status_problem(answer: Answer) -> Problem | None:
    """Any 2xx is accepted. A redirect is never followed, so it is a failure; other 4xx
    than time-out, too-early and too-many-requests mean the receiver will never take
    this request; the rest (5xx) is worth trying again."""
    status = answer.status
    if 200 <= status < 300:
        return None
    if 300 <= status < 400:
        message = _("HTTP %(status)s redirect to %(location)s: redirects are not followed.")
        return Problem(
            message % {"status": status, "location": answer.headers.get("location", "?")}
        )
    if 400 <= status < 500 and status not in TEMPORARY_CLIENT_ERRORS:
        message = _("HTTP %(status)s: the receiver rejects the request; not tried again.")
        return Problem(message % {"status": status}, permanent=True)
    return Problem(_("HTTP %(status)s") % {"status": status})


def robot_problem(
    answer: Answer,
    code_keys: tuple[str, ...],
    message_keys: tuple[str, ...],
    settings_codes: frozenset[str],
) -> Problem | None:
    """Chat robots answer HTTP 200 with {"errcode": 0} (or {"code": 0}) when they accept
    a message, and a non-zero code with a message when they do not. `settings_codes`:
    the codes that mean the robot's settings do not match ours (token, signing secret,
    keywords, IP allow-list), which no retry can mend."""
    problem = status_problem(answer)
    if problem:
        return problem
    try:
        reply = json.loads(answer.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return Problem(_("The robot's answer is not JSON."))
    if not isinstance(reply, dict):
        return Problem(_("The robot's answer is not JSON."))
    code = next((reply[key] for key in code_keys if key in reply), None)
    if code in (0, "0"):
        return None
    values = {"code": code, "message": next((reply[k] for k in message_keys if k in reply), "")}
    if str(code) in settings_codes:
        message = _(
            "The robot refused the message: code %(code)s, %(message)s. Check the robot's "
            "address, signing secret, keywords and IP allow-list; not tried again."
        )
        return Problem(message % values, permanent=True)
    return Problem(_("The robot refused the message: code %(code)s, %(message)s") % values)


def for_format(format_code: str) -> ModuleType:
    from yunwei.webhooks.channels import dingtalk, feishu, generic, wecom

    return {"generic": generic, "wecom": wecom, "dingtalk": dingtalk, "feishu": feishu}[format_code]
