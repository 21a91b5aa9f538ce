"""Scoping: which tickets, comments and canned responses a user may see.

UI, API, search and exports all go through these; nothing else decides visibility.
Customers' users see their own organization's tickets and only public comments.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models

from yunwei.core.permissions import signed_in

if TYPE_CHECKING:
    from yunwei.accounts.models import User


class TicketQuerySet(models.QuerySet):
    def visible_to(self, user: User | Any) -> TicketQuerySet:
        if not signed_in(user):
            return self.none()
        if user.is_provider_staff:
            return self
        return self.filter(organization_id=user.organization_id)

    def open(self) -> TicketQuerySet:
        from yunwei.tickets.models import OPEN_TICKET_STATES

        return self.filter(state__in=OPEN_TICKET_STATES)

    def for_list(self) -> TicketQuerySet:
        from yunwei.sla.models import SlaRecord

        return self.select_related(
            "requester", "organization", "service", "category", "team", "assignee", "problem",
            "parent",
        ).prefetch_related(
            "tags",
            models.Prefetch(
                "sla_records", queryset=SlaRecord.objects.select_related("calendar")
            ),
        )  # fmt: skip

    def for_detail(self) -> TicketQuerySet:
        return (
            self.for_list()
            .select_related("survey")
            .prefetch_related(
                "watchers",
                "children",
                "incidents",
                "links_out__target",
                "links_in__source",
            )
        )


class CommentQuerySet(models.QuerySet):
    def visible_to(self, user: User | Any) -> CommentQuerySet:
        """Internal notes are the provider's: a customer's user never gets one."""
        if not signed_in(user):
            return self.none()
        if user.is_provider_staff:
            return self
        return self.filter(ticket__organization_id=user.organization_id, public=True)

    def for_list(self, user: User | Any) -> CommentQuerySet:
        from yunwei.tickets.models import Attachment

        files = Attachment.objects.all()
        if not user.is_provider_staff:
            files = files.filter(public=True)
        return self.select_related("author").prefetch_related(
            "mentions", models.Prefetch("attachments", queryset=files)
        )


class CategoryQuerySet(models.QuerySet):
    def visible_to(self, user: User | Any) -> CategoryQuerySet:
        return self if signed_in(user) else self.none()

    def active(self) -> CategoryQuerySet:
        return self.filter(is_active=True)


class CannedResponseQuerySet(models.QuerySet):
    def visible_to(self, user: User | Any) -> CannedResponseQuerySet:
        """Shared responses and those of the agent's teams (all of them for those who
        administer canned responses); none for customers."""
        if not signed_in(user) or not user.is_provider_staff:
            return self.none()
        if user.has_perm("tickets.delete_cannedresponse"):
            return self
        return self.filter(models.Q(team__isnull=True) | models.Q(team__members=user)).distinct()
