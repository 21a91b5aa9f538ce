"""SLA records computed from their history.

A record's `segments` list every running or paused stretch since it started. Past
stretches are counted with the calendar version that applied then; the open stretch
with the current one. Nothing here writes: actions.py persists what these return.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from yunwei.sla import clock
from yunwei.sla.models import Calendar, CalendarVersion, SlaRecord


@lru_cache(maxsize=256)
def _clock_calendar(calendar_id: int, version: int, spec_key: str) -> clock.Calendar:
    import json

    spec = json.loads(spec_key)
    return clock.Calendar.from_spec(
        timezone=spec["timezone"], hours=spec["hours"], exceptions=spec["exceptions"]
    )


def calendar_at(calendar_id: int, version: int, current: Calendar | None = None) -> clock.Calendar:
    """The clock calendar of one version (cached per process: versions never change)."""
    import json

    if current is not None and current.pk == calendar_id and current.version == version:
        spec = current.spec()
    else:
        spec = CalendarVersion.objects.get(calendar_id=calendar_id, version=version).spec
    return _clock_calendar(calendar_id, version, json.dumps(spec, sort_keys=True))


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


def instant_of(record: SlaRecord, minutes: int) -> dt.datetime | None:
    """When `minutes` business minutes of running time will have been reached (past or
    future); None while the record is paused before reaching them."""
    spent = dt.timedelta()
    budget = dt.timedelta(minutes=minutes)
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


def timeline(record: SlaRecord, now: dt.datetime) -> list[dict[str, Any]]:
    """Each stretch with its bounds and the business minutes it counted (paused: 0)."""
    rows = []
    for seg in record.segments:
        start, until = _bounds(seg, now)
        business = dt.timedelta()
        if seg["state"] == "running":
            business = clock.elapsed(start, until, segment_calendar(record, seg))
        rows.append(
            {
                **seg,
                "start": start,
                "end": parse(seg["end"]),
                "business_minutes": round(business.total_seconds() / 60, 2),
            }
        )
    return rows


def compute(record: SlaRecord, now: dt.datetime, warning_percent: int) -> Computed:
    elapsed = sum((row["business_minutes"] for row in timeline(record, now)), 0.0)
    return Computed(
        due_at=instant_of(record, record.target_minutes),
        warning_at=instant_of(record, record.target_minutes * warning_percent // 100),
        elapsed=dt.timedelta(minutes=elapsed),
    )


def close_open_segment(segments: Iterable[dict[str, Any]], at: dt.datetime) -> list[dict[str, Any]]:
    closed = [dict(seg) for seg in segments]
    if closed and closed[-1]["end"] is None:
        start = parse(closed[-1]["start"])
        closed[-1]["end"] = max(at, start).isoformat()  # type: ignore[type-var]
    return closed
