"""The queue as CSV: the same filters and scoping as the list, streamed row by row so a
large export neither fills memory nor times out. Only public information goes out —
no internal notes, no time spent or teams for customers."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _


class _Echo:
    def write(self, value: str) -> str:
        return value


def spreadsheet_safe(value: Any) -> str:
    """A CSV cell's text, never read as a formula by a spreadsheet (shared by every CSV
    export)."""
    text = "" if value is None else str(value)
    # A leading = + - @ would run as a formula in a spreadsheet (CSV injection).
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def rows(queryset: Any, user: Any) -> Iterator[str]:
    staff = user.is_provider_staff
    writer = csv.writer(_Echo())
    header = [
        _("Reference"), _("Type"), _("Title"), _("State"), _("Priority"), _("Service"),
        _("Organization"), _("Requester"), _("Assignee"), _("Created"), _("Due"),
        _("Resolved"), _("Resolution"), _("Public replies"), _("Last public reply"),
    ]  # fmt: skip
    if staff:
        header += [_("Team"), _("Time spent (minutes)")]
    yield "\ufeff" + writer.writerow(header)  # the BOM makes Excel read UTF-8 Chinese
    queryset = queryset.select_related(
        "service", "organization", "requester", "assignee", "team"
    ).annotate(
        public_replies=Count("comments", filter=Q(comments__public=True)),
        last_public_reply=Max("comments__created_at", filter=Q(comments__public=True)),
    )
    local = timezone.get_current_timezone()

    def when(value: Any) -> str:
        return value.astimezone(local).strftime("%Y-%m-%d %H:%M") if value else ""

    for ticket in queryset.iterator(chunk_size=2000):
        row = [
            ticket.reference, ticket.get_type_display(), ticket.title,
            ticket.get_state_display(), ticket.get_priority_display(),
            ticket.service.display_name, ticket.organization.name, str(ticket.requester),
            str(ticket.assignee or ""), when(ticket.created_at), when(ticket.due_at),
            when(ticket.resolved_at), ticket.get_resolution_code_display(),
            ticket.public_replies, when(ticket.last_public_reply),
        ]  # fmt: skip
        if staff:
            row += [ticket.team.name if ticket.team else "", ticket.time_spent_minutes]
        yield writer.writerow([spreadsheet_safe(value) for value in row])


def filename() -> str:
    return f"tickets-{timezone.localdate().isoformat()}.csv"
