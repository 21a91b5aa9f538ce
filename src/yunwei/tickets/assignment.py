"""Where a new ticket goes: the first matching assignment rule names a team and how a
member is picked (none, round-robin, or whoever has the fewest open tickets)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q

from yunwei.accounts.models import Team, User
from yunwei.tickets.models import (
    OPEN_TICKET_STATES,
    AssignmentMethod,
    AssignmentRule,
    RoundRobinCursor,
    Ticket,
)


def matching_rule(ticket: Ticket) -> AssignmentRule | None:
    rules = AssignmentRule.objects.filter(is_active=True).filter(
        Q(service__isnull=True) | Q(service_id=ticket.service_id),
        Q(category__isnull=True) | Q(category_id=ticket.category_id),
        Q(organization__isnull=True) | Q(organization_id=ticket.organization_id),
        Q(ticket_type="") | Q(ticket_type=ticket.type),
    )
    return rules.select_related("team").order_by("order", "id").first()


def candidates(team: Team) -> Any:
    """Active provider staff in the team who may work tickets."""
    return (
        User.objects.filter(teams=team, is_active=True, organization__kind="provider")
        .filter(groups__permissions__codename="change_ticket")
        .distinct()
        .order_by("id")
    )


def round_robin(team: Team) -> User | None:
    members = list(candidates(team))
    if not members:
        return None
    cursor, _ = RoundRobinCursor.objects.select_for_update().get_or_create(team=team)
    following = [m for m in members if cursor.last_user_id is None or m.pk > cursor.last_user_id]
    chosen = (following or members)[0]
    cursor.last_user = chosen
    cursor.save(update_fields=["last_user"])
    return chosen


def least_loaded(team: Team) -> User | None:
    return (
        candidates(team)
        .annotate(
            load=Count(
                "assigned_tickets",
                filter=Q(assigned_tickets__state__in=OPEN_TICKET_STATES),
                distinct=True,
            )
        )
        .order_by("load", "id")
        .first()
    )


def route(ticket: Ticket) -> tuple[Team | None, User | None]:
    """The team and assignee the rules give a new ticket; with no rule, the service's
    owner team, so that somebody's queue holds it (None, None: no service either)."""
    rule = matching_rule(ticket)
    if rule is None:
        service = ticket.service
        return (service.owner_team if service is not None else None), None
    if rule.method == AssignmentMethod.ROUND_ROBIN:
        return rule.team, round_robin(rule.team)
    if rule.method == AssignmentMethod.LEAST_LOADED:
        return rule.team, least_loaded(rule.team)
    return rule.team, None
