"""Scoping in the portal: which tickets a customer's user follows there.

`Ticket.objects.visible_to` gives a customer's user their whole organization (the API
keeps that); the portal narrows it to the tickets a user asked for or watches, unless
they are their organization's admin, who follows every ticket of it.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from yunwei.tickets.models import Ticket

MINE = "mine"
ORGANIZATION = "organization"


def sees_organization(user: Any) -> bool:
    return bool(user.is_organization_admin) and not user.is_provider_staff


def portal_tickets(user: Any, scope: str = ORGANIZATION) -> QuerySet[Ticket]:
    """The tickets `user` may open in the portal (`scope=ORGANIZATION`), or only those
    they asked for or watch (`scope=MINE`)."""
    tickets = Ticket.objects.visible_to(user)
    if scope == ORGANIZATION and sees_organization(user):
        return tickets
    # A subquery rather than a join on watchers: no duplicate rows, no DISTINCT.
    watched = Ticket.watchers.through.objects.filter(user_id=user.pk).values("ticket_id")
    return tickets.filter(Q(requester_id=user.pk) | Q(pk__in=watched))
