"""SLA records computed from their history.

A record's `segments` list every running or paused stretch since it started. Past
stretches are counted with the calendar version that applied then; the open stretch
with the current one. Nothing here writes: actions.py persists what these return.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from yunwei.sla import clock
from yunwei.sla.models import Calendar, CalendarVersion, SlaRecord

_CACHE: dict[tuple[int, int, str], clock.Calendar] = {}
_CACHE_LIMIT = 512


def calendar_at(calendar_id: int, version: int, current: Calendar | None = None) -> clock.Calendar:
    """The clock calendar of one version. Versions never change, so each is read and
    parsed once per process; the key includes the calendar's creation time so that a
    re-used id (a restored or re-created database) never meets a stale entry."""
    created = (
        current.created_at.isoformat() if current is not None and current.pk == calendar_id else ""
    )
    key = (calendar_id, version, created)
    cached = _CACHE.get(key)
    if cached is not None:
        return cached
    if created and current is not None and current.version == version:
        spec = current.spec()
    else:
        spec = CalendarVersion.objects.get(calendar_id=calendar_id, version=version).spec
    calendar = clock.Calendar.from_spec(
        timezone=spec["timezone"], hours=spec["hours"], exceptions=spec["exceptions"]
    )
    if created:  # only entries we can tell apart from a re-used id are kept
        if len(_CACHE) >= _CACHE_LIMIT:
            _CACHE.clear()
        _CACHE[key] = calendar
    return calendar


def parse(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def segment(
    start: dt.datetime,
    state: str,
    *,
    calendar: Calendar,
    target: int,
    reason: str = "",
) -> dict[str, Any]:
    """One stretch of a record's history, with the calendar (and version) it runs under."""
    return {
        "start": start.isoformat(),
        "end": None,
        "state": state,
        "reason": reason,
        "calendar": calendar.pk,
        "calendar_version": calendar.version,
        "target_minutes": target,
    }


def segment_calendar(record: SlaRecord, seg: dict[str, Any]) -> clock.Calendar:
    return calendar_at(
        seg.get("calendar", record.calendar_id), seg["calendar_version"], record.calendar
    )


def _bounds(seg: dict[str, Any], now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    start = parse(seg["start"])
    assert start is not None
    return start, parse(seg["end"]) or max(now, start)


@dataclass(frozen=True)
class Computed:
    due_at: dt.datetime | None
    warning_at: dt.datetime | None
    elapsed: dt.timedelta  # business time counted up to `now`


def instant_of(record: SlaRecord, budget: dt.timedelta) -> dt.datetime | None:
    """When `budget` of running business time will have been reached (past or future);
    None while the record is paused before reaching it."""
    spent = dt.timedelta()
    for seg in record.segments:
        if seg["state"] != "running":
            continue
        calendar = segment_calendar(record, seg)
        start, end = parse(seg["start"]), parse(seg["end"])
        assert start is not None
        candidate = clock.due_after(start, budget - spent, calendar)
        if end is None or (candidate is not None and candidate <= end):
            return candidate
        spent += clock.elapsed(start, end, calendar)
    return None


def share_of_target(record: SlaRecord, percent: int) -> dt.timedelta:
    return dt.timedelta(minutes=record.target_minutes) * percent / 100


def elapsed(record: SlaRecord, now: dt.datetime) -> dt.timedelta:
    """Running business time counted up to `now`, exactly."""
    total = dt.timedelta()
    for seg in record.segments:
        if seg["state"] == "running":
            start, until = _bounds(seg, now)
            total += clock.elapsed(start, until, segment_calendar(record, seg))
    return total


def timeline(record: SlaRecord, now: dt.datetime) -> list[dict[str, Any]]:
    """Each stretch with its bounds, its calendar and the business minutes it counted
    (paused: 0)."""
    names = dict(
        Calendar.objects.filter(
            pk__in={seg.get("calendar", record.calendar_id) for seg in record.segments}
        ).values_list("pk", "name")
    )
    rows = []
    for seg in record.segments:
        start, until = _bounds(seg, now)
        business = dt.timedelta()
        if seg["state"] == "running":
            business = clock.elapsed(start, until, segment_calendar(record, seg))
        calendar_id = seg.get("calendar", record.calendar_id)
        rows.append(
            {
                **seg,
                "start": start,
                "end": parse(seg["end"]),
                "calendar": {"id": calendar_id, "name": names.get(calendar_id, "")},
                "business_minutes": round(business.total_seconds() / 60, 2),
            }
        )
    return rows


def compute(record: SlaRecord, now: dt.datetime, warning_percent: int) -> Computed:
    return Computed(
        due_at=instant_of(record, share_of_target(record, 100)),
        warning_at=instant_of(record, share_of_target(record, warning_percent)),
        elapsed=elapsed(record, now),
    )


def close_open_segment(segments: Iterable[dict[str, Any]], at: dt.datetime) -> list[dict[str, Any]]:
    closed = [dict(seg) for seg in segments]
    if closed and closed[-1]["end"] is None:
        start = parse(closed[-1]["start"])
        closed[-1]["end"] = max(at, start).isoformat()  # type: ignore[type-var]
    return closed
