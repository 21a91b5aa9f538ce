"""The ticket lifecycle as data: which transition is allowed from which state, and to
whom. Pure — no Django models, no I/O — so it can be read and tested on its own.

new → assigned → in progress → waiting on customer → resolved → closed; a resolved or
closed ticket may be reopened within the configured number of days.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

NEW = "new"
ASSIGNED = "assigned"
IN_PROGRESS = "in_progress"
WAITING_ON_CUSTOMER = "waiting_on_customer"
RESOLVED = "resolved"
CLOSED = "closed"
REOPENED = "reopened"  # a transition, not a state: it lands in assigned or new

OPEN = (NEW, ASSIGNED, IN_PROGRESS, WAITING_ON_CUSTOMER)
TARGETS = (ASSIGNED, IN_PROGRESS, WAITING_ON_CUSTOMER, RESOLVED, CLOSED, REOPENED)


@dataclass(frozen=True)
class Transition:
    to: str
    sources: tuple[str, ...]
    agent: bool = True  # provider staff may take it
    requester: bool = False  # the customer's users may take it


TRANSITIONS: dict[str, Transition] = {
    t.to: t
    for t in (
        Transition(ASSIGNED, (NEW, ASSIGNED, IN_PROGRESS, WAITING_ON_CUSTOMER)),
        Transition(IN_PROGRESS, (NEW, ASSIGNED, WAITING_ON_CUSTOMER)),
        Transition(WAITING_ON_CUSTOMER, (NEW, ASSIGNED, IN_PROGRESS)),
        Transition(RESOLVED, OPEN),
        # Closing confirms a resolution (the requester's verification, §5.2); agents may
        # close what was resolved, e.g. after the confirmation period.
        Transition(CLOSED, (RESOLVED,), requester=True),
        Transition(REOPENED, (RESOLVED, CLOSED), requester=True),
    )
}


class TransitionError(Exception):
    """Not allowed now: the message says why (→ 409 in the API)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def check(
    state: str,
    to: str,
    *,
    is_agent: bool,
    resolved_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
    reopen_days: int = 7,
) -> str:
    """The state a transition lands in, or TransitionError.

    Messages are plain English here and translated by the caller from the code.
    """
    transition = TRANSITIONS.get(to)
    if transition is None:
        raise TransitionError(f"Unknown transition: {to}.", "unknown")
    if not (transition.agent if is_agent else transition.requester):
        raise TransitionError(f"You may not move a ticket to {to}.", "forbidden")
    if state not in transition.sources:
        raise TransitionError(f"A ticket in state {state} cannot go to {to}.", "invalid")
    if to == REOPENED:
        late = resolved_at is not None and now is not None
        if late and now - resolved_at > dt.timedelta(days=reopen_days):  # type: ignore[operator]
            raise TransitionError(
                f"Resolved more than {reopen_days} days ago: raise a new ticket.", "too_late"
            )
        return NEW
    return to


def allowed(state: str, *, is_agent: bool) -> list[str]:
    """The transitions offered in the UI for a ticket in `state`."""
    return [
        t.to
        for t in TRANSITIONS.values()
        if state in t.sources and (t.agent if is_agent else t.requester) and t.to != state
    ]
