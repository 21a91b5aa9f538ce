"""Monthly SLA compliance per service: for the first-response and the resolution targets
of tickets, how many were met, breached or are still open, and the percentage met.

Aggregated in SQL over `SlaRecord` (months in the provider's time zone, the month a
target's clock started; the service through the record's agreement, so the tickets table
is never joined). A record still running or paused past its due time (or already marked
breached by the worker) counts as breached, as a queue shows it; cancelled records do not
count.

The statement is a UNION ALL of one aggregate per month, each over its own range of
`started_at`, grouped by (agreement, target, state) with a count of those late. On
PostgreSQL each part reads one range of the covering index `sla_record_started_idx` and
hashes a few hundred groups. A single GROUP BY on the truncated month is several times
slower: the planner takes the month for unique per record, so it sorts every record
instead of hashing, and it converts every record's time to the zone. Python then folds the
few thousand rows by service (a second, small query names the agreements' services).

For the benchmark harness:
- `sla_compliance(user, *, start, end, service=None, organization=None)` is what the API
  and the page call.
- `compliance_sql(user, *, start, end, service=None, organization=None, now=None)`
  returns `(sql, params)`, the aggregate statement that call runs, for
  `connection.cursor().execute(sql, params)` — the harness times it as the floor.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import Count, DateField, Q, QuerySet, Value
from django.utils import timezone
from django.utils.translation import gettext as _

from yunwei.sla.models import OPEN_STATES, Agreement, RecordState, SlaRecord

COUNTED_STATES = [*OPEN_STATES, RecordState.MET, RecordState.BREACHED]
MAX_MONTHS = 36
_MONTH = re.compile(r"(\d{4})-(\d{2})")


def report_zone() -> ZoneInfo:
    """Months are the provider's calendar months, the same for every reader
    (YUNWEI_TIME_ZONE; settings.TIME_ZONE is UTC, the storage zone)."""
    return ZoneInfo(settings.DEFAULT_USER_TIMEZONE)


def parse_month(value: str | None, field_name: str) -> dt.date | None:
    """ "2026-05" -> 2026-05-01; None when not given; a ValidationError naming the field
    for anything else."""
    if value is None or not value.strip():
        return None
    match = _MONTH.fullmatch(value.strip())
    if match is None or not 1 <= int(match[2]) <= 12 or not 1900 <= int(match[1]) <= 2999:
        raise ValidationError({field_name: _("Give the month as YYYY-MM, e.g. 2026-05.")})
    return dt.date(int(match[1]), int(match[2]), 1)


def add_months(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def month_range(start: str | None, end: str | None) -> tuple[dt.date, dt.date]:
    """The first and last month asked for. Twelve months by default: up to this month,
    or up to `to`, or from `from`."""
    first, last = parse_month(start, "from"), parse_month(end, "to")
    if first is None:
        last = last or timezone.localdate(timezone=report_zone()).replace(day=1)
        first = add_months(last, -11)
    elif last is None:
        last = add_months(first, 11)
    if first > last:
        raise ValidationError({"from": _("The first month must not be after the last.")})
    if add_months(first, MAX_MONTHS) <= last:
        raise ValidationError(
            {"to": _("Ask for at most %(count)s months at a time.") % {"count": MAX_MONTHS}}
        )
    return first, last


def months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    months = [first]
    while months[-1] < last:
        months.append(add_months(months[-1], 1))
    return months


def compliance_queryset(
    user: Any,
    *,
    start: dt.date,
    end: dt.date,
    service: int | None = None,
    organization: int | None = None,
    now: dt.datetime | None = None,
) -> QuerySet:
    """Rows of (month, agreement_id, kind, state, records, late), months `start`..`end`."""
    zone = report_zone()
    now = now or timezone.now()
    ticket_type = ContentType.objects.get_for_model(_ticket_model())
    records = SlaRecord.objects.visible_to(user).filter(
        content_type_id=ticket_type.pk, state__in=COUNTED_STATES
    )
    if service is not None:
        records = records.filter(
            agreement_id__in=Agreement.objects.filter(service_id=service).values("pk")
        )
    if organization is not None:
        records = records.filter(organization_id=organization)
    late = Q(breached_at__isnull=False) | Q(due_at__lt=now)
    # started_at: a column of the index that is never null, so COUNT reads the index only.
    parts = [
        records.filter(
            started_at__gte=_first_instant(month, zone),
            started_at__lt=_first_instant(add_months(month, 1), zone),
        )
        .values("agreement_id", "kind", "state", month=Value(month, output_field=DateField()))
        .annotate(records=Count("started_at"), late=Count("started_at", filter=late))
        .order_by()
        for month in months_between(start, end)
    ]
    return parts[0].union(*parts[1:], all=True)


def compliance_sql(user: Any, **filters: Any) -> tuple[str, tuple[Any, ...]]:
    """The SQL and parameters `sla_compliance` runs, for timing it raw."""
    sql, params = compliance_queryset(user, **filters).query.sql_with_params()
    return sql, tuple(params)


def _first_instant(month: dt.date, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime(month.year, month.month, 1, tzinfo=zone)


def _ticket_model() -> Any:
    from yunwei.tickets.models import Ticket

    return Ticket


@dataclass
class Tally:
    met: int = 0
    breached: int = 0
    open: int = 0

    @property
    def percent_met(self) -> float | None:
        decided = self.met + self.breached
        return round(100 * self.met / decided, 1) if decided else None

    def add(self, other: Tally) -> None:
        self.met += other.met
        self.breached += other.breached
        self.open += other.open

    def as_dict(self) -> dict[str, Any]:
        return {
            "met": self.met,
            "breached": self.breached,
            "open": self.open,
            "percent_met": self.percent_met,
        }


@dataclass
class Cell:
    response: Tally = field(default_factory=Tally)
    resolution: Tally = field(default_factory=Tally)

    def add(self, other: Cell) -> None:
        self.response.add(other.response)
        self.resolution.add(other.resolution)


@dataclass
class ServiceRef:
    id: int
    code: str
    name: str


@dataclass
class Report:
    """The aggregated rows and their totals per month, per service and overall."""

    start: dt.date
    end: dt.date
    zone: str
    months: list[dt.date]
    services: list[ServiceRef]
    cells: dict[tuple[dt.date, int], Cell]
    by_month: dict[dt.date, Cell]
    by_service: dict[int, Cell]
    total: Cell


def sla_compliance(
    user: Any,
    *,
    start: dt.date,
    end: dt.date,
    service: int | None = None,
    organization: int | None = None,
    now: dt.datetime | None = None,
) -> Report:
    """The report for what `user` may see: the aggregate, then the agreements' services;
    totals are sums of its few rows."""
    rows = compliance_queryset(
        user, start=start, end=end, service=service, organization=organization, now=now
    )
    report = Report(
        start=start,
        end=end,
        zone=report_zone().key,
        months=months_between(start, end),
        services=[],
        cells={},
        by_month={},
        by_service={},
        total=Cell(),
    )
    cells: dict[tuple[dt.date, int], Cell] = {}
    agreements: set[int] = set()
    for row in rows:
        agreements.add(row["agreement_id"])
        tally = getattr(cells.setdefault((row["month"], row["agreement_id"]), Cell()), row["kind"])
        if row["state"] == RecordState.MET:
            tally.met += row["records"]
        elif row["state"] == RecordState.BREACHED:
            tally.breached += row["records"]
        else:  # running or paused
            tally.breached += row["late"]
            tally.open += row["records"] - row["late"]
    services = {
        agreement.pk: ServiceRef(
            agreement.service_id, agreement.service.code, agreement.service.display_name
        )
        for agreement in Agreement.objects.filter(pk__in=agreements).select_related("service")
    }
    for (month, agreement_id), cell in sorted(
        cells.items(), key=lambda item: (item[0][0], services[item[0][1]].code)
    ):
        service_id = services[agreement_id].id
        report.cells.setdefault((month, service_id), Cell()).add(cell)
        report.by_month.setdefault(month, Cell()).add(cell)
        report.by_service.setdefault(service_id, Cell()).add(cell)
        report.total.add(cell)
    report.services = sorted({s.id: s for s in services.values()}.values(), key=lambda s: s.code)
    return report
