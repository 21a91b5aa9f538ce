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
        return (
            self.select_related(*RELATED_SHOWN)
            .only(*_list_columns())
            .prefetch_related(
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


# What queues and ticket pages show of the rows a ticket refers to. Loading only these
# columns (not every field of the problem's and parent's whole ticket, or a user's
# password hash) halves the Python cost of each list row and of the detail (measured
# with bench/harness.py; see docs/performance.md). A template or schema that needs
# another column must add it here, or each row costs one more query — the tests'
# constant query counts catch that.
RELATED_SHOWN = (
    "requester", "organization", "service", "category", "team", "assignee", "problem", "parent",
)  # fmt: skip
PERSON_COLUMNS = ("name", "email", "organization_id", "language", "timezone", "is_active")
TICKET_REF_COLUMNS = ("reference", "title", "state", "type", "organization_id", "parent_id",
                      "problem_id")  # fmt: skip
RELATED_COLUMNS = {
    "requester": PERSON_COLUMNS,
    "assignee": PERSON_COLUMNS,
    "problem": TICKET_REF_COLUMNS,
    "parent": TICKET_REF_COLUMNS,
}


@functools.cache
def _list_columns() -> tuple[str, ...]:
    """Every column of the ticket, and of its related rows those RELATED_COLUMNS names
    (all of them for the small organization, service, category and team rows)."""
    from yunwei.tickets.models import Ticket

    own = tuple(field.name for field in Ticket._meta.concrete_fields)
    related = tuple(
        f"{name}__{column}" for name, columns in RELATED_COLUMNS.items() for column in columns
    )
    whole = tuple(
        f"{name}__{field.name}"
        for name in RELATED_SHOWN
        if name not in RELATED_COLUMNS
        for field in Ticket._meta.get_field(name).related_model._meta.concrete_fields  # type: ignore[union-attr]
    )
    return own + related + whole


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
