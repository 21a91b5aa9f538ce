"""Tests for the SLA business-time clock: pure Python, no database or Django settings needed."""

from __future__ import annotations

import copy
import pickle
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yunwei.sla.clock import Calendar, ClockError, due, due_after, elapsed

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
WORKDAYS = ("mon", "tue", "wed", "thu", "fri")
NINE_TO_SIX = [["09:00", "18:00"]]
WITH_LUNCH = [["09:00", "12:00"], ["13:30", "18:00"]]
Pause = tuple[datetime, datetime | None]

# China's 2026 Mid-Autumn and National Day arrangement (国务院办公厅, checked against the
# chinesecalendar package in test_holiday_fixture_matches_chinese_calendar): Sep 25 (Fri) and
# Oct 1-7 are off; Sun Sep 20 and Sat Oct 10 are adjusted working days (调休); Thu Oct 8 is an
# ordinary working day.
HOLIDAYS_2026 = [date(2026, 9, 25), *(date(2026, 10, day) for day in range(1, 8))]
ADJUSTED_WORKDAYS_2026 = [date(2026, 9, 20), date(2026, 10, 10)]


def at(
    zone: ZoneInfo,
    year: int,
    month: int,
    day: int,
    hour: int = 0,
    minute: int = 0,
    second: int = 0,
    *,
    fold: int = 0,
) -> datetime:
    """An aware datetime: ``at(SHANGHAI, 2026, 9, 30, 17)``."""
    return datetime(year, month, day, hour, minute, second, tzinfo=zone, fold=fold)


def sh(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return at(SHANGHAI, year, month, day, hour, minute)


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return at(ZoneInfo("UTC"), year, month, day, hour, minute, second)


def weekdays(intervals: list[list[str]]) -> dict[str, list[list[str]]]:
    return dict.fromkeys(WORKDAYS, intervals)


def china_exceptions() -> list[dict[str, Any]]:
    off = [{"date": d.isoformat(), "working": False} for d in HOLIDAYS_2026]
    on = [{"date": d.isoformat(), "working": True} for d in ADJUSTED_WORKDAYS_2026]
    return off + on


CHINA = Calendar.from_spec(
    timezone="Asia/Shanghai", hours=weekdays(NINE_TO_SIX), exceptions=china_exceptions()
)
CHINA_LUNCH = Calendar.from_spec(
    timezone="Asia/Shanghai", hours=weekdays(WITH_LUNCH), exceptions=china_exceptions()
)
PLAIN = Calendar.from_spec(timezone="Asia/Shanghai", hours=weekdays(NINE_TO_SIX), exceptions=[])
LUNCH = Calendar.from_spec(timezone="Asia/Shanghai", hours=weekdays(WITH_LUNCH), exceptions=[])
NY_ALWAYS = Calendar.always("America/New_York")
NY_NIGHT = Calendar.from_spec(
    timezone="America/New_York",
    hours={day: [["01:00", "04:00"]] for day in (*WORKDAYS, "sat", "sun")},
    exceptions=[],
)
BERLIN_ALWAYS = Calendar.always("Europe/Berlin")
BERLIN_SPLIT = Calendar.from_spec(
    timezone="Europe/Berlin",
    hours={
        **{day: [["01:00", "04:00"], ["09:00", "17:00"]] for day in WORKDAYS},
        "sun": [["01:00", "04:00"]],
    },
    exceptions=[{"date": "2026-03-30", "working": False}],
)


# --------------------------------------------------------------------------------------------
# China 2026: the customer's cases and the holiday fixture itself
# --------------------------------------------------------------------------------------------


def test_holiday_fixture_matches_chinese_calendar() -> None:
    chinese_calendar = pytest.importorskip("chinese_calendar")
    day = date(2026, 9, 14)
    while day <= date(2026, 10, 18):
        expected = day.weekday() < 5
        if day in HOLIDAYS_2026:
            expected = False
        if day in ADJUSTED_WORKDAYS_2026:
            expected = True
        assert chinese_calendar.is_workday(day) is expected, day
        day += timedelta(days=1)


def test_oct_8_2026_is_a_working_day_and_oct_1_to_7_are_off() -> None:
    assert date(2026, 10, 8) not in HOLIDAYS_2026
    assert CHINA.intervals_on(date(2026, 10, 8)) == ((540, 1080),)
    assert all(CHINA.intervals_on(date(2026, 10, day)) == () for day in range(1, 8))
    assert CHINA.intervals_on(date(2026, 10, 10)) == ((540, 1080),)


@pytest.mark.parametrize(
    ("start", "minutes", "expected"),
    [
        # The customer's cases.
        (sh(2026, 9, 30, 17), 240, sh(2026, 10, 8, 12)),
        (sh(2026, 10, 9, 17), 240, sh(2026, 10, 10, 12)),
        # Working Saturday -> Sunday off -> Monday.
        (sh(2026, 10, 10, 17), 120, sh(2026, 10, 12, 10)),
        # Start inside the holiday.
        (sh(2026, 10, 3, 10), 60, sh(2026, 10, 8, 10)),
        # Mid-Autumn Friday, then the weekend.
        (sh(2026, 9, 24, 17), 120, sh(2026, 9, 28, 10)),
        # Saturday start, adjusted working Sunday Sep 20.
        (sh(2026, 9, 19, 10), 60, sh(2026, 9, 20, 10)),
        # Before opening; ends exactly at closing time (18:00, not next morning).
        (sh(2026, 9, 30, 8), 540, sh(2026, 9, 30, 18)),
        # Zero minutes after closing: the next opening.
        (sh(2026, 9, 30, 18), 0, sh(2026, 10, 8, 9)),
        # Zero minutes inside working time: start itself.
        (sh(2026, 10, 8, 10, 15), 0, sh(2026, 10, 8, 10, 15)),
    ],
)
def test_due_on_the_china_2026_calendar(start: datetime, minutes: int, expected: datetime) -> None:
    result = due(start, minutes, CHINA)
    assert result == expected
    assert result is not None
    assert result.tzinfo is UTC


def test_the_first_customer_case_in_utc_terms() -> None:
    assert due(utc(2026, 9, 30, 9), 240, CHINA) == utc(2026, 10, 8, 4)


def test_elapsed_across_national_day_counts_only_working_days() -> None:
    # Sep 30, Oct 8, Oct 9 and the working Saturday Oct 10: 4 x 9 h.
    assert elapsed(sh(2026, 9, 30, 9), sh(2026, 10, 12, 9), CHINA) == timedelta(hours=36)


def test_a_start_given_in_another_zone_means_the_same_instant() -> None:
    assert due(sh(2026, 9, 30, 17).astimezone(NEW_YORK), 240, CHINA) == sh(2026, 10, 8, 12)


# --------------------------------------------------------------------------------------------
# Two intervals a day
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "minutes", "expected"),
    [
        (sh(2026, 11, 2, 11), 120, sh(2026, 11, 2, 14, 30)),  # lunch 12:00-13:30 skipped
        (sh(2026, 11, 2, 11), 60, sh(2026, 11, 2, 12)),  # ends at lunch, not after it
        (sh(2026, 11, 2, 12, 30), 30, sh(2026, 11, 2, 14)),  # start during lunch
        (sh(2026, 11, 2, 7), 60, sh(2026, 11, 2, 10)),  # start before opening
        (sh(2026, 11, 7, 10), 60, sh(2026, 11, 9, 10)),  # start on a Saturday
        (sh(2026, 11, 6, 17), 120, sh(2026, 11, 9, 10)),  # over the weekend
        (sh(2026, 11, 2, 9), 450, sh(2026, 11, 2, 18)),  # one full day is 7.5 h
        (sh(2026, 11, 2, 9), 451, sh(2026, 11, 3, 9, 1)),
    ],
)
def test_due_with_a_lunch_break(start: datetime, minutes: int, expected: datetime) -> None:
    assert due(start, minutes, LUNCH) == expected


def test_due_from_inside_a_holiday_with_a_lunch_break() -> None:
    assert due(sh(2026, 10, 1, 12), 240, CHINA_LUNCH) == sh(2026, 10, 8, 14, 30)


def test_elapsed_with_a_lunch_break_counts_seven_and_a_half_hours_a_day() -> None:
    assert elapsed(sh(2026, 11, 2, 8), sh(2026, 11, 2, 20), LUNCH) == timedelta(hours=7.5)
    assert elapsed(sh(2026, 11, 2, 0), sh(2026, 11, 9, 0), LUNCH) == timedelta(hours=37.5)


def test_a_working_exception_without_hours_uses_the_first_weekday_with_hours() -> None:
    calendar = Calendar.from_spec(
        timezone="Asia/Shanghai",
        hours={"tue": WITH_LUNCH, "wed": NINE_TO_SIX},
        exceptions=[{"date": "2026-11-07", "working": True}],
    )
    assert calendar.intervals_on(date(2026, 11, 7)) == ((540, 720), (810, 1080))


def test_exception_hours_replace_the_weekday_hours() -> None:
    calendar = Calendar.from_spec(
        timezone="Asia/Shanghai",
        hours=weekdays(NINE_TO_SIX),
        exceptions=[{"date": "2026-11-02", "working": True, "hours": [["14:00", "16:00"]]}],
    )
    assert due(sh(2026, 11, 2, 9), 180, calendar) == sh(2026, 11, 3, 10)


# --------------------------------------------------------------------------------------------
# Pauses
# --------------------------------------------------------------------------------------------


def test_a_thirty_minute_pause_on_a_working_day_moves_due_by_thirty_minutes() -> None:
    start = sh(2026, 11, 2, 9)
    assert due(start, 240, PLAIN) == sh(2026, 11, 2, 13)
    pause = (sh(2026, 11, 2, 10), sh(2026, 11, 2, 10, 30))
    assert due(start, 240, PLAIN, [pause]) == sh(2026, 11, 2, 13, 30)


def test_a_pause_that_pushes_work_over_closing_time_continues_next_morning() -> None:
    pause = (sh(2026, 11, 2, 17, 30), sh(2026, 11, 2, 19))
    assert due(sh(2026, 11, 2, 17), 60, PLAIN, [pause]) == sh(2026, 11, 3, 9, 30)


@pytest.mark.parametrize(
    "pause",
    [
        (sh(2026, 11, 2, 19), sh(2026, 11, 2, 22)),  # evening
        (sh(2026, 11, 7, 0), sh(2026, 11, 9, 9)),  # weekend up to opening
        (sh(2026, 11, 2, 12), sh(2026, 11, 2, 13, 30)),  # exactly the lunch break
        (sh(2026, 11, 1, 9), sh(2026, 11, 2, 8)),  # before start
    ],
)
def test_a_pause_outside_working_time_moves_nothing(pause: Pause) -> None:
    assert due(sh(2026, 11, 2, 9), 600, LUNCH, [pause]) == sh(2026, 11, 3, 11, 30)
    assert due(sh(2026, 11, 2, 9), 600, LUNCH) == sh(2026, 11, 3, 11, 30)


def test_overlapping_pauses_count_once() -> None:
    pauses = [
        (sh(2026, 11, 2, 10), sh(2026, 11, 2, 10, 30)),
        (sh(2026, 11, 2, 10, 15), sh(2026, 11, 2, 11)),
    ]
    assert due(sh(2026, 11, 2, 9), 240, PLAIN, pauses) == sh(2026, 11, 2, 14)


def test_an_open_pause_before_the_target_gives_no_due_time() -> None:
    assert due(sh(2026, 11, 2, 9), 240, PLAIN, [(sh(2026, 11, 2, 10), None)]) is None
    assert due(sh(2026, 11, 2, 9), 0, PLAIN, [(sh(2026, 11, 1, 10), None)]) is None


def test_an_open_pause_after_the_target_changes_nothing() -> None:
    assert due(sh(2026, 11, 2, 9), 240, PLAIN, [(sh(2026, 11, 2, 14), None)]) == sh(2026, 11, 2, 13)
    assert due(sh(2026, 11, 2, 9), 240, PLAIN, [(sh(2026, 11, 2, 13), None)]) == sh(2026, 11, 2, 13)


def test_zero_minutes_while_paused_is_the_end_of_the_pause() -> None:
    pause = (sh(2026, 11, 2, 9), sh(2026, 11, 2, 9, 45))
    assert due(sh(2026, 11, 2, 9, 10), 0, PLAIN, [pause]) == sh(2026, 11, 2, 9, 45)


def test_elapsed_subtracts_pauses_and_runs_an_open_pause_to_the_end() -> None:
    start, end = sh(2026, 11, 2, 9), sh(2026, 11, 2, 18)
    assert elapsed(start, end, PLAIN, [(sh(2026, 11, 2, 17), None)]) == timedelta(hours=8)
    pause = (sh(2026, 11, 2, 11), sh(2026, 11, 2, 14))
    assert elapsed(start, end, LUNCH, [pause]) == timedelta(hours=6)


# --------------------------------------------------------------------------------------------
# 24x7, "24:00" and daylight saving time
# --------------------------------------------------------------------------------------------


def test_a_24x7_calendar_counts_wall_clock_time() -> None:
    calendar = Calendar.always()
    assert due(utc(2026, 1, 1), 90, calendar) == utc(2026, 1, 1, 1, 30)
    assert elapsed(utc(2026, 1, 1), utc(2026, 1, 8), calendar) == timedelta(days=7)
    assert due(utc(2026, 1, 1, 0, 0, 7), 0, calendar) == utc(2026, 1, 1, 0, 0, 7)


def test_24_00_ends_the_day_and_work_runs_on_past_midnight() -> None:
    calendar = Calendar.from_spec(
        timezone="Asia/Shanghai",
        hours={"mon": [["18:00", "24:00"]], "tue": [["00:00", "06:00"]]},
        exceptions=[],
    )
    assert calendar.hours[0] == ((1080, 1440),)
    assert due(sh(2026, 11, 2, 23), 120, calendar) == sh(2026, 11, 3, 1)
    assert due(sh(2026, 11, 2, 18), 360, calendar) == sh(2026, 11, 3, 0)
    assert elapsed(sh(2026, 11, 2, 12), sh(2026, 11, 3, 12), calendar) == timedelta(hours=12)


@pytest.mark.parametrize(
    ("calendar", "day", "hours"),
    [
        (NY_ALWAYS, date(2026, 3, 8), 23),  # spring forward: 02:00 -> 03:00
        (NY_ALWAYS, date(2026, 11, 1), 25),  # fall back: 02:00 -> 01:00
        (NY_ALWAYS, date(2026, 7, 1), 24),
        (NY_NIGHT, date(2026, 3, 8), 2),  # 01:00-04:00 loses the missing hour
        (NY_NIGHT, date(2026, 11, 1), 4),  # and gains the repeated one
        (NY_NIGHT, date(2026, 7, 1), 3),
        (BERLIN_ALWAYS, date(2026, 3, 29), 23),
        (BERLIN_ALWAYS, date(2026, 10, 25), 25),
        (BERLIN_SPLIT, date(2026, 3, 29), 2),  # Sunday: only 01:00-04:00, 02:00-03:00 missing
        (BERLIN_SPLIT, date(2026, 10, 25), 4),
    ],
)
def test_a_dst_day_counts_real_elapsed_time(calendar: Calendar, day: date, hours: int) -> None:
    zone = ZoneInfo(calendar.timezone)
    start = datetime.combine(day, datetime.min.time(), zone)
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), zone)
    assert elapsed(start, end, calendar) == timedelta(hours=hours)


@pytest.mark.parametrize(
    "start",
    [
        at(NEW_YORK, 2026, 3, 7, 23),
        at(NEW_YORK, 2026, 3, 8, 1, 30),
        at(NEW_YORK, 2026, 10, 31, 23),
        at(NEW_YORK, 2026, 11, 1, 1, 30),
        at(NEW_YORK, 2026, 11, 1, 1, 30, fold=1),
    ],
)
def test_24x7_due_across_dst_is_start_plus_real_minutes(start: datetime) -> None:
    for minutes in (0, 30, 60, 150, 1440, 2000):
        # Aware arithmetic in one zone is wall-clock arithmetic in Python; go through UTC.
        assert due(start, minutes, NY_ALWAYS) == start.astimezone(UTC) + timedelta(minutes=minutes)


def test_spring_forward_skips_the_missing_hour_inside_a_night_interval() -> None:
    # 01:00 EST + 60 min = 02:00 EST, which is 03:00 EDT; 30 more minutes -> 03:30 EDT.
    result = due(at(NEW_YORK, 2026, 3, 8), 90, NY_NIGHT)
    assert result == utc(2026, 3, 8, 7, 30)
    assert result == at(NEW_YORK, 2026, 3, 8, 3, 30)
    # Only 2 h that night: 150 minutes end 30 minutes into the next night.
    assert due(at(NEW_YORK, 2026, 3, 8), 150, NY_NIGHT) == at(NEW_YORK, 2026, 3, 9, 1, 30)


def test_fall_back_counts_the_repeated_hour_inside_a_night_interval() -> None:
    # 01:00 EDT (05:00 UTC) + 90 min = 06:30 UTC, which is the second 01:30 (EST).
    result = due(at(NEW_YORK, 2026, 11, 1), 90, NY_NIGHT)
    assert result == utc(2026, 11, 1, 6, 30)
    # Python never finds an instant in a fold equal to one in another zone (PEP 495), so the
    # expected local time is converted to UTC before comparing.
    assert result == at(NEW_YORK, 2026, 11, 1, 1, 30, fold=1).astimezone(UTC)
    assert due(at(NEW_YORK, 2026, 11, 1), 240, NY_NIGHT) == at(NEW_YORK, 2026, 11, 1, 4)


def test_an_interval_inside_the_spring_gap_has_no_time_that_day() -> None:
    calendar = Calendar.from_spec(
        timezone="America/New_York",
        hours={day: [["02:00", "03:00"]] for day in (*WORKDAYS, "sat", "sun")},
        exceptions=[],
    )
    day_start, next_day = at(NEW_YORK, 2026, 3, 8), at(NEW_YORK, 2026, 3, 9)
    assert elapsed(day_start, next_day, calendar) == timedelta(0)
    assert due(day_start, 30, calendar) == at(NEW_YORK, 2026, 3, 9, 2, 30)


def test_berlin_split_days_across_both_transitions() -> None:
    # Fri 2026-03-27 16:00 + 300: 60 on Friday, nothing on Saturday, Sunday's 01:00-04:00 is
    # only 2 h (120), Monday Mar 30 is an exception holiday, then Tuesday 01:00-03:00 (120).
    assert due(at(BERLIN, 2026, 3, 27, 16), 60, BERLIN_SPLIT) == at(BERLIN, 2026, 3, 27, 17)
    assert due(at(BERLIN, 2026, 3, 27, 16), 300, BERLIN_SPLIT) == at(BERLIN, 2026, 3, 31, 3)
    # Sun 2026-10-25 01:00-04:00 lasts 4 h: 01:00 CEST + 150 min = 02:30 CET (second 02:30).
    result = due(at(BERLIN, 2026, 10, 24, 12), 150, BERLIN_SPLIT)
    assert result == at(BERLIN, 2026, 10, 25, 2, 30, fold=1).astimezone(UTC)
    assert result == utc(2026, 10, 25, 1, 30)


def test_due_far_ahead_is_exact_and_uses_whole_weeks() -> None:
    start = sh(2026, 1, 5, 9)  # a Monday
    weeks = 520
    expected = start + timedelta(weeks=weeks, days=-3, hours=9)  # the last Friday, 18:00
    assert due(start, 540 * 5 * weeks, PLAIN) == expected
    assert due(utc(2026, 1, 1), 60 * 24 * 365 * 10, Calendar.always()) == utc(2035, 12, 30)


# --------------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------------

PROPERTY_CALENDARS = [CHINA, CHINA_LUNCH, NY_ALWAYS, NY_NIGHT, BERLIN_SPLIT]
PART_TIME_CALENDARS = [CHINA, CHINA_LUNCH, NY_NIGHT, BERLIN_SPLIT]
# Feb 15 - Nov 20 2026: both DST transitions and the Chinese holidays.
FIRST_US = int(utc(2026, 2, 15).timestamp()) * 1_000_000
LAST_US = int(utc(2026, 11, 20).timestamp()) * 1_000_000


def from_us(micros: int, zone: ZoneInfo) -> datetime:
    return (datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=micros)).astimezone(zone)


@st.composite
def instants(draw: st.DrawFn, zone: ZoneInfo) -> datetime:
    micros = draw(st.integers(FIRST_US, LAST_US))
    if draw(st.booleans()):
        micros -= micros % 60_000_000  # whole minutes hit the edges of intervals more often
    return from_us(micros, zone)


@st.composite
def pause_lists(draw: st.DrawFn, zone: ZoneInfo, open_allowed: bool = True) -> list[Pause]:
    pauses: list[Pause] = []
    for _ in range(draw(st.integers(0, 3))):
        begin = draw(instants(zone))
        if open_allowed and draw(st.integers(0, 9)) == 0:
            pauses.append((begin, None))
        else:
            pauses.append((begin, begin + timedelta(minutes=draw(st.integers(0, 4000)))))
    return pauses


@st.composite
def scenarios(
    draw: st.DrawFn, calendars: list[Calendar] = PROPERTY_CALENDARS, open_allowed: bool = True
) -> tuple[Calendar, datetime, list[Pause]]:
    calendar = draw(st.sampled_from(calendars))
    zone = ZoneInfo(calendar.timezone)
    return calendar, draw(instants(zone)), draw(pause_lists(zone, open_allowed))


def later(result: datetime | None) -> datetime:
    """None (no due time) sorts after every instant."""
    return datetime.max.replace(tzinfo=UTC) if result is None else result


@settings(max_examples=200, deadline=None)
@given(scenarios(), st.integers(0, 6000))
def test_elapsed_until_due_is_the_requested_minutes(
    scenario: tuple[Calendar, datetime, list[Pause]], minutes: int
) -> None:
    calendar, start, pauses = scenario
    result = due(start, minutes, calendar, pauses)
    if result is None:
        assert any(end is None for _, end in pauses)
    else:
        assert result >= start.astimezone(UTC)
        assert elapsed(start, result, calendar, pauses) == timedelta(minutes=minutes)


@settings(max_examples=200, deadline=None)
@given(scenarios(), st.integers(0, 6000), st.integers(0, 6000))
def test_due_never_decreases_as_minutes_grow(
    scenario: tuple[Calendar, datetime, list[Pause]], first: int, second: int
) -> None:
    calendar, start, pauses = scenario
    low, high = sorted((first, second))
    assert later(due(start, low, calendar, pauses)) <= later(due(start, high, calendar, pauses))


@settings(max_examples=200, deadline=None)
@given(scenarios(), st.integers(0, 6000), st.data())
def test_adding_a_pause_never_makes_due_earlier(
    scenario: tuple[Calendar, datetime, list[Pause]], minutes: int, data: st.DataObject
) -> None:
    calendar, start, pauses = scenario
    extra = data.draw(pause_lists(ZoneInfo(calendar.timezone)).filter(bool))[0]
    before = due(start, minutes, calendar, pauses)
    assert later(due(start, minutes, calendar, [*pauses, extra])) >= later(before)


@settings(max_examples=200, deadline=None)
@given(scenarios(PART_TIME_CALENDARS), st.integers(0, 6000), st.data())
def test_a_pause_outside_working_time_never_moves_due(
    scenario: tuple[Calendar, datetime, list[Pause]], minutes: int, data: st.DataObject
) -> None:
    calendar, start, pauses = scenario
    # From any instant up to the next business instant is, by definition, outside working time.
    pause_start = data.draw(instants(ZoneInfo(calendar.timezone)))
    pause_end = due(pause_start, 0, calendar)
    assert pause_end is not None
    assert elapsed(pause_start, pause_end, calendar) == timedelta(0)
    before = due(start, minutes, calendar, pauses)
    assert due(start, minutes, calendar, [*pauses, (pause_start, pause_end)]) == before


@settings(max_examples=200, deadline=None)
@given(scenarios(), st.data())
def test_elapsed_is_additive(
    scenario: tuple[Calendar, datetime, list[Pause]], data: st.DataObject
) -> None:
    calendar, first, pauses = scenario
    zone = ZoneInfo(calendar.timezone)
    # Sorted (and subtracted) in UTC: within one zone Python compares wall times, not instants.
    a, b, c = sorted(
        (first, data.draw(instants(zone)), data.draw(instants(zone))),
        key=lambda instant: instant.astimezone(UTC),
    )
    total = elapsed(a, c, calendar, pauses)
    assert elapsed(a, b, calendar, pauses) + elapsed(b, c, calendar, pauses) == total
    assert timedelta(0) <= total <= c.astimezone(UTC) - a.astimezone(UTC)


def in_hours(instant: datetime, calendar: Calendar) -> bool:
    """The definition: is the local wall time of this instant inside that date's hours?"""
    local = instant.astimezone(ZoneInfo(calendar.timezone))
    minute = local.hour * 60 + local.minute
    return any(s <= minute < e for s, e in calendar.intervals_on(local.date()))


def brute_force_minutes(start: datetime, end: datetime, calendar: Calendar) -> int:
    """Business minutes in [start, end), counted one minute at a time (whole-minute inputs)."""
    count, instant = 0, start.astimezone(UTC)
    while instant < end:
        count += in_hours(instant, calendar)
        instant += timedelta(minutes=1)
    return count


def brute_force_due(start: datetime, minutes: int, calendar: Calendar) -> datetime:
    instant = start.astimezone(UTC)
    if minutes == 0:  # the first business minute
        while not in_hours(instant, calendar):
            instant += timedelta(minutes=1)
    while minutes > 0:
        minutes -= in_hours(instant, calendar)
        instant += timedelta(minutes=1)
    return instant


# St. John's set its clocks back at 00:01 until 2010: 00:01 NDT on Sunday 2009-11-01 became
# 23:01 NST on Saturday, so the first minute of Sunday came before the last hour of Saturday.
ST_JOHNS = ZoneInfo("America/St_Johns")
ST_JOHNS_MIDNIGHT = Calendar.from_spec(
    timezone="America/St_Johns",
    hours={"sat": [["22:00", "24:00"]], "sun": [["00:00", "02:00"]]},
    exceptions=[],
)
ORACLE_CASES = [
    *(
        (cal, base)
        for cal in (NY_NIGHT, NY_ALWAYS)
        for base in (utc(2026, 3, 7), utc(2026, 10, 31))
    ),
    *(
        (cal, base)
        for cal in (BERLIN_SPLIT, BERLIN_ALWAYS)
        for base in (utc(2026, 3, 28), utc(2026, 10, 24))
    ),
    (ST_JOHNS_MIDNIGHT, utc(2009, 10, 31)),
    (Calendar.always("America/St_Johns"), utc(2009, 10, 31)),
    (CHINA_LUNCH, utc(2026, 9, 29)),
]


@settings(max_examples=80, deadline=None)
@given(
    st.sampled_from(ORACLE_CASES),
    st.integers(0, 3 * 24 * 60),
    st.integers(0, 2 * 24 * 60),
)
def test_elapsed_and_due_match_a_minute_by_minute_count(
    case: tuple[Calendar, datetime], offset: int, length: int
) -> None:
    calendar, base = case
    start = base + timedelta(minutes=offset)
    end = start + timedelta(minutes=length)
    expected = brute_force_minutes(start, end, calendar)
    assert elapsed(start, end, calendar) == timedelta(minutes=expected)
    assert due(start, expected, calendar) == brute_force_due(start, expected, calendar)


def test_a_zone_that_set_clocks_back_across_midnight_is_counted_in_time_order() -> None:
    saturday_22 = at(ST_JOHNS, 2009, 10, 31, 22)  # NDT, 00:30 UTC
    # Saturday 22:00-24:00 NDT (120), Sunday 00:00-00:01 NDT (1), Saturday again 23:01-24:00 NST
    # (59), Sunday 00:00-02:00 NST (120): 5 h, all of the real time from 00:30 to 05:30 UTC.
    assert elapsed(saturday_22, utc(2009, 11, 1, 12), ST_JOHNS_MIDNIGHT) == timedelta(hours=5)
    # 120 minutes reach Sunday 00:00 NDT; the next minute is Sunday's, the one after Saturday's.
    assert due(saturday_22, 120, ST_JOHNS_MIDNIGHT) == utc(2009, 11, 1, 2, 30)
    assert due(saturday_22, 121, ST_JOHNS_MIDNIGHT) == utc(2009, 11, 1, 2, 31)
    assert due(saturday_22, 122, ST_JOHNS_MIDNIGHT) == utc(2009, 11, 1, 2, 32)


# --------------------------------------------------------------------------------------------
# Validation: every error names its field
# --------------------------------------------------------------------------------------------


def spec_error(**overrides: Any) -> ClockError:
    spec: dict[str, Any] = {
        "timezone": "Asia/Shanghai",
        "hours": weekdays(NINE_TO_SIX),
        "exceptions": [],
    }
    spec.update(overrides)
    with pytest.raises(ClockError) as caught:
        Calendar.from_spec(**spec)
    return caught.value


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"hours": {"mon": [["9:00", "18:00"]]}}, "hours.mon[0]"),
        ({"hours": {"tue": [["09:00", "25:00"]]}}, "hours.tue[0]"),
        ({"hours": {"wed": [["09:00", "12:60"]]}}, "hours.wed[0]"),
        ({"hours": {"thu": [["09:00", "24:01"]]}}, "hours.thu[0]"),
        ({"hours": {"fri": [["09:00", 1800]]}}, "hours.fri[0]"),
        ({"hours": {"sat": [["09:00"]]}}, "hours.sat[0]"),
        ({"hours": {"sun": "09:00-18:00"}}, "hours.sun"),
        ({"hours": {"mon": [["09:00", "12:00"], ["18:00", "09:00"]]}}, "hours.mon[1]"),
        ({"hours": {"mon": [["09:00", "09:00"]]}}, "hours.mon[0]"),
        ({"hours": {"mon": [["09:00", "12:00"], ["11:00", "18:00"]]}}, "hours.mon[1]"),
        ({"hours": {"mon": [["13:00", "18:00"], ["09:00", "13:01"]]}}, "hours.mon[0]"),
        ({"hours": {"funday": NINE_TO_SIX}}, "hours.funday"),
        ({"hours": [NINE_TO_SIX]}, "hours"),
        ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
        ({"timezone": ""}, "timezone"),
        ({"timezone": "../etc/passwd"}, "timezone"),
        (
            {
                "exceptions": [
                    {"date": "2026-10-01", "working": False},
                    {"date": "2026-10-01", "working": False},
                ]
            },
            "exceptions[1].date",
        ),
        ({"exceptions": [{"date": "2026-02-30", "working": False}]}, "exceptions[0].date"),
        ({"exceptions": [{"working": False}]}, "exceptions[0].date"),
        ({"exceptions": [{"date": "2026-10-01", "working": "no"}]}, "exceptions[0].working"),
        ({"exceptions": [{"date": "2026-10-01"}]}, "exceptions[0].working"),
        (
            {"exceptions": [{"date": "2026-10-01", "working": False, "note": "x"}]},
            "exceptions[0].note",
        ),
        (
            {"exceptions": [{"date": "2026-10-10", "working": True, "hours": [["9", "18"]]}]},
            "exceptions[0].hours[0]",
        ),
        (
            {"exceptions": [{"date": "2026-10-01", "working": False, "hours": NINE_TO_SIX}]},
            "exceptions[0].hours",
        ),
        (
            {"exceptions": [{"date": "2026-10-10", "working": True, "hours": []}]},
            "exceptions[0].hours",
        ),
        ({"exceptions": ["2026-10-01"]}, "exceptions[0]"),
        ({"exceptions": {"date": "2026-10-01"}}, "exceptions"),
        (
            {"hours": {}, "exceptions": [{"date": "2026-10-10", "working": True}]},
            "exceptions[0].hours",
        ),
    ],
)
def test_an_invalid_spec_names_its_field(overrides: dict[str, Any], field: str) -> None:
    error = spec_error(**overrides)
    assert error.field == field
    assert str(error).startswith(f"{field}: ")
    assert isinstance(error, ValueError)


@pytest.mark.parametrize(
    ("hours", "exceptions", "field"),
    [
        ((((540, 1080),),) * 6, {}, "hours"),
        ((((540, 1080),),) + (((0, 1441),),) * 6, {}, "hours.tue[0]"),
        ((((540.0, 1080),),) * 7, {}, "hours.mon[0]"),
        ((((540, 1080),),) * 7, {date(2026, 10, 1): ((600, 500),)}, "exceptions[2026-10-01][0]"),
    ],
)
def test_direct_construction_is_validated_too(hours: Any, exceptions: Any, field: str) -> None:
    with pytest.raises(ClockError) as caught:
        Calendar("Asia/Shanghai", hours, exceptions)
    assert caught.value.field == field


def test_a_datetime_is_not_a_valid_exception_key() -> None:
    with pytest.raises(ClockError) as caught:
        Calendar("UTC", ((),) * 7, {datetime(2026, 10, 1, tzinfo=UTC): ()})
    assert caught.value.field.startswith("exceptions[")


def test_a_calendar_survives_pickle_and_deepcopy() -> None:
    pickled = pickle.loads(pickle.dumps(CHINA))  # noqa: S301 - our own bytes
    for copied in (pickled, copy.deepcopy(CHINA), copy.copy(CHINA)):
        assert copied == CHINA
        assert due(sh(2026, 9, 30, 17), 240, copied) == sh(2026, 10, 8, 12)


def test_from_spec_and_direct_construction_give_equal_hashable_calendars() -> None:
    direct = Calendar(
        "Asia/Shanghai",
        (((540, 1080),),) * 5 + ((), ()),
        {date(2026, 10, 1): (), date(2026, 10, 10): ((540, 1080),)},
    )
    spec = Calendar.from_spec(
        timezone="Asia/Shanghai",
        hours=weekdays(NINE_TO_SIX),
        exceptions=[
            {"date": "2026-10-10", "working": True},
            {"date": "2026-10-01", "working": False},
        ],
    )
    assert direct == spec
    assert hash(direct) == hash(spec)
    assert spec.exceptions[date(2026, 10, 10)] == ((540, 1080),)


NAIVE = datetime(2026, 1, 1)  # noqa: DTZ001 - deliberately naive
JAN_1, JAN_2 = sh(2026, 1, 1), sh(2026, 1, 2)


@pytest.mark.parametrize(
    ("function", "args", "field"),
    [
        (due, (NAIVE, 10, PLAIN), "start"),
        (due, (JAN_1, -1, PLAIN), "minutes"),
        (due, (JAN_1, 1.5, PLAIN), "minutes"),
        (due, (JAN_1, True, PLAIN), "minutes"),
        (due, (JAN_1, 10, PLAIN, [(NAIVE, None)]), "pauses[0]"),
        (due, (JAN_1, 10, PLAIN, [(JAN_1, None), (JAN_2, JAN_1)]), "pauses[1]"),
        (due, (JAN_1, 10, PLAIN, [JAN_1]), "pauses[0]"),
        (elapsed, (JAN_2, JAN_1, PLAIN), "end"),
        (elapsed, (JAN_1, NAIVE.replace(day=2), PLAIN), "end"),
        (elapsed, ("2026-01-01", JAN_2, PLAIN), "start"),
    ],
)
def test_invalid_clock_arguments_name_their_field(
    function: Any, args: tuple[Any, ...], field: str
) -> None:
    with pytest.raises(ClockError) as caught:
        function(*args)
    assert caught.value.field == field


def test_a_calendar_without_working_time_raises_instead_of_looping() -> None:
    empty = Calendar.from_spec(timezone="Asia/Shanghai", hours={}, exceptions=[])
    with pytest.raises(ClockError) as caught:
        due(sh(2026, 1, 1), 60, empty)
    assert caught.value.field == "hours"
    assert elapsed(sh(2026, 1, 1), sh(2027, 1, 1), empty) == timedelta(0)


def test_a_calendar_whose_only_working_day_is_used_up_raises() -> None:
    only_one_day = Calendar.from_spec(
        timezone="Asia/Shanghai",
        hours={},
        exceptions=[{"date": "2026-10-10", "working": True, "hours": NINE_TO_SIX}],
    )
    assert due(sh(2026, 10, 1), 540, only_one_day) == sh(2026, 10, 10, 18)
    with pytest.raises(ClockError) as caught:
        due(sh(2026, 10, 1), 541, only_one_day)
    assert caught.value.field == "hours"


def test_a_target_beyond_the_twenty_year_horizon_raises() -> None:
    with pytest.raises(ClockError) as caught:
        due(utc(2026, 1, 1), 60 * 24 * 366 * 21, Calendar.always())
    assert caught.value.field == "minutes"
    assert "20 years" in caught.value.message


def test_due_after_counts_a_budget_to_the_second() -> None:
    calendar = Calendar.always("UTC")
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert due_after(start, timedelta(minutes=1, seconds=30), calendar) == datetime(
        2026, 3, 2, 9, 1, 30, tzinfo=UTC
    )
    with pytest.raises(ClockError) as error:
        due_after(start, timedelta(seconds=-1), calendar)
    assert error.value.field == "minutes"
