"""Who hears about an event — the one place that decides it (preferences then choose the
channels). Customers' users hear only about their own organization's tickets and only
public things; nobody hears about what they did themselves; inactive users hear nothing.
"""

from __future__ import annotations

from typing import Any

from yunwei.core.events import Event, EventName

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


def _team_people(ticket: Any) -> list[Any]:
    if ticket.team is None:
        return []
    lead = [ticket.team.lead] if ticket.team.lead else []
    return lead + list(ticket.team.members.order_by("pk"))


def _candidates(event: Event) -> list[Any]:
    ticket, name = event.obj, event.name
    people: list[Any] = []
    if name in PUBLIC_EVENTS:
        people += [ticket.requester, *ticket.watchers.order_by("pk")]
    if name == EventName.TICKET_CREATED:
        people += [ticket.assignee] if ticket.assignee else _team_people(ticket)
    if name in (EventName.TICKET_ASSIGNED, EventName.TICKET_MENTIONED, EventName.TICKET_ESCALATED):
        people += list(event.recipients)
    if name in ASSIGNEE_FOLLOWS and ticket.assignee:
        people.append(ticket.assignee)
    if name in SLA_EVENTS:
        people += [ticket.assignee] if ticket.assignee else []
        people += [ticket.team.lead] if ticket.team and ticket.team.lead else []
    return people


def customer_may_hear(event: Event, user: Any) -> bool:
    ticket = event.obj
    if user.organization_id != ticket.organization_id:
        return False
    if event.name == EventName.TICKET_UPDATED:
        return bool(CUSTOMER_CHANGES & set(event.data.get("changes", {})))
    if event.name == EventName.TICKET_MENTIONED:
        return bool(event.data.get("public"))
    return event.name in PUBLIC_EVENTS


def audience(event: Event) -> list[Any]:
    """The users to tell, each once, in a stable order."""
    actor_id = getattr(event.actor, "pk", None)
    seen: set[int] = set()
    chosen = []
    for user in _candidates(event):
        if user is None or user.pk in seen or user.pk == actor_id or not user.is_active:
            continue
        seen.add(user.pk)
        if user.is_provider_staff or customer_may_hear(event, user):
            chosen.append(user)
    return chosen


def waits_on_customer(event: Event) -> bool:
    state = event.data.get("changes", {}).get("state")
    return (
        event.name == EventName.TICKET_UPDATED
        and bool(state)
        and state[1] == ("waiting_on_customer")
    )
