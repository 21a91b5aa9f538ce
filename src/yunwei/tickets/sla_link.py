"""Tickets and the SLA clock: which agreement applies, when clocks start, pause,
resume and stop as a ticket moves, and the due time kept on the ticket for its queues.

Called by the ticket actions (inside their transaction) and, through the escalation
handler registered in apps.py, by the SLA app when it recomputes or escalates.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Min, Q

from yunwei.sla import actions as sla_actions
from yunwei.sla.models import Agreement, RecordKind, SegmentReason, SlaRecord
from yunwei.tickets import workflow
from yunwei.tickets.models import Ticket, TicketType

PRIORITY_ORDER = ["unimportant", "general", "important", "urgent"]
LOCK_BATCH = 5000  # ids per locking query, well under any parameter limit


def agreement_for(ticket: Ticket) -> Agreement | None:
    return Agreement.objects.applicable(ticket.service_id, ticket.organization_id)


def tracked(ticket: Ticket) -> bool:
    """Incidents and requests run against the agreement's targets; problems are
    investigations with no response or resolution target (ITIL), so no clocks."""
    return ticket.type != TicketType.PROBLEM


def start(ticket: Ticket, *, actor: Any) -> None:
    if not tracked(ticket):
        return
    agreement = agreement_for(ticket)
    if agreement is None:
        return  # no agreement covers this service and customer: no clocks
    sla_actions.start_records(
        ticket,
        actor=actor,
        agreement=agreement,
        priority=ticket.priority,
        organization_id=ticket.organization_id,
        at=ticket.created_at,
    )


def _pause_states(ticket: Ticket) -> list[str]:
    record = SlaRecord.objects.for_object(ticket).select_related("agreement").first()
    return list(record.agreement.pause_states) if record else []


def state_changed(
    ticket: Ticket, before: str, after: str, *, actor: Any, at: dt.datetime | None = None
) -> None:
    """Moves the clocks along with the ticket's state."""
    if after in (workflow.RESOLVED, workflow.CLOSED):
        sla_actions.stop_records(
            ticket, actor=actor, kinds=[RecordKind.RESPONSE, RecordKind.RESOLUTION], at=at
        )
        return
    if before in (workflow.RESOLVED, workflow.CLOSED):
        sla_actions.reopen_records(ticket, actor=actor, kinds=[RecordKind.RESOLUTION], at=at)
    pausing = _pause_states(ticket)
    if after in pausing and before not in pausing:
        reason = (
            SegmentReason.WAITING_ON_CUSTOMER if after == workflow.WAITING_ON_CUSTOMER else after
        )
        sla_actions.pause_records(ticket, actor=actor, reason=reason, at=at)
    elif before in pausing and after not in pausing:
        sla_actions.resume_records(ticket, actor=actor, at=at)


def responded(ticket: Ticket, *, actor: Any, at: dt.datetime | None = None) -> None:
    """The first public reply from the service desk meets the response target."""
    sla_actions.stop_records(ticket, actor=actor, kinds=[RecordKind.RESPONSE], at=at)


def priority_changed(ticket: Ticket, *, actor: Any) -> None:
    sla_actions.change_priority(ticket, actor=actor, priority=ticket.priority)


def service_changed(ticket: Ticket, *, actor: Any) -> None:
    agreement = agreement_for(ticket)
    if agreement is None:
        return  # no agreement for the new service: the running clocks keep theirs
    if not tracked(ticket):
        return
    if ticket.is_open and not SlaRecord.objects.for_object(ticket).exists():
        # It came from a service without an agreement: its clocks start now.
        sla_actions.start_records(
            ticket,
            actor=actor,
            agreement=agreement,
            priority=ticket.priority,
            organization_id=ticket.organization_id,
        )
        return
    sla_actions.change_agreement(
        ticket, actor=actor, agreement=agreement, organization_id=ticket.organization_id
    )


def sync_due(ticket_id: int) -> None:
    """Copies the nearest open due time and the breach flag onto the ticket."""
    from django.contrib.contenttypes.models import ContentType

    records = SlaRecord.objects.filter(
        content_type=ContentType.objects.get_for_model(Ticket), object_id=ticket_id
    )
    summary = records.aggregate(
        due=Min("due_at", filter=Q(state__in=["running", "paused"])),
        breached=Min("id", filter=Q(breached_at__isnull=False)),
    )
    Ticket.objects.filter(pk=ticket_id).update(
        due_at=summary["due"], sla_breached=summary["breached"] is not None
    )


def lock(ticket_ids: list[int]) -> None:
    """Row locks on tickets, in id order (see `escalation.Handler.lock`). SQLite has no
    row locks (its writers queue for the whole database), so there is nothing to do."""
    if transaction.get_connection().vendor != "postgresql":
        return
    for start in range(0, len(ticket_ids), LOCK_BATCH):
        batch = ticket_ids[start : start + LOCK_BATCH]
        list(
            Ticket.objects.select_for_update(of=("self",))
            .filter(pk__in=batch)
            .order_by("pk")
            .values_list("pk", flat=True)
        )


def escalate_reassign(ticket: Ticket, team: Any) -> None:
    from yunwei.tickets.actions import update_ticket

    if team is not None and ticket.team_id != team.pk:
        update_ticket(ticket, actor=None, team=team, assignee=None)


def escalate_priority(ticket: Ticket) -> None:
    from yunwei.tickets.actions import update_ticket

    position = PRIORITY_ORDER.index(ticket.priority)
    if position + 1 < len(PRIORITY_ORDER):
        update_ticket(ticket, actor=None, priority=PRIORITY_ORDER[position + 1])


def alert(ticket: Ticket, what: str, record: Any, recipients: list[Any]) -> None:
    """A clock passed its warning or due time, or an escalation rule says whom to tell:
    listeners (mail, bell, webhooks) hear it as an event."""
    from yunwei.core.events import EventName
    from yunwei.tickets import events

    names = {
        "warning": EventName.TICKET_SLA_WARNING,
        "breached": EventName.TICKET_SLA_BREACHED,
        "escalated": EventName.TICKET_ESCALATED,
    }
    events.emit(
        names[what],
        ticket,
        actor=None,
        recipients=recipients,
        sla=record.kind,
        due_at=record.due_at.isoformat() if record.due_at else None,
    )
