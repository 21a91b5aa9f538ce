"""The core.events listener: in the event's transaction, writes the bell's lines and the
e-mail outbox rows for everyone the audience rules pick and their preferences allow.
No I/O here: the mail is sent by the worker once the transaction commits."""

from __future__ import annotations

from typing import Any

from yunwei.core.enqueue import enqueue_on_commit
from yunwei.core.events import Event
from yunwei.notifications import compose, preferences
from yunwei.notifications.audience import audience, waits_on_customer
from yunwei.notifications.models import Notification
from yunwei.notifications.preferences import EMAIL, IN_APP
from yunwei.notifications.tasks import send_email
from yunwei.tickets.models import Ticket


def _wants(choices: dict, user: Any, event: Event, channel: str) -> bool:
    key = (user.pk, event.name, channel)
    if key in choices:
        return choices[key]
    return preferences.default(user, event.name, channel, waiting=waits_on_customer(event))


def _notification(event: Event, user: Any) -> Notification:
    ticket = event.obj
    return Notification(
        recipient=user,
        event=event.name,
        ticket=ticket,
        actor=event.actor,
        params={
            "actor": str(event.actor) if event.actor else "",
            "reference": ticket.reference,
            "title": ticket.title,
        },
        url=compose.ticket_path(ticket, user),
        created_at=event.at,
    )


def on_event(event: Event) -> None:
    if not isinstance(event.obj, Ticket):
        return
    users = audience(event)
    if not users:
        return
    choices = preferences.stored(users, event.name)
    Notification.objects.bulk_create(
        [_notification(event, u) for u in users if _wants(choices, u, event, IN_APP)]
    )
    for user in users:
        if user.email and _wants(choices, user, event, EMAIL):
            email = compose.email_for(event, user)
            email.save()
            enqueue_on_commit(send_email, pk=email.pk)
