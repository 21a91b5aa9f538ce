"""The service desk's domain events (see core/events.py): what tickets tell listeners."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.urls import reverse
from django.utils import timezone

from yunwei.core import events
from yunwei.core.events import EventName
from yunwei.core.links import absolute_url
from yunwei.tickets.models import Ticket

# Changes worth telling about; the rest (internal analysis, custom fields…) are either
# the provider's own business or too small to notify.
PUBLIC_CHANGES = ("title", "state", "priority", "service", "team", "assignee", "requester")


def _ref(obj: Any, label: str = "name") -> dict[str, Any] | None:
    if obj is None:
        return None
    return {"id": obj.pk, label: str(getattr(obj, label, obj))}


def payload(ticket: Ticket) -> dict[str, Any]:
    """The public view of a ticket, for webhooks and chat robots (never internal text)."""
    return {
        "id": ticket.pk,
        "reference": ticket.reference,
        "type": ticket.type,
        "title": ticket.title,
        "state": ticket.state,
        "priority": ticket.priority,
        "channel": ticket.channel,
        "organization": _ref(ticket.organization),
        "service": _ref(ticket.service),
        "team": _ref(ticket.team),
        "assignee": _ref(ticket.assignee),
        "requester": _ref(ticket.requester),
        "due_at": ticket.due_at.isoformat() if ticket.due_at else None,
        "sla_breached": ticket.sla_breached,
        "created_at": ticket.created_at.isoformat() if ticket.created_at else None,
        "resolved_at": ticket.resolved_at.isoformat() if ticket.resolved_at else None,
        "url": absolute_url(reverse("tickets:ticket", args=[ticket.pk])),
    }


def _plain(value: Any) -> Any:
    if hasattr(value, "pk"):
        return value.pk
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return value


def emit(
    name: str,
    ticket: Ticket,
    *,
    actor: Any | None,
    recipients: Iterable[Any] = (),
    at: dt.datetime | None = None,
    **data: Any,
) -> None:
    """Tells listeners; call inside the action's transaction, after its audit entry."""
    if not events.active():
        return  # the demo, imports: spare building the payload
    events.emit(
        events.Event(
            name=name,
            obj=ticket,
            actor=actor,
            at=at or timezone.now(),
            payload=payload(ticket),
            recipients=tuple(recipients),
            data=data,
        )
    )


def changes_emitted(ticket: Ticket, *, actor: Any | None, changed: dict[str, Any]) -> None:
    """After an update: "assigned" when the assignee changed to someone, and "updated"
    for any other public change."""
    public = {
        name: [_plain(old), _plain(new)]
        for name, (old, new) in changed.items()
        if name in PUBLIC_CHANGES
    }
    if "assignee" in changed and ticket.assignee is not None:
        emit(
            EventName.TICKET_ASSIGNED,
            ticket,
            actor=actor,
            recipients=[ticket.assignee] if ticket.assignee != actor else [],
        )
        # The team and the new → assigned move go with the assignment: one event. Other
        # moves (taking a ticket by putting it in progress or waiting) are still told,
        # and so is a hand-over, for whoever held the ticket before.
        previous = public.pop("assignee", [None])[0]
        public.pop("team", None)
        if previous is not None:
            public["assignee"] = [previous, ticket.assignee.pk]
        if public.get("state", [None, None])[1] == "assigned":
            public.pop("state")
    if public:
        emit(EventName.TICKET_UPDATED, ticket, actor=actor, changes=public)
