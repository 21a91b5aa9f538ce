"""Who hears about an event — the one place that decides it (preferences then choose the
channels). Customers' users hear only about their own organization's tickets and only
public things; nobody hears about what they did themselves; inactive users hear nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from yunwei.core.events import Event, EventName
from yunwei.notifications.models import WAITING

# The public life of a ticket: its requester and watchers are told.
PUBLIC_EVENTS = {
    EventName.TICKET_CREATED,
    EventName.TICKET_UPDATED,
    EventName.TICKET_COMMENTED,
    EventName.TICKET_RESOLVED,
    EventName.TICKET_CLOSED,
    EventName.TICKET_REOPENED,
}
# The assignee follows the conversation: a customer's reply or a reopening is their work.
ASSIGNEE_FOLLOWS = {EventName.TICKET_COMMENTED, EventName.TICKET_REOPENED}
# An update concerns the customer only when one of these changed (not team or assignee).
CUSTOMER_CHANGES = {"title", "state", "priority", "service", "requester"}
SLA_EVENTS = {EventName.TICKET_SLA_WARNING, EventName.TICKET_SLA_BREACHED}


@dataclass(frozen=True)
class Hearer:
    user: Any
    key: str  # the preference that decides: the event's name, or WAITING
    own: bool  # staff: the ticket is their work (their defaults are wider then)


def _team_people(ticket: Any) -> list[int]:
    if ticket.team_id is None:
        return []
    lead = [ticket.team.lead_id] if ticket.team.lead_id else []
    return lead + list(ticket.team.members.order_by("pk").values_list("pk", flat=True))


def _lead(ticket: Any) -> list[int]:
    return [ticket.team.lead_id] if ticket.team_id and ticket.team.lead_id else []


def handoff(event: Event) -> list[int]:
    """Provider staff whose work an update moves: the team a ticket was handed to while
    nobody holds it, the assignee it was taken from, and the assignee and lead of a
    ticket whose priority the SLA clock raised."""
    ticket, changes = event.obj, event.data.get("changes", {})
    if event.name != EventName.TICKET_UPDATED:
        return []
    people: list[int] = []
    if "team" in changes and ticket.assignee_id is None:
        people += _team_people(ticket)
    previous = changes.get("assignee", [None, None])[0]
    if previous is not None and previous != ticket.assignee_id:
        people.append(previous)
    if "priority" in changes and event.actor is None:
        people += [ticket.assignee_id] if ticket.assignee_id else []
        people += _lead(ticket)
    return people


def _candidates(event: Event, handed: list[int]) -> list[int]:
    ticket, name = event.obj, event.name
    people: list[int] = []
    if name in PUBLIC_EVENTS:
        people += [ticket.requester_id]
        people += ticket.watchers.order_by("pk").values_list("pk", flat=True)
    if name == EventName.TICKET_CREATED:
        people += [ticket.assignee_id] if ticket.assignee_id else _team_people(ticket)
    if name in (EventName.TICKET_ASSIGNED, EventName.TICKET_MENTIONED, EventName.TICKET_ESCALATED):
        people += [user.pk for user in event.recipients]
    if name in ASSIGNEE_FOLLOWS and ticket.assignee_id:
        people.append(ticket.assignee_id)
    if name in SLA_EVENTS:
        people += [ticket.assignee_id] if ticket.assignee_id else []
        people += _lead(ticket)
    return people + handed


def _load(ids: list[int]) -> dict[int, Any]:
    """The users, with what `is_provider_staff` reads, in two queries for all of them."""
    from yunwei.accounts.models import Role, User

    users = User.objects.filter(pk__in=ids, is_active=True).select_related("organization")
    found = {user.pk: user for user in users}
    roles: dict[int, set[str]] = {pk: set() for pk in found}
    for user_id, code in Role.objects.filter(group__user__in=list(found)).values_list(
        "group__user", "code"
    ):
        roles[user_id].add(code)
    for pk, user in found.items():
        user.__dict__["role_codes"] = frozenset(roles[pk])  # primes the cached_property
    return found


def customer_may_hear(event: Event, user: Any) -> bool:
    ticket = event.obj
    if user.organization_id != ticket.organization_id:
        return False
    if event.name == EventName.TICKET_UPDATED:
        return bool(CUSTOMER_CHANGES & set(event.data.get("changes", {})))
    if event.name == EventName.TICKET_MENTIONED:
        return bool(event.data.get("public"))
    return event.name in PUBLIC_EVENTS


def waits_on_customer(event: Event) -> bool:
    state = event.data.get("changes", {}).get("state")
    return (
        event.name == EventName.TICKET_UPDATED and bool(state) and state[1] == "waiting_on_customer"
    )


def audience(event: Event) -> list[Hearer]:
    """The users to tell, each once, in a stable order."""
    handed = handoff(event)
    ids = [pk for pk in dict.fromkeys(_candidates(event, handed)) if pk is not None]
    actor_id = getattr(event.actor, "pk", None)
    ids = [pk for pk in ids if pk != actor_id]
    users = _load(ids) if ids else {}
    assignee_id = event.obj.assignee_id
    hearers = []
    for pk in ids:
        user = users.get(pk)
        if user is None:
            continue
        if user.is_provider_staff:
            own = pk in handed or (pk == assignee_id and event.name != EventName.TICKET_UPDATED)
            hearers.append(Hearer(user, event.name, own))
        elif customer_may_hear(event, user):
            key = WAITING if waits_on_customer(event) else event.name
            hearers.append(Hearer(user, key, False))
    return hearers
