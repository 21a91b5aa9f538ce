"""Domain events: what happened to a record, told to whoever listens.

Actions call `emit()` inside their transaction, after the change and its audit entry are
written. Listeners (e-mail, in-app notifications, webhooks) write their outbox rows in
that same transaction, so an event is delivered if and only if its change committed; the
sending itself happens later, in the worker. A listener must not do I/O in `emit()`.

Event names are "<kind>.<what>", e.g. "ticket.created". `payload` is the public view of
the record (what a customer may read): it goes to webhooks and chat robots as is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class EventName(models.TextChoices):
    TICKET_CREATED = "ticket.created", _("Ticket created")
    TICKET_UPDATED = "ticket.updated", _("Ticket updated")
    TICKET_ASSIGNED = "ticket.assigned", _("Ticket assigned")
    TICKET_COMMENTED = "ticket.commented", _("Public reply on a ticket")
    TICKET_MENTIONED = "ticket.mentioned", _("Mentioned in a ticket")
    TICKET_SLA_WARNING = "ticket.sla_warning", _("SLA warning")
    TICKET_SLA_BREACHED = "ticket.sla_breached", _("SLA breached")
    TICKET_ESCALATED = "ticket.escalated", _("SLA escalation")
    TICKET_RESOLVED = "ticket.resolved", _("Ticket resolved")
    TICKET_CLOSED = "ticket.closed", _("Ticket closed")
    TICKET_REOPENED = "ticket.reopened", _("Ticket reopened")


@dataclass(frozen=True)
class Event:
    name: str  # an EventName value
    obj: Any  # the record the event is about (a Ticket…)
    actor: Any | None  # the user who caused it; None for the system (SLA clock, jobs)
    at: dt.datetime
    # The public view of `obj` (JSON-ready): safe for customers and outside systems.
    payload: dict[str, Any]
    # Who the event is specifically for, beyond the usual audience: the assignee of
    # "assigned", the users named in "mentioned".
    recipients: tuple[Any, ...] = ()
    # Details for the event's kind, JSON-ready: {"comment_id": …, "public": True},
    # {"changes": {field: [old, new]}}, {"sla": "resolution"}…
    data: dict[str, Any] = field(default_factory=dict)


Listener = Callable[[Event], None]
_listeners: list[Listener] = []
_muted: ContextVar[bool] = ContextVar("events_muted", default=False)


def active() -> bool:
    """Whether anyone will hear an event now: emitters skip building it otherwise."""
    return bool(_listeners) and not _muted.get()


def listen(listener: Listener) -> None:
    """Called from AppConfig.ready(); listeners run in registration order."""
    if listener not in _listeners:
        _listeners.append(listener)


def emit(event: Event) -> None:
    if _muted.get():
        return
    for listener in _listeners:
        listener(event)


@contextmanager
def muted() -> Iterator[None]:
    """No events inside: for the demo data and imports of history, which would otherwise
    mail every requester and call every webhook about things long past."""
    token = _muted.set(True)
    try:
        yield
    finally:
        _muted.reset(token)
