"""Business calendars: versions, China's holiday schedule."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from yunwei.core import audit
from yunwei.core.changes import apply_changes
from yunwei.core.models import AuditAction
from yunwei.core.permissions import require_permission, require_visible
from yunwei.sla import clock
from yunwei.sla.actions.records import open_records_for_update, recompute
from yunwei.sla.models import (
    Calendar,
    CalendarVersion,
    SegmentReason,
    SlaRecord,
)

CALENDAR_FIELDS = ("name", "timezone", "hours", "exceptions")


# --- calendars -------------------------------------------------------------------------


def _host_dependent(zone: str) -> bool:
    """Names whose meaning depends on the server's own tzdata set-up, not a place."""
    return zone in {"localtime", "posixrules", "Factory"} or zone.startswith(("posix/", "right/"))


def _validated_spec(timezone_name: str, hours: Any, exceptions: Any) -> clock.Calendar:
    """The clock calendar for these values; a ValidationError names the bad field."""
    if timezone_name not in zoneinfo.available_timezones() or _host_dependent(timezone_name):
        raise ValidationError(
            {"timezone": _("Unknown time zone “%(value)s”.") % {"value": timezone_name}}
        )
    try:
        calendar = clock.Calendar.from_spec(
            timezone=timezone_name, hours=hours, exceptions=exceptions
        )
    except clock.ClockError as error:
        root = error.field.split(".")[0].split("[")[0]
        raise ValidationError({root: f"{error.field}: {error.message}"}, code="invalid") from error
    if not any(calendar.hours):
        raise ValidationError(
            {"hours": _("A calendar needs working hours on at least one weekday.")}
        )
    return calendar


def _snapshot_version(calendar: Calendar) -> None:
    CalendarVersion.objects.create(
        calendar=calendar, version=calendar.version, spec=calendar.spec()
    )


@transaction.atomic
def create_calendar(
    *,
    actor: Any,
    name: str,
    timezone_name: str = "Asia/Shanghai",
    hours: dict[str, Any] | None = None,
    exceptions: list[dict[str, Any]] | None = None,
) -> Calendar:
    require_permission(actor, "sla.add_calendar")
    hours = (
        hours
        if hours is not None
        else {day: [["09:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
    )
    exceptions = exceptions or []
    _validated_spec(timezone_name, hours, exceptions)
    calendar = Calendar(name=name, timezone=timezone_name, hours=hours, exceptions=exceptions)
    calendar.full_clean()
    calendar.save()
    _snapshot_version(calendar)
    audit.record_create(calendar, CALENDAR_FIELDS, actor=actor)
    return calendar


@transaction.atomic
def update_calendar(calendar: Calendar, *, actor: Any, **changes: Any) -> Calendar:
    """Changes hours, exceptions or time zone: a new version; open SLA records are
    recomputed — their past stays counted with the version that applied then."""
    require_permission(actor, "sla.change_calendar")
    require_visible(actor, calendar)
    calendar = Calendar.objects.select_for_update().get(pk=calendar.pk)
    before = audit.snapshot(calendar, CALENDAR_FIELDS)
    apply_changes(calendar, CALENDAR_FIELDS, changes)
    _validated_spec(calendar.timezone, calendar.hours, calendar.exceptions)
    calendar.full_clean()
    changed = audit.diff(before, audit.snapshot(calendar, CALENDAR_FIELDS))
    if not changed:
        return calendar
    timing_changed = bool(set(changed) - {"name"})
    if timing_changed:
        calendar.version += 1
    calendar.save()
    if timing_changed:
        _snapshot_version(calendar)
    audit.record(actor=actor, action=AuditAction.UPDATE, obj=calendar, changes=changed)
    if timing_changed:
        with audit.sealing_deferred():
            for record in open_records_for_update(calendar=calendar):
                recompute(record, actor=actor, reason=SegmentReason.CALENDAR_CHANGED, boundary=True)
    return calendar


@transaction.atomic
def delete_calendar(calendar: Calendar, *, actor: Any) -> None:
    require_permission(actor, "sla.delete_calendar")
    require_visible(actor, calendar)
    in_history = SlaRecord.objects.annotate(text=Cast("segments", models.TextField())).filter(
        text__contains=f'"calendar": {calendar.pk},'
    )
    if calendar.agreements.exists() or calendar.records.exists() or in_history.exists():
        raise ValidationError(
            _("This calendar is used by agreements; it cannot be deleted."), code="protected"
        )
    audit.record_delete(calendar, CALENDAR_FIELDS, actor=actor)
    calendar.delete()


def china_exceptions(years: Iterable[int]) -> list[dict[str, Any]]:
    """China's statutory holidays and adjusted working days (调休) for `years`, from the
    chinesecalendar package; a ValidationError names a year it does not cover."""
    import chinese_calendar

    exceptions: list[dict[str, Any]] = []
    for year in sorted(set(years)):
        start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
        try:
            holidays = chinese_calendar.get_holidays(start, end, include_weekends=False)
            workdays = chinese_calendar.get_workdays(start, end, include_weekends=True)
            lieu = [day for day in workdays if day.weekday() >= 5]
        except NotImplementedError as error:
            raise ValidationError(
                {
                    "years": _(
                        "China's holiday schedule for %(year)s is not available yet; "
                        "enter its exceptions by hand once it is published."
                    )
                    % {"year": year}
                }
            ) from error
        exceptions += [{"date": day.isoformat(), "working": False} for day in holidays]
        exceptions += [{"date": day.isoformat(), "working": True} for day in lieu]
    return sorted(exceptions, key=lambda item: item["date"])


@transaction.atomic
def import_china_holidays(calendar: Calendar, *, actor: Any, years: Sequence[int]) -> Calendar:
    """Replaces the calendar's exceptions within `years` by China's official schedule;
    exceptions in other years are kept."""
    if not years:
        raise ValidationError({"years": _("Give at least one year.")})
    imported = china_exceptions(years)
    kept = [
        item
        for item in calendar.exceptions
        if int(str(item.get("date", "0"))[:4]) not in set(years)
    ]
    return update_calendar(
        calendar, actor=actor, exceptions=sorted(kept + imported, key=lambda item: item["date"])
    )
