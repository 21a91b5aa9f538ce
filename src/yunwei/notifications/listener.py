"""The core.events listener: in the event's transaction, writes the bell's lines and the
e-mail outbox rows for everyone the audience rules pick and their preferences allow,
once per person, channel and action (`collapse.py`).
No I/O here: the mail is sent by the worker once the transaction commits."""

from __future__ import annotations

from typing import Any

from yunwei.core.enqueue import enqueue_on_commit
from yunwei.core.events import Event, EventName
from yunwei.notifications import collapse, compose, preferences
from yunwei.notifications.audience import Hearer, audience
from yunwei.notifications.collapse import Action, Told
from yunwei.notifications.models import Notification, OutboundEmail
from yunwei.notifications.preferences import EMAIL, IN_APP
from yunwei.notifications.tasks import send_email
from yunwei.tickets.models import Comment, Ticket


def _notification(event: Event, user: Any, key: str) -> Notification:
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
            **({"key": key} if key != event.name else {}),
        },
        url=compose.ticket_path(ticket, user),
        created_at=event.at,
    )


class _Writer:
    """The rows of one event: new ones in bulk, rewritten ones in place."""

    def __init__(self, event: Event, action: Action) -> None:
        self.event, self.action = event, action
        self.lines: list[Notification] = []
        self.mails: list[OutboundEmail] = []
        self.told: list[tuple[list[Told], Told]] = []
        self._replies: dict[int | None, Any] = {}

    def reply(self, event: Event) -> Any:
        """The public reply quoted: the event's own, or the one its action made."""
        if event.name in (EventName.TICKET_COMMENTED, EventName.TICKET_MENTIONED):
            reply_id = event.data.get("comment_id") if event.data.get("public", True) else None
        else:
            reply_id = self.action.reply_id(event.obj.pk)
        if reply_id not in self._replies:
            self._replies[reply_id] = reply_id and (
                Comment.objects.filter(pk=reply_id, public=True).select_related("author").first()
            )
        return self._replies[reply_id]

    def row(self, event: Event, user: Any, key: str, channel: str) -> Any:
        if channel == IN_APP:
            return _notification(event, user, key)
        return compose.email_for(event, user, key=key, comment=self.reply(event))

    def rewrite(self, told: Told, event: Event, user: Any, key: str, channel: str) -> None:
        """`told`'s row now tells `event` (and quotes the action's reply)."""
        row = self.row(event, user, key, channel)
        row.pk = told.row.pk
        if channel == EMAIL:
            row.key, row.created_at = told.row.key, told.row.created_at
        row.save(force_update=True)
        told.key, told.event, told.row = key, event, row

    def add(self, hearer: Hearer, channel: str) -> None:
        user, key, event = hearer.user, hearer.key, self.event
        earlier = self.action.earlier(event.obj.pk, user.pk, channel)
        for told in earlier:
            if collapse.outranks(key, told.key):
                self.rewrite(told, event, user, key, channel)
                return
            if collapse.outranks(told.key, key):
                if channel == EMAIL:  # now quoting the reply, if this event brings it
                    self.rewrite(told, told.event, user, told.key, channel)
                return
        row = self.row(event, user, key, channel)
        (self.lines if channel == IN_APP else self.mails).append(row)
        self.told.append((earlier, Told(key, event, row)))

    def save(self) -> None:
        Notification.objects.bulk_create(self.lines)
        OutboundEmail.objects.bulk_create(self.mails)
        for earlier, told in self.told:
            earlier.append(told)
        for mail in self.mails:
            enqueue_on_commit(send_email, pk=mail.pk)


def _wants(choices: dict, hearer: Hearer, channel: str) -> bool:
    key = (hearer.user.pk, hearer.key, channel)
    if key in choices:
        return choices[key]
    return preferences.default(hearer.user, hearer.key, channel, own=hearer.own)


def on_event(event: Event) -> None:
    if not isinstance(event.obj, Ticket):
        return
    action = collapse.action_of(event)
    hearers = audience(event)
    if not hearers:
        return
    choices = preferences.stored([h.user for h in hearers], {h.key for h in hearers})
    writer = _Writer(event, action)
    for hearer in hearers:
        if _wants(choices, hearer, IN_APP):
            writer.add(hearer, IN_APP)
        if hearer.user.email and _wants(choices, hearer, EMAIL):
            writer.add(hearer, EMAIL)
    writer.save()
