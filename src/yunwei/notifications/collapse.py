"""One message per person, channel and ticket for what one action did.

An action often raises several events about a ticket at once: a "waiting on you" move
with a note is a public reply and an update; a public @mention is a reply and a mention;
a ticket created with an assignee is created and assigned; a requester's reply to a
resolved ticket reopens it. Each recipient is told once per channel, by the more
specific event (OUTRANKS), and a public reply raised by the same action is quoted in it.

The listener writes rows in the action's transaction (after the commit is too late), so
it remembers what it wrote for the current action and rewrites a row in place when a
more specific event follows. An action is told apart by the transaction and the stack of
savepoints open when each event is raised: the events of one action are raised at the
action's level or in the actions it calls (a savepoint stack extending it); a stack
that branches off means another action began (e.g. the next action of a test, all of
whose actions share the test's transaction).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from yunwei.core.events import Event, EventName
from yunwei.notifications.models import WAITING

# Told instead of the other when one action raises both (keys: event names or WAITING).
OUTRANKS = {
    EventName.TICKET_MENTIONED: {EventName.TICKET_COMMENTED},
    WAITING: {EventName.TICKET_COMMENTED},
    EventName.TICKET_REOPENED: {EventName.TICKET_COMMENTED},
    EventName.TICKET_CLOSED: {EventName.TICKET_COMMENTED},
    EventName.TICKET_ASSIGNED: {EventName.TICKET_CREATED},
}


def outranks(key: str, other: str) -> bool:
    return other in OUTRANKS.get(key, ())


@dataclass
class Told:
    """A row written for one recipient and channel: the event (and preference key) it
    tells, so that it can be written again for a more specific one."""

    key: str
    event: Event
    row: Any


@dataclass
class Action:
    scope: tuple[Any, ...]
    comments: dict[int, int] = field(default_factory=dict)  # ticket id → public reply id
    told: dict[tuple[int, int, str], list[Told]] = field(default_factory=dict)

    def reply_id(self, ticket_id: int) -> int | None:
        return self.comments.get(ticket_id)

    def earlier(self, ticket_id: int, user_id: int, channel: str) -> list[Told]:
        return self.told.setdefault((ticket_id, user_id, channel), [])


def _related(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    shorter = min(len(a), len(b))
    return a[:shorter] == b[:shorter]


class _Memory:
    def __init__(self, hooks: list[Any]) -> None:
        self.hooks = hooks
        self.action: Action | None = None


def action_of(event: Event) -> Action:
    """The current action, with `event` noted in it."""
    connection = transaction.get_connection()
    scope = tuple(connection.savepoint_ids)
    if not connection.in_atomic_block:
        action = Action(scope)  # autocommit: every event stands alone
    else:
        # Django replaces `run_on_commit` with a new list when a transaction (or a
        # savepoint) commits or rolls back: the list tells our transaction apart.
        memory = getattr(connection, "yunwei_notify_memory", None)
        if memory is None or memory.hooks is not connection.run_on_commit:
            memory = _Memory(connection.run_on_commit)
            connection.yunwei_notify_memory = memory
        if memory.action is None or not _related(memory.action.scope, scope):
            memory.action = Action(scope)
        action = memory.action
        if len(scope) < len(action.scope):
            action.scope = scope
    if event.name == EventName.TICKET_COMMENTED and event.data.get("comment_id"):
        action.comments[event.obj.pk] = event.data["comment_id"]
    return action
