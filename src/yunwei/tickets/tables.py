"""The queue's table, and how an SLA clock reads on a page: its colour and the business
time left, computed from the records `Ticket.objects.for_list()` prefetches."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import django_tables2 as tables
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yunwei.sla import engine
from yunwei.sla.models import RecordState
from yunwei.tickets import search
from yunwei.tickets.models import Ticket

MAX_PAGE_SIZE = 100


def duration(minutes: float) -> str:
    """Business minutes as "2h 05m" (or "45m")."""
    total = round(abs(minutes))
    hours, rest = divmod(total, 60)
    if hours:
        return _("%(hours)dh %(minutes)02dm") % {"hours": hours, "minutes": rest}
    return _("%(minutes)dm") % {"minutes": rest}


@dataclass(frozen=True)
class Timer:
    """One SLA target of a ticket, as the page shows it."""

    kind: str  # response | resolution
    label: str
    state: str  # running | paused | met | breached | cancelled
    state_label: str
    due: dt.datetime | None
    remaining: int | None  # business minutes; negative when over
    target: int
    colour: str  # green | yellow | red | secondary
    text: str

    @property
    def is_open(self) -> bool:
        return self.state in (RecordState.RUNNING, RecordState.PAUSED)

    @property
    def target_text(self) -> str:
        return duration(self.target)

    @property
    def percent_left(self) -> int:
        if self.remaining is None or not self.target:
            return 0
        return max(0, min(100, round(100 * self.remaining / self.target)))


def _colour(record: Any, remaining: int | None, now: dt.datetime) -> str:
    """Red when breached (or over), grey while paused, yellow past the warning time or
    with half the target or less left, green otherwise."""
    breached = record.breached_at is not None or record.state == RecordState.BREACHED
    if breached or (remaining is not None and remaining <= 0 and record.state == "running"):
        return "red"
    if record.state == RecordState.PAUSED:
        return "secondary"
    if record.state == RecordState.MET:
        return "green"
    if record.state == RecordState.CANCELLED:
        return "secondary"
    warned = record.warning_at is not None and record.warning_at <= now
    if warned or (
        remaining is not None and record.target_minutes and remaining * 2 <= record.target_minutes
    ):
        return "yellow"
    return "green"


def _text(record: Any, remaining: int | None) -> str:
    if record.state == RecordState.MET:
        return _("Met")
    if record.state == RecordState.CANCELLED:
        return _("Cancelled")
    if remaining is None:
        return _("Breached") if record.breached_at else ""
    if remaining < 0:
        left = _("%(time)s over") % {"time": duration(remaining)}
    else:
        left = _("%(time)s left") % {"time": duration(remaining)}
    if record.state == RecordState.PAUSED:
        return _("Paused · %(left)s") % {"left": left}
    return left


def sla_timers(ticket: Ticket, now: dt.datetime | None = None) -> list[Timer]:
    """The ticket's response and resolution clocks (from its prefetched records)."""
    now = now or timezone.now()
    timers = []
    for record in sorted(ticket.sla_records.all(), key=lambda r: r.kind, reverse=True):
        remaining = None
        if record.is_open:
            spent = engine.elapsed(record, now).total_seconds() / 60
            remaining = int(record.target_minutes - spent)
        timers.append(
            Timer(
                kind=record.kind,
                label=str(record.get_kind_display()),
                state=record.state,
                state_label=str(record.get_state_display()),
                due=record.due_at,
                remaining=remaining,
                target=record.target_minutes,
                colour=_colour(record, remaining, now),
                text=_text(record, remaining),
            )
        )
    return timers


def queue_timer(ticket: Ticket, now: dt.datetime | None = None) -> Timer | None:
    """What the queue shows: the open clock due first, else a breached one, else a met one."""
    timers = sla_timers(ticket, now)
    running = [t for t in timers if t.is_open]
    if running:
        return min(
            running,
            key=lambda t: (
                t.state != RecordState.RUNNING,
                t.remaining if t.remaining is not None else 0,
            ),
        )
    breached = [t for t in timers if t.colour == "red"]
    if breached:
        return breached[0]
    return timers[0] if timers else None


class CappedPaginator(Paginator):
    """Pages over a search whose count stops at `count_limit` (see
    `TicketQuerySet.count_limit`): its first `count_limit` matches, every page full, and
    `capped` tells that there are more (refine the search to reach them)."""

    def __init__(self, *args: Any, count_limit: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.count_limit = count_limit

    @cached_property
    def counted(self) -> int:
        return Paginator.count.func(self)  # type: ignore[attr-defined]

    @cached_property
    def count(self) -> int:  # type: ignore[override]
        return min(self.counted, self.count_limit) if self.capped else self.counted

    @property
    def capped(self) -> bool:
        return self.count_limit is not None and self.counted > self.count_limit


class QueuePaginator(CappedPaginator):
    """At most MAX_PAGE_SIZE tickets a page, whatever `?per_page=` asks."""

    def __init__(self, object_list: Any, per_page: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(object_list, max(1, min(int(per_page), MAX_PAGE_SIZE)), *args, **kwargs)


class TicketTable(tables.Table):
    select = tables.CheckBoxColumn(
        accessor="pk",
        attrs={
            "th": {"class": "w-1"},
            "td": {"class": "w-1"},
            "th__input": {
                "class": "form-check-input m-0 align-middle",
                "data-select-all": "",
                "aria-label": gettext_lazy("Select all"),
            },
            "td__input": {
                "class": "form-check-input m-0 align-middle",
                "form": "bulk-form",
                "name": "bulk-ids",
                "data-ticket-checkbox": "",
                "aria-label": gettext_lazy("Select"),
            },
        },
    )
    reference = tables.Column(
        verbose_name=gettext_lazy("Reference"),
        linkify=True,
        # A ticket's page is not a fragment of the queue: never boosted into it.
        attrs={"td": {"class": "text-nowrap"}, "a": {"data-open-ticket": "", "hx-boost": "false"}},
    )
    title = tables.Column(verbose_name=gettext_lazy("Title"), orderable=False)
    # Rendered by render_priority / render_state, not TemplateColumn: that hands each
    # cell the whole page's context, flattened (about 1 ms a cell, 50 ms a page).
    priority = tables.Column(verbose_name=gettext_lazy("Priority"))
    state = tables.Column(verbose_name=gettext_lazy("State"))
    service = tables.Column(
        verbose_name=gettext_lazy("Service"),
        accessor="service__display_name",
        orderable=False,
        attrs={"td": {"class": "cell-secondary"}},
    )
    organization = tables.Column(
        verbose_name=gettext_lazy("Organization"),
        orderable=False,
        attrs={"td": {"class": "cell-secondary"}},
    )
    requester = tables.Column(
        verbose_name=gettext_lazy("Requester"),
        orderable=False,
        attrs={"td": {"class": "cell-secondary"}},
    )
    assignee = tables.Column(
        verbose_name=gettext_lazy("Assignee"),
        orderable=False,
        attrs={"td": {"class": "cell-secondary"}},
    )
    team = tables.Column(
        verbose_name=gettext_lazy("Team"),
        orderable=False,
        attrs={"td": {"class": "cell-secondary"}},
    )
    due_at = tables.Column(
        verbose_name=gettext_lazy("SLA"), empty_values=(), attrs={"td": {"class": "text-nowrap"}}
    )
    created_at = tables.Column(
        verbose_name=gettext_lazy("Age"), attrs={"td": {"class": "text-nowrap text-secondary"}}
    )

    # Columns only the provider's staff see.
    STAFF_ONLY = ("select", "organization", "team")

    class Meta:
        order_by_field = "ordering"
        attrs = {
            "class": "table table-vcenter card-table table-hover ticket-queue",
            "data-ticket-queue": "",
        }
        row_attrs = {"data-ticket-url": lambda record: record.get_absolute_url()}
        empty_text = ""

    def __init__(self, *args: Any, query: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.query = query
        self.now = timezone.now()

    # Ordering happens in the view, in SQL, through the API's `order_tickets`: these only
    # tell django-tables2 that the data already is in the order asked for.
    def order_reference(self, queryset: QuerySet, is_descending: bool) -> tuple[QuerySet, bool]:
        return queryset, True

    def order_priority(self, queryset: QuerySet, is_descending: bool) -> tuple[QuerySet, bool]:
        return queryset, True

    def order_state(self, queryset: QuerySet, is_descending: bool) -> tuple[QuerySet, bool]:
        return queryset, True

    def order_due_at(self, queryset: QuerySet, is_descending: bool) -> tuple[QuerySet, bool]:
        return queryset, True

    def order_created_at(self, queryset: QuerySet, is_descending: bool) -> tuple[QuerySet, bool]:
        return queryset, True

    def render_title(self, record: Ticket) -> str:
        snippet = ""
        if self.query and record.description:
            snippet = search.highlight(record.description, self.query)
        return render_to_string(
            "tickets/partials/_title_cell.html",
            {"record": record, "snippet": snippet, "query": self.query},
        )

    def render_priority(self, record: Ticket) -> str:
        return render_to_string("tickets/partials/_priority.html", {"record": record})

    def render_state(self, record: Ticket) -> str:
        return render_to_string("tickets/partials/_state.html", {"record": record})

    def render_requester(self, record: Ticket) -> str:
        return str(record.requester)

    def render_due_at(self, record: Ticket) -> str:
        timer = queue_timer(record, self.now)
        if timer is None:
            return mark_safe('<span class="text-secondary">—</span>')
        due = ""
        if timer.due and timer.is_open:
            due = format_html(
                ' <time class="d-block small text-secondary" datetime="{}">{}</time>',
                timer.due.isoformat(),
                timezone.localtime(timer.due).strftime("%m-%d %H:%M"),
            )
        return format_html(
            '<span class="badge bg-{}-lt" data-sla="{}" title="{}">{}</span>{}',
            timer.colour,
            timer.colour,
            timer.label,
            timer.text or timer.state_label,
            due,
        )

    def render_created_at(self, value: dt.datetime) -> str:
        return format_html(
            '<time datetime="{}" title="{}">{}</time>',
            value.isoformat(),
            timezone.localtime(value).strftime("%Y-%m-%d %H:%M"),
            timesince(value, self.now, depth=1),
        )
