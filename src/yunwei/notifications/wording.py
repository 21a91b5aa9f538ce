"""What each event is called in a subject line and how it reads under the bell, in the
language active when shown (the reader's)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from yunwei.core.events import EventName
from yunwei.notifications.models import WAITING

# The subject line's tail: "[INC-000123] Printer offline — Resolved".
SUBJECTS = {
    EventName.TICKET_CREATED: pgettext_lazy("notification subject", "New ticket"),
    EventName.TICKET_UPDATED: pgettext_lazy("notification subject", "Updated"),
    EventName.TICKET_ASSIGNED: pgettext_lazy("notification subject", "Assigned to you"),
    EventName.TICKET_COMMENTED: pgettext_lazy("notification subject", "New reply"),
    EventName.TICKET_MENTIONED: pgettext_lazy("notification subject", "You were mentioned"),
    EventName.TICKET_SLA_WARNING: pgettext_lazy("notification subject", "SLA warning"),
    EventName.TICKET_SLA_BREACHED: pgettext_lazy("notification subject", "SLA breached"),
    EventName.TICKET_ESCALATED: pgettext_lazy("notification subject", "SLA escalation"),
    EventName.TICKET_RESOLVED: pgettext_lazy("notification subject", "Resolved"),
    EventName.TICKET_CLOSED: pgettext_lazy("notification subject", "Closed"),
    EventName.TICKET_REOPENED: pgettext_lazy("notification subject", "Reopened"),
    WAITING: pgettext_lazy("notification subject", "Waiting for your answer"),
}

# Under the bell; %(actor)s is "System" when nobody in particular acted.
_IN_APP = {
    EventName.TICKET_CREATED: gettext_lazy("%(actor)s raised %(reference)s: %(title)s"),
    EventName.TICKET_UPDATED: gettext_lazy("%(actor)s updated %(reference)s: %(title)s"),
    EventName.TICKET_ASSIGNED: gettext_lazy("%(actor)s assigned %(reference)s to you: %(title)s"),
    EventName.TICKET_COMMENTED: gettext_lazy("%(actor)s replied on %(reference)s: %(title)s"),
    EventName.TICKET_MENTIONED: gettext_lazy("%(actor)s mentioned you on %(reference)s: %(title)s"),
    EventName.TICKET_SLA_WARNING: gettext_lazy("%(reference)s is close to its SLA: %(title)s"),
    EventName.TICKET_SLA_BREACHED: gettext_lazy("%(reference)s breached its SLA: %(title)s"),
    EventName.TICKET_ESCALATED: gettext_lazy("%(reference)s is escalated to you: %(title)s"),
    EventName.TICKET_RESOLVED: gettext_lazy("%(actor)s resolved %(reference)s: %(title)s"),
    EventName.TICKET_CLOSED: gettext_lazy("%(reference)s was closed: %(title)s"),
    EventName.TICKET_REOPENED: gettext_lazy("%(actor)s reopened %(reference)s: %(title)s"),
    WAITING: gettext_lazy("%(actor)s is waiting for your answer on %(reference)s: %(title)s"),
}


def subject_tail(event: str) -> str:
    return str(SUBJECTS.get(event, event))


def in_app_text(event: str, params: dict[str, Any]) -> str:
    """`params["key"]`: the preference the line was chosen by, when not the event."""
    template = _IN_APP.get(params.get("key") or event)
    values = {
        "actor": params.get("actor") or _("System"),
        "reference": params.get("reference", ""),
        "title": params.get("title", ""),
    }
    return str(template) % values if template else f"{event}: {values['reference']}"
