"""SLA business-time clock: how much working time lies between two instants, and when a budget
of working minutes runs out.

Pure Python (stdlib ``zoneinfo`` only) so it can be used and tested without Django.

Model
-----
A :class:`Calendar` gives, for every *local* date, the working intervals of that day (weekly
hours, or a dated exception).  A working interval ``[s, e)`` on date ``d`` covers exactly the
real instants at which the wall clock of the calendar's zone shows a time in ``[s, e)`` on ``d``.
So a DST gap inside an interval shortens it (01:00-04:00 on a spring-forward day is 2 h) and an
overlap lengthens it (the same interval on a fall-back day is 4 h): business time is always real
elapsed time.  Internally every instant is an integer number of microseconds since the Unix
epoch, each local day is turned into UTC pieces once (and cached), and the budget is consumed
inside the day that reaches the target in one step - never minute by minute.  Whole weeks with no
exception, pause or UTC-offset change are skipped using the precomputed weekly total.

See docs/sla-clock.md for worked examples.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["WEEKDAYS", "Calendar", "ClockError", "Intervals", "due", "due_after", "elapsed"]

Intervals = tuple[tuple[int, int], ...]
"""Sorted, non-overlapping ``(start_minute, end_minute)`` pairs of a local day (1440 = 24:00)."""

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MINUTES_PER_DAY = 1440
HORIZON_YEARS = 20

_US = timedelta(microseconds=1)
_US_PER_MINUTE = 60_000_000
_US_PER_DAY = 86_400_000_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_HORIZON_DAYS = HORIZON_YEARS * 366
# Every UTC offset in tzdata (LMT included) is within +-16 h, so all instants whose wall date is d
# lie in [d 00:00 - 16 h, d+1 00:00 + 16 h] read as UTC.
_WINDOW_US = 16 * 3_600_000_000
_FOREVER = 2**62  # "no end": later than any representable instant, still an int
_CACHE_LIMIT = 100_000  # cached days per calendar before the cache is reset
_HHMM = re.compile(r"(\d{2}):(\d{2})")


class ClockError(ValueError):
    """Invalid calendar or clock input; ``field`` names the input, e.g. ``hours.mon[1]``."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


# --------------------------------------------------------------------------------------------
# Calendar
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Calendar:
    """Weekly working hours in an IANA time zone, with dated exceptions.

    ``hours`` has 7 entries (Monday..Sunday).  ``exceptions`` maps a local date to that day's
    intervals, replacing the weekly hours: ``()`` is a holiday, a non-empty tuple an adjusted
    working day (调休).  Construction validates and normalises (sorts) everything.
    """

    timezone: str
    hours: tuple[Intervals, ...]
    exceptions: Mapping[date, Intervals] = field(default_factory=dict, hash=False)

    # Derived, not part of the value.
    _zone: ZoneInfo = field(init=False, repr=False, compare=False, hash=False)
    _week_us: int = field(init=False, repr=False, compare=False, hash=False)
    _exception_ordinals: tuple[int, ...] = field(init=False, repr=False, compare=False, hash=False)
    _last_working_exception: int = field(init=False, repr=False, compare=False, hash=False)
    _day_cache: dict[int, Intervals] = field(init=False, repr=False, compare=False, hash=False)
    _offset_cache: dict[int, int] = field(init=False, repr=False, compare=False, hash=False)
    _week_cache: dict[int, int | None] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        set_ = object.__setattr__  # frozen dataclass: derived fields are set once, here
        set_(self, "_zone", _load_zone(self.timezone))
        if (
            not isinstance(self.hours, Sequence)
            or isinstance(self.hours, str)
            or len(self.hours) != 7
        ):
            raise ClockError("hours", "expected 7 entries, Monday to Sunday")
        hours = tuple(
            _check_intervals(day, f"hours.{name}")
            for name, day in zip(WEEKDAYS, self.hours, strict=True)
        )
        set_(self, "hours", hours)

        exceptions: dict[date, Intervals] = {}
        for day in sorted(self.exceptions):
            if not isinstance(day, date) or isinstance(day, datetime):
                raise ClockError(f"exceptions[{day!r}]", "key must be a datetime.date")
            exceptions[day] = _check_intervals(self.exceptions[day], f"exceptions[{day}]")
        set_(self, "exceptions", MappingProxyType(exceptions))

        weekly_minutes = sum(e - s for day in hours for s, e in day)
        set_(self, "_week_us", weekly_minutes * _US_PER_MINUTE)
        set_(self, "_exception_ordinals", tuple(d.toordinal() for d in exceptions))
        working = [d.toordinal() for d, iv in exceptions.items() if iv]
        set_(self, "_last_working_exception", max(working, default=0))
        set_(self, "_day_cache", {})
        set_(self, "_offset_cache", {})
        set_(self, "_week_cache", {})

    def __reduce__(
        self,
    ) -> tuple[type[Calendar], tuple[str, tuple[Intervals, ...], dict[date, Intervals]]]:
        # Pickle/copy the value only (a mappingproxy cannot be pickled; caches are rebuilt).
        return (Calendar, (self.timezone, self.hours, dict(self.exceptions)))

    @classmethod
    def from_spec(
        cls,
        *,
        timezone: str,
        hours: Mapping[str, Sequence[Sequence[str]]],
        exceptions: Sequence[Mapping[str, Any]] = (),
    ) -> Calendar:
        """Build a calendar from JSON-like data.

        ``hours``: ``{"mon": [["09:00", "12:00"], ["13:30", "18:00"]], ...}``; a missing weekday
        has no hours; "24:00" may end a day.  ``exceptions``: ``[{"date": "2026-10-01",
        "working": false}, {"date": "2026-10-10", "working": true, "hours": [["09:00",
        "18:00"]]}]``.  ``working: true`` without ``hours`` uses the hours of the first weekday
        (Monday first) that has any.
        """
        _load_zone(timezone)
        if not isinstance(hours, Mapping):
            raise ClockError("hours", "expected a mapping of weekday to intervals")
        for key in hours:
            if key not in WEEKDAYS:
                raise ClockError(f"hours.{key}", f"unknown weekday; use one of {WEEKDAYS}")
        weekly = tuple(_parse_intervals(hours.get(name, ()), f"hours.{name}") for name in WEEKDAYS)
        default = next((day for day in weekly if day), ())
        return cls(timezone, weekly, _parse_exceptions(exceptions, default))

    @classmethod
    def always(cls, timezone: str = "UTC") -> Calendar:
        """A 24x7 calendar: every instant is business time."""
        return cls(timezone, (((0, MINUTES_PER_DAY),),) * 7)

    def intervals_on(self, day: date) -> Intervals:
        """The local working intervals of ``day`` (exception first, else the weekly hours)."""
        found = self.exceptions.get(day)
        return self.hours[day.weekday()] if found is None else found


def _load_zone(name: object) -> ZoneInfo:
    if not isinstance(name, str) or not name:
        raise ClockError("timezone", "expected an IANA time zone name such as 'Asia/Shanghai'")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ClockError("timezone", f"unknown time zone {name!r}") from None


def _check_intervals(raw: object, field: str) -> Intervals:
    """Validate minute intervals; return them sorted.  Errors name the caller's index."""
    if isinstance(raw, (str, bytes)) or not isinstance(raw, Sequence):
        raise ClockError(field, "expected a sequence of (start, end) pairs")
    indexed: list[tuple[int, int, int]] = []
    for i, pair in enumerate(raw):
        name = f"{field}[{i}]"
        if isinstance(pair, (str, bytes)) or not isinstance(pair, Sequence) or len(pair) != 2:
            raise ClockError(name, "expected a (start, end) pair")
        start, end = pair
        for value in (start, end):
            if not isinstance(value, int) or isinstance(value, bool):
                raise ClockError(name, "minutes must be integers")
        if not 0 <= start < end <= MINUTES_PER_DAY:
            raise ClockError(name, f"need 0 <= start < end <= 1440, got ({start}, {end})")
        indexed.append((start, end, i))
    indexed.sort()
    for (_, prev_end, prev_i), (start, _, i) in pairwise(indexed):
        if start < prev_end:
            raise ClockError(f"{field}[{i}]", f"overlaps {field}[{prev_i}]")
    return tuple((start, end) for start, end, _ in indexed)


def _parse_hhmm(text: object, field: str) -> int:
    match = _HHMM.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise ClockError(field, f"expected a time as 'HH:MM', got {text!r}")
    hour, minute = int(match[1]), int(match[2])
    if (hour, minute) != (24, 0) and (hour > 23 or minute > 59):
        raise ClockError(field, f"no such time {text!r} (00:00 to 24:00)")
    return hour * 60 + minute


def _parse_intervals(raw: object, field: str) -> Intervals:
    if isinstance(raw, (str, bytes)) or not isinstance(raw, Sequence):
        raise ClockError(field, "expected a list of [start, end] pairs")
    pairs = []
    for i, pair in enumerate(raw):
        name = f"{field}[{i}]"
        if isinstance(pair, (str, bytes)) or not isinstance(pair, Sequence) or len(pair) != 2:
            raise ClockError(name, 'expected a pair like ["09:00", "18:00"]')
        start, end = _parse_hhmm(pair[0], name), _parse_hhmm(pair[1], name)
        if start >= end:
            raise ClockError(name, f"start {pair[0]} is not before end {pair[1]}")
        pairs.append((start, end))
    return _check_intervals(pairs, field)


def _parse_exceptions(raw: object, default: Intervals) -> dict[date, Intervals]:
    if isinstance(raw, (str, bytes, Mapping)) or not isinstance(raw, Sequence):
        raise ClockError("exceptions", "expected a list of {date, working, hours} objects")
    result: dict[date, Intervals] = {}
    first_index: dict[date, int] = {}
    for i, item in enumerate(raw):
        name = f"exceptions[{i}]"
        if not isinstance(item, Mapping):
            raise ClockError(name, "expected an object with 'date' and 'working'")
        for key in item:
            if key not in ("date", "working", "hours"):
                raise ClockError(f"{name}.{key}", "unknown key")
        day = _parse_date(item.get("date"), f"{name}.date")
        if day in first_index:
            raise ClockError(f"{name}.date", f"duplicate of exceptions[{first_index[day]}]")
        working = item.get("working")
        if not isinstance(working, bool):
            raise ClockError(f"{name}.working", "expected true or false")
        if not working:
            if item.get("hours"):
                raise ClockError(f"{name}.hours", "a non-working day cannot have hours")
            intervals: Intervals = ()
        elif "hours" in item:
            intervals = _parse_intervals(item["hours"], f"{name}.hours")
            if not intervals:
                raise ClockError(f"{name}.hours", "a working day needs at least one interval")
        elif default:
            intervals = default
        else:
            raise ClockError(f"{name}.hours", "no weekday has hours to use as the default")
        first_index[day] = i
        result[day] = intervals
    return result


def _parse_date(value: object, field: str) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ClockError(field, f"expected a date as 'YYYY-MM-DD', got {value!r}")


# --------------------------------------------------------------------------------------------
# Public clock functions
# --------------------------------------------------------------------------------------------

Pauses = Sequence[tuple[datetime, datetime | None]]


def due(start: datetime, minutes: int, calendar: Calendar, pauses: Pauses = ()) -> datetime | None:
    """The instant (aware, UTC) at which ``minutes`` business minutes have elapsed since ``start``,
    not counting paused time.

    Returns ``None`` when an open-ended pause (end ``None``) begins before the target is reached.
    ``minutes == 0`` gives the first business, unpaused instant at or after ``start`` (``start``
    itself if it is one).  A target that is reached exactly at the end of a working interval is
    that end (18:00), not the next opening.
    """
    if not isinstance(minutes, int) or isinstance(minutes, bool) or minutes < 0:
        raise ClockError("minutes", f"expected a whole number >= 0, got {minutes!r}")
    return due_after(start, timedelta(minutes=minutes), calendar, pauses)


def due_after(
    start: datetime, budget: timedelta, calendar: Calendar, pauses: Pauses = ()
) -> datetime | None:
    """Like :func:`due`, for a budget of business time given to the microsecond (what is left
    of a target after earlier running stretches)."""
    start_us = _instant(start, "start")
    budget_us = budget // _US
    if budget_us < 0:
        raise ClockError("minutes", f"expected a budget >= 0, got {budget}")
    paused = _normalise_pauses(pauses, None)
    first = _local_ordinal(calendar, start_us)
    last = min(first + _HORIZON_DAYS, date.max.toordinal() - 10)
    reached, _ = _walk(calendar, start_us, _FOREVER, budget_us, paused, first, last)
    if reached is None:
        return None
    if reached < 0:
        raise ClockError(
            "minutes", f"{budget} of business time is not reached within {HORIZON_YEARS} years"
        )
    return _EPOCH + timedelta(microseconds=reached)


def elapsed(start: datetime, end: datetime, calendar: Calendar, pauses: Pauses = ()) -> timedelta:
    """Business time in ``[start, end)`` minus pauses (an open-ended pause runs to ``end``)."""
    start_us = _instant(start, "start")
    end_us = _instant(end, "end")
    if end_us < start_us:
        raise ClockError("end", "end is before start")
    paused = _normalise_pauses(pauses, end_us)
    first = _local_ordinal(calendar, start_us)
    last = _local_ordinal(calendar, end_us) + 1  # see _walk: tomorrow can own earlier instants
    _, unspent = _walk(calendar, start_us, end_us, _FOREVER, paused, first, last)
    return timedelta(microseconds=_FOREVER - unspent)


# --------------------------------------------------------------------------------------------
# Engine (integer microseconds since the epoch throughout)
# --------------------------------------------------------------------------------------------


def _instant(value: object, field: str) -> int:
    if not isinstance(value, datetime):
        raise ClockError(field, "expected a datetime")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ClockError(field, "datetime must be timezone-aware")
    return (value - _EPOCH) // _US


def _normalise_pauses(pauses: Pauses, open_end: int | None) -> list[tuple[int, int]]:
    """Sorted, merged pause intervals.  An open pause ends at ``open_end`` (forever if None)."""
    spans = []
    for i, pause in enumerate(pauses):
        name = f"pauses[{i}]"
        if not isinstance(pause, Sequence) or len(pause) != 2:
            raise ClockError(name, "expected a (start, end or None) pair")
        begin = _instant(pause[0], name)
        if pause[1] is None:
            end = _FOREVER if open_end is None else open_end
        else:
            end = _instant(pause[1], name)
            if end < begin:
                raise ClockError(name, "pause ends before it starts")
        if begin < end:
            spans.append((begin, end))
    return list(_merge(spans))


def _walk(
    cal: Calendar,
    start_us: int,
    stop_us: int,
    budget: int,
    pauses: list[tuple[int, int]],
    first: int,
    last: int,
) -> tuple[int | None, int]:
    """Spend ``budget`` business microseconds in ``[start_us, stop_us)``, walking local days in
    order from the day before ``first`` (the local date of ``start_us``) to ``last``.

    Returns ``(instant, 0)`` where the budget ran out, ``(None, unspent)`` if it did not, and
    ``(-1, unspent)`` if it did not and the horizon (``last``) is to blame rather than
    ``stop_us`` or an open-ended pause.

    Local dates almost always follow time order, but a zone that sets clocks back across
    midnight (St. John's did at 00:01 until 2010) gives tomorrow a few instants *before* the
    end of today.  Those are pulled into today's walk, and ``counted`` - the instant up to which
    everything has been counted - keeps them from being counted twice.
    """
    open_from = pauses[-1][0] if pauses and pauses[-1][1] >= _FOREVER else None
    p = 0  # index of the first pause that may still matter
    counted = start_us
    ordinal = first - 1
    while ordinal <= last:
        if stop_us >= _FOREVER and cal._week_us == 0 and ordinal > cal._last_working_exception:
            # due() on a calendar without (further) working time would never finish.
            raise ClockError("hours", "the calendar has no working time left")
        if ordinal > first and budget > cal._week_us:
            skipped = _skip_week(cal, ordinal, stop_us, pauses, p)
            if skipped is not None:
                ordinal += 7
                budget -= cal._week_us
                p = skipped
                continue
        pieces = _day_pieces(cal, ordinal)
        if not pieces:
            ordinal += 1
            continue
        day_end = pieces[-1][1]
        tomorrow = _day_pieces(cal, ordinal + 1)
        if tomorrow and tomorrow[0][0] < day_end:  # clocks set back across midnight
            early = tuple(piece for piece in tomorrow if piece[0] < day_end)
            pieces = tuple(sorted(pieces + early))
            day_end = max(day_end, early[-1][1])
        for begin, end in pieces:
            begin, end = max(begin, counted), min(end, stop_us)
            if begin < end:
                reached, budget, p = _spend(begin, end, budget, pauses, p)
                if reached is not None:
                    return reached, 0
        counted = max(counted, day_end)
        if counted >= stop_us or (open_from is not None and counted > open_from):
            return None, budget  # nothing countable remains
        ordinal += 1
    return (None if stop_us < _FOREVER or open_from is not None else -1), budget


def _spend(
    begin: int, end: int, budget: int, pauses: list[tuple[int, int]], p: int
) -> tuple[int | None, int, int]:
    """Spend the unpaused part of ``[begin, end)``; return (instant reached or None, budget, p)."""
    count = len(pauses)
    while p < count and pauses[p][1] <= begin:
        p += 1
    at = begin
    while at < end:
        if p < count and pauses[p][0] < end:
            pause_start, pause_end = pauses[p]
            if pause_start > at:
                if pause_start - at >= budget:
                    return at + budget, 0, p
                budget -= pause_start - at
            at = max(at, pause_end)
            if pause_end <= end:
                p += 1
        else:
            if end - at >= budget:
                return at + budget, 0, p
            return None, budget - (end - at), p
    return None, budget, p


def _skip_week(
    cal: Calendar, ordinal: int, stop_us: int, pauses: list[tuple[int, int]], p: int
) -> int | None:
    """If the 7 local days from ``ordinal`` are plain weekly hours - no exception, no pause, no
    UTC-offset change, all before ``stop_us`` - return the pause index after them, else None.
    The caller then takes the precomputed weekly total instead of walking the days."""
    exceptions = cal._exception_ordinals
    i = bisect_left(exceptions, ordinal)
    if i < len(exceptions) and exceptions[i] < ordinal + 7:
        return None
    offset = _week_offset(cal, ordinal)
    if offset is None:
        return None  # a DST (or any offset) change inside: walk it day by day
    week_start = (ordinal - _EPOCH_ORDINAL) * _US_PER_DAY - offset
    week_end = week_start + 7 * _US_PER_DAY
    if week_end > stop_us:
        return None
    while p < len(pauses) and pauses[p][1] <= week_start:
        p += 1
    if p < len(pauses) and pauses[p][0] < week_end:
        return None
    return p


def _local_ordinal(cal: Calendar, instant_us: int) -> int:
    return (_EPOCH + timedelta(microseconds=instant_us)).astimezone(cal._zone).toordinal()


def _offset_us(cal: Calendar, instant_us: int) -> int:
    """UTC offset of the calendar's zone at an instant, in microseconds (cached)."""
    cached = cal._offset_cache.get(instant_us)
    if cached is None:
        if len(cal._offset_cache) >= _CACHE_LIMIT:
            cal._offset_cache.clear()
        local = (_EPOCH + timedelta(microseconds=instant_us)).astimezone(cal._zone)
        cached = cal._offset_cache[instant_us] = local.utcoffset() // _US  # type: ignore[operator]
    return cached


def _probes(ordinal: int, days: int) -> list[int]:
    """Instants, at most 24 h apart, spanning every instant whose wall date is in
    ``ordinal .. ordinal + days - 1``.  They fall on a daily grid, so they are shared (and
    cached) between neighbouring days and weeks."""
    low = (ordinal - _EPOCH_ORDINAL) * _US_PER_DAY - _WINDOW_US
    high = low + days * _US_PER_DAY + 2 * _WINDOW_US
    grid = [low + k * _US_PER_DAY for k in range(days + 2) if low + k * _US_PER_DAY < high]
    return [*grid, high]


def _steady_offset(cal: Calendar, ordinal: int, days: int) -> int | None:
    """The zone's offset if it is the same at every probe of those days, else None.  Assumes an
    offset never changes and changes back between two probes (24 h): in tzdata the closest two
    offset changes of any zone are about 4 days apart."""
    probes = _probes(ordinal, days)
    offset = _offset_us(cal, probes[0])
    return offset if all(_offset_us(cal, t) == offset for t in probes[1:]) else None


def _week_offset(cal: Calendar, ordinal: int) -> int | None:
    """``_steady_offset`` of the 7 days from ``ordinal`` (cached: long targets revisit weeks)."""
    cache = cal._week_cache
    try:
        return cache[ordinal]
    except KeyError:
        pass
    if len(cache) >= _CACHE_LIMIT:
        cache.clear()
    offset = cache[ordinal] = _steady_offset(cal, ordinal, 7)
    return offset


def _day_pieces(cal: Calendar, ordinal: int) -> Intervals:
    """The UTC pieces (microseconds) of one local day's working intervals (cached)."""
    pieces = cal._day_cache.get(ordinal)
    if pieces is None:
        if len(cal._day_cache) >= _CACHE_LIMIT:
            cal._day_cache.clear()
        pieces = cal._day_cache[ordinal] = _compute_day(cal, ordinal)
    return pieces


def _compute_day(cal: Calendar, ordinal: int) -> Intervals:
    intervals = cal.intervals_on(date.fromordinal(ordinal))
    if not intervals:
        return ()
    midnight = (ordinal - _EPOCH_ORDINAL) * _US_PER_DAY  # local midnight, as if it were UTC
    offset = _steady_offset(cal, ordinal, 1)
    if offset is not None:  # the usual day: one offset throughout
        return tuple(
            (midnight + s * _US_PER_MINUTE - offset, midnight + e * _US_PER_MINUTE - offset)
            for s, e in intervals
        )
    # A transition day: cut the window into constant-offset segments and map each wall interval
    # through every segment; the parts that land inside their segment are the real instants.
    segments = _offset_segments(cal, _probes(ordinal, 1))
    pieces: list[tuple[int, int]] = []
    for s, e in intervals:
        wall_start, wall_end = midnight + s * _US_PER_MINUTE, midnight + e * _US_PER_MINUTE
        for seg_start, seg_end, seg_offset in segments:
            begin = max(wall_start - seg_offset, seg_start)
            end = min(wall_end - seg_offset, seg_end)
            if begin < end:
                pieces.append((begin, end))
    return _merge(pieces)


def _merge(spans: list[tuple[int, int]]) -> Intervals:
    """Sort and join touching spans (a gap inside 01:00-04:00 leaves two halves that touch)."""
    merged: list[tuple[int, int]] = []
    for begin, end in sorted(spans):
        if merged and begin <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((begin, end))
    return tuple(merged)


def _offset_segments(cal: Calendar, probes: list[int]) -> list[tuple[int, int, int]]:
    """``(start, end, offset)`` segments covering the probed span.  Each change between two
    probes is located by bisection to the second (tzdata transitions fall on whole seconds)."""
    cuts: list[tuple[int, int]] = []  # (instant, offset from then on)

    def bisect(left: int, right: int, left_offset: int, right_offset: int) -> None:
        if left_offset == right_offset:
            return
        if right - left <= 1_000_000:
            cuts.append((right, right_offset))
            return
        mid = (left + right) // 2_000_000 * 1_000_000
        mid_offset = _offset_us(cal, mid)
        bisect(left, mid, left_offset, mid_offset)
        bisect(mid, right, mid_offset, right_offset)

    offsets = [_offset_us(cal, t) for t in probes]
    for i in range(len(probes) - 1):
        bisect(probes[i], probes[i + 1], offsets[i], offsets[i + 1])
    starts = [(probes[0], offsets[0]), *cuts]
    ends = [instant for instant, _ in cuts] + [probes[-1]]
    return [(start, end, offset) for (start, offset), end in zip(starts, ends, strict=True)]
