"""Scoping: which tickets, comments and canned responses a user may see.

UI, API, search and exports all go through these; nothing else decides visibility.
Customers' users see their own organization's tickets and only public comments.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from django.db import models

from yunwei.core.permissions import signed_in

if TYPE_CHECKING:
    from yunwei.accounts.models import User


class TicketQuerySet(models.QuerySet):
    # Set by `search.search`: whether its matches are ranked (else newest first), and
    # where `count()` stops (at count_limit + 1), since counting every match of a common
    # word reads a fifth of the index (430 ms at 1M tickets) for a number nobody pages
    # through.
    search_ranked: bool | None = None
    count_limit: int | None = None

    def _clone(self) -> TicketQuerySet:
        clone = super()._clone()  # type: ignore[misc]
        clone.search_ranked, clone.count_limit = self.search_ranked, self.count_limit
        return clone

    def count(self) -> int:
        if self.count_limit is None or self._result_cache is not None or self.query.is_sliced:
            return super().count()
        return models.QuerySet.count(self.order_by()[: self.count_limit + 1])

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
        from yunwei.tickets.models import Ticket

        related = Ticket.objects.only(*TICKET_REF_COLUMNS)
        return (
            self.select_related(*JOINED)
            .only(*_list_columns())
            .prefetch_related(
                *PREFETCHED,
                models.Prefetch("problem", queryset=related),
                models.Prefetch("parent", queryset=related),
                "tags",
                # Each calendar once, not once per record: its rules are JSON worth
                # decoding once per page, not once per row.
                "sla_records",
                "sla_records__calendar",
            )
        )

    def for_detail(self) -> TicketQuerySet:
        from yunwei.tickets.models import Survey, Ticket, TicketLink

        related = Ticket.objects.only(*TICKET_REF_COLUMNS)
        survey = tuple(f"survey__{field.name}" for field in Survey._meta.concrete_fields)
        return (
            self.for_list()
            .select_related("survey")
            .only(*_list_columns(), *survey)
            .prefetch_related(
                models.Prefetch("watchers", queryset=_people()),
                models.Prefetch("children", queryset=related),
                models.Prefetch("incidents", queryset=related),
                models.Prefetch(
                    "links_out",
                    queryset=TicketLink.objects.select_related("target").only(
                        "kind", "source_id", *(f"target__{name}" for name in TICKET_REF_COLUMNS)
                    ),
                ),
                models.Prefetch(
                    "links_in",
                    queryset=TicketLink.objects.select_related("source").only(
                        "kind", "target_id", *(f"source__{name}" for name in TICKET_REF_COLUMNS)
                    ),
                ),
            )
        )


# How queues and ticket pages load the rows a ticket refers to. Only the requester and
# the assignee are joined: PostgreSQL's planning time grows steeply with the joins (at 1M
# tickets, 50-90 ms to plan a queue page joining eight tables, 1-3 ms joining two), and
# beyond eight it stops reordering them, so a search's match was joined last. The small
# organization, service, category and team tables, and the problem and parent (usually
# none), come in one query each. Of the people (RELATED_COLUMNS) and of the problem and
# parent (TICKET_REF_COLUMNS) only the columns shown are loaded. A template or schema
# that needs another column must add it here, or each row costs one more query: the
# tests' constant query counts catch that.
JOINED = ("requester", "assignee")
PREFETCHED = ("organization", "service", "category", "team")
PERSON_COLUMNS = ("name", "email", "organization_id", "language", "timezone", "is_active")
TICKET_REF_COLUMNS = ("reference", "title", "state", "type", "organization_id", "parent_id",
                      "problem_id")  # fmt: skip
RELATED_COLUMNS = {"requester": PERSON_COLUMNS, "assignee": PERSON_COLUMNS}


@functools.cache
def _list_columns() -> tuple[str, ...]:
    """Every column of the ticket, and of the joined people those RELATED_COLUMNS name."""
    from yunwei.tickets.models import Ticket

    own = tuple(field.name for field in Ticket._meta.concrete_fields)
    return own + tuple(
        f"{name}__{column}" for name, columns in RELATED_COLUMNS.items() for column in columns
    )


def _people() -> models.QuerySet:
    from yunwei.accounts.models import User

    return User.objects.only(*PERSON_COLUMNS)


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
