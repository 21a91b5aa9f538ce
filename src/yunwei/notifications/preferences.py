"""Who wants what by which channel: a user's stored choices over sensible defaults.

A choice is stored only where it differs from the default, so saving the grid as shown
changes nothing, and a better default later reaches everyone who never chose.

Defaults (no stored row):
- customers' users: e-mail and in-app about their tickets' public life (created, public
  replies, resolved, closed, reopened) and when a ticket waits for their answer (the
  pseudo-event `ticket.waiting`: an update leaving it waiting on the customer); other
  updates are off.
- provider staff, in the app: assigned, mentioned, SLA warning, breach and escalation;
  and, when the ticket is their own work (see `audience.own_work`), public replies,
  reopenings and hand-offs (`ticket.updated`). By e-mail: assigned, mentioned, SLA
  warning, breach and escalation.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from yunwei.core.events import EventName
from yunwei.notifications.models import WAITING, NotificationPreference, NotifyChannel

EMAIL, IN_APP = NotifyChannel.EMAIL.value, NotifyChannel.IN_APP.value

CUSTOMER_DEFAULTS = {
    EventName.TICKET_CREATED,
    EventName.TICKET_COMMENTED,
    EventName.TICKET_RESOLVED,
    EventName.TICKET_CLOSED,
    EventName.TICKET_REOPENED,
    WAITING,
}
STAFF_DEFAULTS = {
    EventName.TICKET_ASSIGNED,
    EventName.TICKET_MENTIONED,
    EventName.TICKET_SLA_WARNING,
    EventName.TICKET_SLA_BREACHED,
    EventName.TICKET_ESCALATED,
}
# In the app only, and only about tickets that are the user's own work.
STAFF_OWN_IN_APP = {
    EventName.TICKET_COMMENTED,
    EventName.TICKET_REOPENED,
    EventName.TICKET_UPDATED,
}
# The events a customer's user may choose from at all (the rest are the provider's).
CUSTOMER_EVENTS = [
    EventName.TICKET_CREATED,
    WAITING,
    EventName.TICKET_UPDATED,
    EventName.TICKET_COMMENTED,
    EventName.TICKET_RESOLVED,
    EventName.TICKET_CLOSED,
    EventName.TICKET_REOPENED,
]


def events_for(user: Any) -> list[str]:
    return [str(e) for e in (EventName if user.is_provider_staff else CUSTOMER_EVENTS)]


def default(user: Any, key: str, channel: str, *, own: bool = True) -> bool:
    """`key`: the event's name, or WAITING. `own`: the ticket is the user's own work
    (the grid shows those defaults)."""
    if not user.is_provider_staff:
        return key in CUSTOMER_DEFAULTS
    if key in STAFF_DEFAULTS:
        return True
    return channel == IN_APP and own and key in STAFF_OWN_IN_APP


def stored(users: Iterable[Any], keys: Iterable[str] | None = None) -> dict[tuple, bool]:
    """The stored choices of `users` as {(user id, key, channel): enabled}."""
    rows = NotificationPreference.objects.filter(user__in=[u.pk for u in users])
    if keys is not None:
        rows = rows.filter(event__in=list(keys))
    return {
        (user_id, key, channel): enabled
        for user_id, key, channel, enabled in rows.values_list(
            "user_id", "event", "channel", "enabled"
        )
    }


def grid(user: Any) -> list[dict[str, Any]]:
    """Every event the user may choose, with the effective choice per channel."""
    choices = stored([user])
    return [
        {
            "event": key,
            EMAIL: choices.get((user.pk, key, EMAIL), default(user, key, EMAIL)),
            IN_APP: choices.get((user.pk, key, IN_APP), default(user, key, IN_APP)),
        }
        for key in events_for(user)
    ]
