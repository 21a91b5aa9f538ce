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
    start: dt.datetime, state: str, *, calendar_version: int, target: int, reason: str = ""
) -> dict[str, Any]:
    return {
        "start": start.isoformat(),
        "end": None,
        "state": state,
        "reason": reason,
        "calendar_version": calendar_version,
        "target_minutes": target,
    }


@dataclass(frozen=True)
class Computed:
    due_at: dt.datetime | None
    warning_at: dt.datetime | None
    elapsed: dt.timedelta  # business time counted up to `now`


def instant_of(
    record: SlaRecord, minutes: int, calendars: dict[int, clock.Calendar]
) -> dt.datetime | None:
    """When `minutes` business minutes of running time will have been reached (past or
    future); None while the record is paused before reaching them."""
    spent = dt.timedelta()
    budget = dt.timedelta(minutes=minutes)
    for seg in record.segments:
        if seg["state"] != "running":
            continue
        calendar = calendars[seg["calendar_version"]]
        start, end = parse(seg["start"]), parse(seg["end"])
        assert start is not None
        candidate = clock.due_after(start, budget - spent, calendar)
        if end is None or (candidate is not None and candidate <= end):
            return candidate
        spent += clock.elapsed(start, end, calendar)
    return None


def compute(record: SlaRecord, now: dt.datetime, warning_percent: int) -> Computed:
    calendars = {
        version: calendar_at(record.calendar_id, version, record.calendar)
        for version in {seg["calendar_version"] for seg in record.segments}
    }
    elapsed = dt.timedelta()
    for seg in record.segments:
        if seg["state"] == "running":
            start = parse(seg["start"])
            end = parse(seg["end"]) or max(now, start)  # type: ignore[type-var]
            elapsed += clock.elapsed(start, end, calendars[seg["calendar_version"]])  # type: ignore[arg-type]
    due = instant_of(record, record.target_minutes, calendars)
    warning = instant_of(record, record.target_minutes * warning_percent // 100, calendars)
    return Computed(due_at=due, warning_at=warning, elapsed=elapsed)


def close_open_segment(segments: Iterable[dict[str, Any]], at: dt.datetime) -> list[dict[str, Any]]:
    closed = [dict(seg) for seg in segments]
    if closed and closed[-1]["end"] is None:
        start = parse(closed[-1]["start"])
        closed[-1]["end"] = max(at, start).isoformat()  # type: ignore[type-var]
    return closed
