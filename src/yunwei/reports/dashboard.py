"""The counts on the dashboard, in one aggregate over the user's open tickets.

Only open tickets are read (`state IN open states` first, which the partial index
`ticket_open_due_idx` and `ticket_org_state_idx` serve), so closed history never costs
anything. Provider staff get the desk's view (unassigned, breached, due soon, mine, my
teams'); a customer's user gets their organization's open tickets by state, among them
those waiting on them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, Q
from django.utils import timezone

from yunwei.tickets.models import OPEN_TICKET_STATES, Ticket, TicketState

DUE_SOON = dt.timedelta(hours=1)


@dataclass(frozen=True)
class Counts:
    by_state: dict[str, int]
    open: int
    waiting_on_customer: int
    # Provider staff only (None for customers):
    unassigned: int | None = None
    breached: int | None = None
    due_within_hour: int | None = None
    due_today: int | None = None
    mine: int | None = None
    my_teams: int | None = None


def end_of_today(now: dt.datetime, zone: dt.tzinfo) -> dt.datetime:
    today = now.astimezone(zone).date()
    return dt.datetime.combine(today + dt.timedelta(days=1), dt.time(), tzinfo=zone)


def dashboard_counts(user: Any, *, now: dt.datetime | None = None) -> Counts:
    """One query whatever the number of tickets; "today" ends at midnight in the user's
    time zone."""
    now = now or timezone.now()
    states = [state.value for state in OPEN_TICKET_STATES]
    aggregates: dict[str, Any] = {state: Count("pk", filter=Q(state=state)) for state in states} | {
        "total": Count("pk")
    }
    if user.is_provider_staff:
        upcoming = Q(due_at__gte=now)
        today_ends = end_of_today(now, ZoneInfo(user.timezone))
        aggregates |= {
            "unassigned": Count("pk", filter=Q(assignee__isnull=True)),
            "breached": Count("pk", filter=Q(sla_breached=True)),
            "due_within_hour": Count("pk", filter=upcoming & Q(due_at__lt=now + DUE_SOON)),
            "due_today": Count("pk", filter=upcoming & Q(due_at__lt=today_ends)),
            "mine": Count("pk", filter=Q(assignee_id=user.pk)),
            "my_teams": Count("pk", filter=Q(team__in=user.teams.values("pk"))),
        }
    row = Ticket.objects.visible_to(user).filter(state__in=states).aggregate(**aggregates)
    by_state = {state: row.pop(state) for state in states}
    return Counts(
        by_state=by_state,
        open=row.pop("total"),
        waiting_on_customer=by_state[TicketState.WAITING_ON_CUSTOMER],
        **row,
    )
