"""What chat robots say, in the subscription's language: one headline such as
"【SLA 已违约】INC-000123 打印机无法打印 · 紧急 · 负责人 张伟", and a link to the ticket."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from yunwei.core.events import EventName
from yunwei.sla.models import Priority
from yunwei.webhooks.models import TEST_EVENT

# Characters that would let a ticket title add links or HTML to a robot's Markdown
# message, swapped for their full-width look-alikes.
_MARKUP = str.maketrans({"[": "［", "]": "］", "<": "＜", ">": "＞", "(": "（", ")": "）"})
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class RobotText:
    headline: str
    link_label: str
    url: str


def plain(value: Any) -> str:
    """One line of user-written text, harmless in Markdown."""
    return _SPACE.sub(" ", str(value or "")).strip().translate(_MARKUP)


def _event_label(event: str) -> str:
    if event == TEST_EVENT:
        return _("Test message")
    return str(dict(EventName.choices).get(event, event))


def robot_text(subscription: Any, delivery: Any) -> RobotText:
    ticket = (delivery.payload or {}).get("data") or {}
    with translation.override(subscription.language):
        parts = [f"{ticket.get('reference', '')} {plain(ticket.get('title'))}".strip()]
        priority = ticket.get("priority")
        if priority:
            parts.append(str(dict(Priority.choices).get(priority, priority)))
        assignee = (ticket.get("assignee") or {}).get("name")
        parts.append(
            _("Assignee %(name)s") % {"name": plain(assignee)} if assignee else _("Unassigned")
        )
        headline = f"【{_event_label(delivery.event)}】" + " · ".join(p for p in parts if p)
        return RobotText(headline, _("Open the ticket"), str(ticket.get("url") or ""))


def markdown(text: RobotText) -> str:
    link = f"[{text.link_label}]({text.url})" if text.url else ""
    return f"**{text.headline}**\n\n{link}".strip()
