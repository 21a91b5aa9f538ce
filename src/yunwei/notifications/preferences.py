"""Who wants what by which channel: a user's stored choices over sensible defaults.

Defaults (no stored row): customers' users get e-mail and in-app lines about their
tickets' public life (created, replies, resolved, closed, reopened) and about updates
only when the ticket now waits on them; staff get in-app lines for everything addressed
to them and e-mail for assignments, mentions, SLA warnings, breaches and escalations.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from yunwei.core.events import EventName
from yunwei.notifications.models import NotificationPreference, NotifyChannel

EMAIL, IN_APP = NotifyChannel.EMAIL.value, NotifyChannel.IN_APP.value

CUSTOMER_DEFAULTS = {
    EventName.TICKET_CREATED,
    EventName.TICKET_COMMENTED,
    EventName.TICKET_RESOLVED,
    EventName.TICKET_CLOSED,
    EventName.TICKET_REOPENED,
}
STAFF_EMAIL_DEFAULTS = {
    EventName.TICKET_ASSIGNED,
    EventName.TICKET_MENTIONED,
    EventName.TICKET_SLA_WARNING,
    EventName.TICKET_SLA_BREACHED,
    EventName.TICKET_ESCALATED,
}
# The events a customer's user may choose from at all (the rest are the provider's).
CUSTOMER_EVENTS = [
    EventName.TICKET_CREATED,
    EventName.TICKET_UPDATED,
    EventName.TICKET_COMMENTED,
    EventName.TICKET_RESOLVED,
    EventName.TICKET_CLOSED,
    EventName.TICKET_REOPENED,
]


def events_for(user: Any) -> list[str]:
    return [str(e) for e in (EventName if user.is_provider_staff else CUSTOMER_EVENTS)]


def default(user: Any, event: str, channel: str, *, waiting: bool = False) -> bool:
    """`waiting`: an update that leaves the ticket waiting on the customer."""
    if not user.is_provider_staff:
        if event == EventName.TICKET_UPDATED:
            return waiting
        return event in CUSTOMER_DEFAULTS
    return channel == IN_APP or event in STAFF_EMAIL_DEFAULTS


def stored(users: Iterable[Any], event: str | None = None) -> dict[tuple[int, str, str], bool]:
    """The stored choices of `users` as {(user id, event, channel): enabled}."""
    rows = NotificationPreference.objects.filter(user__in=[u.pk for u in users])
    if event is not None:
        rows = rows.filter(event=event)
    return {
        (user_id, ev, channel): enabled
        for user_id, ev, channel, enabled in rows.values_list(
            "user_id", "event", "channel", "enabled"
        )
    }


def grid(user: Any) -> list[dict[str, Any]]:
    """Every event the user may choose, with the effective choice per channel."""
    choices = stored([user])
    return [
        {
            "event": event,
            EMAIL: choices.get((user.pk, event, EMAIL), default(user, event, EMAIL)),
            IN_APP: choices.get((user.pk, event, IN_APP), default(user, event, IN_APP)),
        }
        for event in events_for(user)
    ]
