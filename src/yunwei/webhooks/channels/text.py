"""What chat robots say, in the subscription's language: one headline such as
"【SLA 已违约】INC-000123 打印机无法打印 · 紧急 · 负责人 张伟", lines telling what changed
("状态: 处理中 → 等待客户") or which SLA is due when, and a link to the ticket."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from yunwei.core.events import EventName
from yunwei.sla.models import Priority, RecordKind
from yunwei.tickets.models import Ticket
from yunwei.webhooks.models import TEST_EVENT

# Characters that would let a ticket title add links or HTML to a robot's Markdown
# message, swapped for their full-width look-alikes.
_MARKUP = str.maketrans({"[": "［", "]": "］", "<": "＜", ">": "＞", "(": "（", ")": "）"})
_SPACE = re.compile(r"\s+")
SLA_EVENTS = (
    EventName.TICKET_SLA_WARNING,
    EventName.TICKET_SLA_BREACHED,
    EventName.TICKET_ESCALATED,
)


@dataclass(frozen=True)
class RobotText:
    headline: str
    details: tuple[str, ...]  # one line each
    link_label: str
    url: str


def plain(value: Any) -> str:
    """One line of user-written text, harmless in Markdown."""
    return _SPACE.sub(" ", str(value or "")).strip().translate(_MARKUP)


def _event_label(event: str) -> str:
    if event == TEST_EVENT:
        return _("Test message")
    return str(dict(EventName.choices).get(event, event))


def _change(name: str, old: Any, new: Any, ticket: dict[str, Any]) -> str:
    """ "State: In progress → Waiting on customer". Related records (team, assignee…)
    are stored as ids; the event's ticket view names the new one."""
    try:
        field = Ticket._meta.get_field(name)
    except FieldDoesNotExist:
        return ""
    label = capfirst(str(getattr(field, "verbose_name", name)))
    if field.is_relation:
        shown = plain((ticket.get(name) or {}).get("name")) or "—"
        return f"{label}: {shown}"
    choices = dict(getattr(field, "choices", None) or ())
    before, after = (plain(choices.get(value, value)) or "—" for value in (old, new))
    return f"{label}: {before} → {after}"


def _due(value: str) -> str:
    """A due time in the site's time zone, with its offset: the group may be anywhere."""
    local = dt.datetime.fromisoformat(value).astimezone(ZoneInfo(settings.DEFAULT_USER_TIMEZONE))
    return f"{local:%Y-%m-%d %H:%M} (UTC{local.isoformat()[-6:]})"


def _details(event: str, ticket: dict[str, Any], data: dict[str, Any]) -> tuple[str, ...]:
    if event == EventName.TICKET_UPDATED:
        changes = data.get("changes", {}).items()
        lines = (_change(name, old, new, ticket) for name, (old, new) in changes)
        return tuple(line for line in lines if line)
    if event in SLA_EVENTS and data.get("sla"):
        target = str(dict(RecordKind.choices).get(data["sla"], data["sla"]))
        if data.get("due_at"):
            due = _due(data["due_at"])
            return (_("SLA: %(target)s, due %(due)s") % {"target": target, "due": due},)
        return (_("SLA: %(target)s") % {"target": target},)
    return ()


def robot_text(subscription: Any, delivery: Any) -> RobotText:
    stored = delivery.payload or {}
    ticket = stored.get("data") or {}
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
        details = _details(delivery.event, ticket, stored.get("details") or {})
        return RobotText(headline, details, _("Open the ticket"), str(ticket.get("url") or ""))


def markdown(text: RobotText) -> str:
    lines = [f"**{text.headline}**", *text.details]
    if text.url:
        lines.append(f"[{text.link_label}]({text.url})")
    return "\n\n".join(lines)
