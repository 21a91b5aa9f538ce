"""Monthly availability per service and per service × customer, aggregated in SQL.

Unplanned outages count against availability; planned maintenance does not. An outage
for one customer counts only for that customer; one without a customer counts for the
service and for every customer of it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import DurationField, ExpressionWrapper, F, Max, Q, Sum, Value
from django.db.models.functions import Coalesce, Greatest, Least
from django.utils import timezone

from yunwei.sla.models import Agreement, Outage


@dataclass(frozen=True)
class Row:
    service_id: int
    service: str
    organization_id: int | None
    organization: str | None
    minutes_in_month: int
    downtime_minutes: float
    availability: float
    target: float | None
    longest_minutes: float
    max_interruption_minutes: int | None
    met: bool | None


def month_bounds(month: dt.date, zone: str) -> tuple[dt.datetime, dt.datetime]:
    tz = ZoneInfo(zone)
    start = dt.datetime(month.year, month.month, 1, tzinfo=tz)
    following = dt.datetime(month.year + month.month // 12, month.month % 12 + 1, 1, tzinfo=tz)
    return start, following


def _downtime(outages: Any, start: dt.datetime, end: dt.datetime) -> Any:
    """Per (service, customer): total and longest unplanned downtime inside the month."""
    now = timezone.now()
    clamped = ExpressionWrapper(
        Least(Coalesce(F("ended_at"), Value(now)), Value(end))
        - Greatest(F("started_at"), Value(start)),
        output_field=DurationField(),
    )
    return (
        outages.filter(planned=False, started_at__lt=min(end, now))
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=start))
        .values("service_id", "organization_id")
        .annotate(total=Sum(clamped), longest=Max(clamped))
    )


def monthly(month: dt.date, user: Any, zone: str = "Asia/Shanghai") -> list[Row]:
    from yunwei.catalog.models import Service

    start, end = month_bounds(month, zone)
    minutes = int((end.astimezone(dt.UTC) - start.astimezone(dt.UTC)).total_seconds() // 60)
    services = list(
        Service.objects.visible_to(user).prefetch_related("organizations").order_by("code")
    )
    visible_orgs = None if user.is_provider_staff else {user.organization_id}
    sums = {
        (r["service_id"], r["organization_id"]): r
        for r in _downtime(Outage.objects.all(), start, end)
    }
    agreements = {
        (a.service_id, a.organization_id): a
        for a in Agreement.objects.filter(service__in=services, is_active=True)
    }
    rows = []
    for service in services:
        customers = [
            o for o in service.organizations.all() if visible_orgs is None or o.pk in visible_orgs
        ]
        scopes = ([(None, None)] if visible_orgs is None else []) + [
            (o.pk, o.name) for o in customers
        ]
        for org_id, org_name in scopes:
            parts = [sums.get((service.pk, None))] + (
                [sums.get((service.pk, org_id))] if org_id else []
            )
            parts = [p for p in parts if p]
            down = sum((p["total"] for p in parts), dt.timedelta()).total_seconds() / 60
            longest = (
                max((p["longest"] for p in parts), default=dt.timedelta()).total_seconds() / 60
            )
            agreement = agreements.get((service.pk, org_id)) or agreements.get((service.pk, None))
            target = float(agreement.availability_target) if agreement else None
            allowed = agreement.max_interruption_minutes if agreement else None
            availability = round(100 * (1 - down / minutes), 3)
            met = None if agreement is None else availability >= target and longest <= allowed  # type: ignore[operator]
            rows.append(
                Row(
                    service.pk,
                    str(service),
                    org_id,
                    org_name,
                    minutes,
                    round(down, 1),
                    availability,
                    target,
                    round(longest, 1),
                    allowed,
                    met,
                )
            )
    return rows
