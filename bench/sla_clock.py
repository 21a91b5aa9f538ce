"""SLA clock and recompute benchmark: `make bench-sla` (or `python -m bench.sla_clock`).

Two measurements, each reported as a ratio against a baseline measured in the same run:

(a) due-time computations per second: `yunwei.sla.clock.due` on 100,000 seeded-random
    (start, duration) pairs, against a naive minute-stepping reference implementation
    (BASELINE, below) run on a 1,000-pair subset; both must give identical answers there.
(b) recomputing the due times of open SLA records after a calendar change: the real path
    (`yunwei.sla.actions.update_calendar`, which recomputes every open record through
    `_recompute`: save, audit entry, escalation check, task enqueued on commit), against
    one SQL UPDATE moving `due_at` of the same rows (the SQL floor).  SQLite in a temporary
    data directory always; PostgreSQL too when YUNWEI_BENCH_DATABASE_URL is set (in a
    throw-away database `<name>_bench` next to the one the URL names).

Results are printed as tables and written to bench/results/<UTC date>-sla-<db>.json.
`--profile N` runs the recompute path for N open records under cProfile instead.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import platform
import pstats
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = Path(__file__).resolve().parent / "results"

TIMEZONE = "Asia/Shanghai"
WORKDAYS = ("mon", "tue", "wed", "thu", "fri")
HOURS = {day: [["09:00", "12:00"], ["13:30", "18:00"]] for day in WORKDAYS}
HOLIDAY_YEARS = [2026]
SEED = 20260101

CLOCK_PAIRS = 100_000
BASELINE_PAIRS = 1_000
MAX_MINUTES = 5_000
ROUNDS = 10  # the clock and the baseline take turns, a tenth of their pairs at a time

TABLE_ROWS = 100_000  # SLA records in the table
# Open records the recompute path is timed on, per database.  The path costs 10-15 ms
# (SQLite) and 15-25 ms (PostgreSQL) per record on the 2-core reference machine, so all
# 100,000 would take 20 to 40 minutes: far over the ~3-minute budget of `make bench-sla`.
# The output says so and extrapolates; --recompute changes it.
RECOMPUTE_RECORDS = {"sqlite": 5_000, "postgresql": 1_000}
FLOOR_REPEATS = 5
# Resolution targets per priority (business minutes): from four hours to two weeks.
TARGETS = {
    "urgent": (30, 240),
    "important": (60, 960),
    "general": (120, 2_400),
    "unimportant": (240, 4_800),
}
WARNING_PERCENT = 75


# --------------------------------------------------------------------------------------------
# Set-up
# --------------------------------------------------------------------------------------------


def setup_django(db: str) -> Path:
    """Real settings on a temporary data directory (returned); the database of `db`."""
    data_dir = Path(tempfile.mkdtemp(prefix=f"yunwei-bench-{db}-"))
    os.environ["YUNWEI_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("YUNWEI_SECRET_KEY", "bench-secret-key-" + "x" * 40)
    os.environ.setdefault("YUNWEI_AUDIT_KEY", "bench-audit-key")
    os.environ.setdefault("YUNWEI_LOG_LEVEL", "WARNING")
    os.environ.pop("YUNWEI_DATABASE_URL", None)
    if db == "postgresql":
        os.environ["YUNWEI_DATABASE_URL"] = os.environ["YUNWEI_BENCH_DATABASE_URL"]
    os.environ["DJANGO_SETTINGS_MODULE"] = "yunwei.settings"
    import django

    django.setup()
    return data_dir


def create_database(db: str) -> str | None:
    """Migrate a fresh database; for PostgreSQL returns the name the URL gave."""
    from django.core.management import call_command
    from django.db import connection

    if db != "postgresql":
        call_command("migrate", verbosity=0, interactive=False)
        return None
    # Never the database the URL names: `<name>_bench` beside it (replaced if it exists),
    # dropped at the end.
    original = str(connection.settings_dict["NAME"])
    connection.settings_dict["TEST"]["NAME"] = original + "_bench"
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    return original


def drop_database(original: str | None, data_dir: Path) -> None:
    from django.db import connection

    # Only once Django has switched to the throw-away database: destroy_test_db drops
    # whatever database the connection names.
    if original is not None and connection.settings_dict["NAME"] == original + "_bench":
        connection.creation.destroy_test_db(original, verbosity=0)
    connection.close()
    shutil.rmtree(data_dir, ignore_errors=True)


def machine() -> dict[str, Any]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],  # noqa: S607
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        if dirty:
            commit += " + uncommitted changes"
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "commit": commit,
        # Other work on the machine skews absolute figures (less so the ratios).
        "loadavg_1_5_15": [round(x, 2) for x in os.getloadavg()],
    }


# --------------------------------------------------------------------------------------------
# (a) The clock against a naive minute-stepping reference
# --------------------------------------------------------------------------------------------


def _minutes(text: str) -> int:
    hour, minute = text.split(":")
    return int(hour) * 60 + int(minute)


class BaselineCalendar:
    """BASELINE (reference only, not production code): the calendar spec read plainly."""

    def __init__(self, spec: Mapping[str, Any]) -> None:
        self.zone = ZoneInfo(spec["timezone"])
        names = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
        self.weekly = [
            [(_minutes(s), _minutes(e)) for s, e in spec["hours"].get(name, ())] for name in names
        ]
        default = next((day for day in self.weekly if day), [])
        self.exceptions: dict[date, list[tuple[int, int]]] = {}
        for item in spec["exceptions"]:
            if not item["working"]:
                hours: list[tuple[int, int]] = []
            elif "hours" in item:
                hours = [(_minutes(s), _minutes(e)) for s, e in item["hours"]]
            else:
                hours = default
            self.exceptions[date.fromisoformat(item["date"])] = hours


def baseline_due(start: datetime, minutes: int, calendar: BaselineCalendar) -> datetime:
    """BASELINE: the naive way - step one minute at a time from `start`, reading each
    minute's local wall time, and count the minutes that fall in working hours.
    Exact for whole-minute starts and whole-minute hours (all this benchmark uses)."""
    step = timedelta(minutes=1)
    at = start
    left = minutes
    while True:
        local = at.astimezone(calendar.zone)
        day = local.date()
        hours = calendar.exceptions.get(day)
        if hours is None:
            hours = calendar.weekly[day.weekday()]
        minute = local.hour * 60 + local.minute
        for begin, end in hours:
            if begin <= minute < end:
                left -= 1
                if left == 0:
                    return at + step
                break
        at += step


def clock_pairs(count: int, seed: int = SEED) -> list[tuple[datetime, int]]:
    """Seeded-random (start, minutes): whole-minute starts spread over 2026 (local time),
    durations of 1 to 5,000 business minutes."""
    rng = random.Random(seed)
    zone = ZoneInfo(TIMEZONE)
    year_start = datetime(2026, 1, 1, tzinfo=zone)
    minutes_in_year = 365 * 1440
    return [
        (
            (year_start + timedelta(minutes=rng.randrange(minutes_in_year))).astimezone(UTC),
            rng.randint(1, MAX_MINUTES),
        )
        for _ in range(count)
    ]


def bench_clock(pairs_count: int, baseline_count: int) -> dict[str, Any]:
    from yunwei.sla import clock
    from yunwei.sla.actions import china_exceptions

    spec = {"timezone": TIMEZONE, "hours": HOURS, "exceptions": china_exceptions(HOLIDAY_YEARS)}
    pairs = clock_pairs(pairs_count)
    subset = pairs[:baseline_count]

    # Both sides build their calendar once, outside the timed loops.
    calendar = clock.Calendar.from_spec(**spec)
    reference = BaselineCalendar(spec)

    print(
        f"timing clock.due on {len(pairs):,} pairs, the baseline on {len(subset):,} ...",
        flush=True,
    )
    # Interleaved in rounds, so that other work on the machine weighs on both sides alike.
    due = clock.due
    fast: list[datetime | None] = []
    slow: list[datetime] = []
    fast_seconds = baseline_seconds = 0.0
    for round_ in range(ROUNDS):
        part = pairs[round_ * len(pairs) // ROUNDS : (round_ + 1) * len(pairs) // ROUNDS]
        started = time.perf_counter()
        fast += [due(start, minutes, calendar) for start, minutes in part]
        fast_seconds += time.perf_counter() - started

        part = subset[round_ * len(subset) // ROUNDS : (round_ + 1) * len(subset) // ROUNDS]
        started = time.perf_counter()
        slow += [baseline_due(start, minutes, reference) for start, minutes in part]
        baseline_seconds += time.perf_counter() - started

    mismatches = [
        (start, minutes, got, want)
        for (start, minutes), got, want in zip(subset, fast, slow, strict=False)
        if got != want
    ]
    if mismatches:
        start, minutes, got, want = mismatches[0]
        raise SystemExit(
            f"FAIL: clock.due and the baseline disagree on {len(mismatches)} of "
            f"{len(subset)} pairs; first: start={start.isoformat()} minutes={minutes}: "
            f"clock {got.isoformat() if got else None}, baseline {want.isoformat()}"
        )

    fast_rate = len(pairs) / fast_seconds
    baseline_rate = len(subset) / baseline_seconds
    return {
        "calendar": {
            "timezone": TIMEZONE,
            "hours": HOURS["mon"],
            "weekdays": list(WORKDAYS),
            "holiday_years": HOLIDAY_YEARS,
            "exceptions": len(spec["exceptions"]),
        },
        "seed": SEED,
        "rounds": ROUNDS,
        "pairs": len(pairs),
        "clock_seconds": round(fast_seconds, 3),
        "clock_calls_per_s": round(fast_rate),
        "baseline": "naive minute-stepping reference (bench/sla_clock.py: baseline_due)",
        "baseline_pairs": len(subset),
        "baseline_seconds": round(baseline_seconds, 3),
        "baseline_calls_per_s": round(baseline_rate, 1),
        "baseline_seconds_for_all_pairs_extrapolated": round(len(pairs) / baseline_rate, 1),
        "verified_identical": len(subset),
        "speedup": round(fast_rate / baseline_rate, 1),
    }


# --------------------------------------------------------------------------------------------
# (b) Recomputing open SLA records after a calendar change
# --------------------------------------------------------------------------------------------


def build_fixture(rows: int, open_count: int, seed: int = SEED) -> dict[str, Any]:
    """A calendar (China's 2026 holidays), a service and an agreement through the actions;
    then `rows` SLA records on accounts.Organization ids 1..rows, `open_count` of them
    running (one open segment each), the rest met.  Bulk-inserted: it is only the fixture."""
    from django.contrib.contenttypes.models import ContentType

    from yunwei.accounts import actions as account_actions
    from yunwei.accounts.models import Organization
    from yunwei.catalog import actions as catalog_actions
    from yunwei.sla import actions, clock, engine
    from yunwei.sla.models import RecordKind, RecordState, SlaRecord

    customer = account_actions.create_organization(actor=None, name="Bench customer", code="bench")
    calendar = actions.create_calendar(actor=None, name="Bench office hours", hours=HOURS)
    calendar = actions.import_china_holidays(calendar, actor=None, years=HOLIDAY_YEARS)
    service = catalog_actions.create_service(
        actor=None,
        code="bench",
        name_zh="基准服务",
        name_en="Bench service",
        category="operations",
        organizations=[customer],
    )
    agreement = actions.create_agreement(
        actor=None,
        name="Bench SLA",
        service=service,
        calendar=calendar,
        warning_percent=WARNING_PERCENT,
        targets=[
            {"priority": p, "response_minutes": r, "resolution_minutes": s}
            for p, (r, s) in TARGETS.items()
        ],
    )
    cal = clock.Calendar.from_spec(**calendar.spec())
    content_type = ContentType.objects.get_for_model(Organization)
    rng = random.Random(seed)
    now = datetime.now(UTC)
    open_ids = set(rng.sample(range(1, rows + 1), open_count))
    priorities = list(TARGETS)
    records = []
    for object_id in range(1, rows + 1):
        priority = rng.choice(priorities)
        target = TARGETS[priority][1]
        is_open = object_id in open_ids
        # Open records started in the last two days; the others earlier this year.
        age = timedelta(seconds=rng.randrange(2 * 86_400 if is_open else 300 * 86_400))
        started = now - age
        segment = engine.segment(started, "running", calendar=calendar, target=target)
        due_at = clock.due(started, target, cal)
        record = SlaRecord(
            content_type=content_type,
            object_id=object_id,
            organization_id=customer.pk,
            agreement=agreement,
            agreement_version=agreement.version,
            calendar=calendar,
            kind=RecordKind.RESOLUTION,
            priority=priority,
            target_minutes=target,
            started_at=started,
            due_at=due_at,
            warning_at=clock.due(started, target * WARNING_PERCENT // 100, cal),
            next_check_at=due_at,
            segments=[segment],
        )
        if not is_open:
            stopped = min(started + timedelta(hours=2), now)
            segment["end"] = stopped.isoformat()
            record.state = RecordState.MET
            record.stopped_at = stopped
            record.next_check_at = None
        records.append(record)
    SlaRecord.objects.bulk_create(records, batch_size=2_000)
    return {"calendar": calendar, "now": now}


def new_holiday(calendar: Any, now: datetime) -> date:
    """The first working weekday from the day after tomorrow (local) with no exception yet:
    declaring it a holiday moves the due time of most open records."""
    taken = {item["date"] for item in calendar.exceptions}
    day = now.astimezone(ZoneInfo(calendar.timezone)).date() + timedelta(days=2)
    while day.weekday() >= 5 or day.isoformat() in taken:
        day += timedelta(days=1)
    return day


def recompute(calendar: Any, holiday: date) -> Any:
    """The path measured: the calendar change as a user makes it."""
    from yunwei.sla import actions

    exceptions = sorted(
        [*calendar.exceptions, {"date": holiday.isoformat(), "working": False}],
        key=lambda item: item["date"],
    )
    return actions.update_calendar(calendar, actor=None, exceptions=exceptions)


def sql_floor(calendar_id: int) -> tuple[int, float]:
    """BASELINE: one SQL UPDATE moving `due_at` of the same open rows by a day (the least
    any recompute has to write); returns (rows, seconds including the commit)."""
    from django.db import connection, transaction

    if connection.vendor == "sqlite":
        moved = "strftime(%s, due_at, '+1 day')"
        params: list[Any] = ["%Y-%m-%d %H:%M:%f"]
    else:
        moved = "due_at + interval '1 day'"
        params = []
    sql = (
        f"UPDATE sla_slarecord SET due_at = {moved} "  # noqa: S608 - constants only
        "WHERE calendar_id = %s AND state IN ('running', 'paused')"
    )
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [*params, calendar_id])
        rows = cursor.rowcount
    return rows, time.perf_counter() - started


def verify_recompute(calendar: Any) -> int:
    """Every open record's due time must be what the clock gives on the new calendar (the
    new holiday lies after the split, so the history gives the same answer).  Returns how
    many were checked; exits loudly on a mismatch."""
    from yunwei.sla import clock
    from yunwei.sla.models import SlaRecord

    spec = calendar.spec()
    cal = clock.Calendar.from_spec(**spec)
    checked = 0
    for record in SlaRecord.objects.open().filter(calendar=calendar).iterator(2_000):
        want = clock.due(record.started_at, record.target_minutes, cal)
        if record.due_at != want or len(record.segments) != 2:
            raise SystemExit(
                f"FAIL: record {record.pk} due {record.due_at} after recompute, expected {want}"
            )
        checked += 1
    return checked


def bench_recompute(db: str, rows: int, open_count: int) -> dict[str, Any]:
    from django.db import connection, transaction
    from django_tasks_db.models import DBTaskResult

    from yunwei.core import audit
    from yunwei.core.models import AuditEntry
    from yunwei.sla.models import SlaRecord

    print(f"building the fixture: {rows:,} records, {open_count:,} open ...", flush=True)
    started = time.perf_counter()
    fixture = build_fixture(rows, open_count)
    fixture_seconds = time.perf_counter() - started
    calendar = fixture["calendar"]
    holiday = new_holiday(calendar, fixture["now"])
    audit_before = AuditEntry.objects.count()
    tasks_before = DBTaskResult.objects.count()

    print(f"recomputing {open_count:,} open records ...", flush=True)
    # The outer block only splits the time: the action's own transaction becomes a
    # savepoint, and its on-commit work (one task enqueued per record) runs at our commit.
    started = time.perf_counter()
    with transaction.atomic():
        calendar = recompute(calendar, holiday)
        body_done = time.perf_counter()
    path_seconds = time.perf_counter() - started
    commit_seconds = path_seconds - (body_done - started)

    audited = AuditEntry.objects.filter(object_type=SlaRecord._meta.label_lower)
    changed = audited.filter(changes__has_key="due_at").count()
    audit_written = AuditEntry.objects.count() - audit_before
    tasks = DBTaskResult.objects.count() - tasks_before
    unsealed = AuditEntry.objects.filter(seq__isnull=True).count()
    verified = verify_recompute(calendar)
    if verified != open_count:
        raise SystemExit(f"FAIL: {verified} open records after recompute, expected {open_count}")
    # Where sealing is the worker's job (PostgreSQL), time it too: it is not in the path.
    started = time.perf_counter()
    sealed_later = audit.seal_pending() if unsealed else 0
    deferred_seal_seconds = time.perf_counter() - started

    floors = [sql_floor(calendar.pk) for _ in range(FLOOR_REPEATS)]
    floor_rows = floors[0][0]
    if floor_rows != open_count:
        raise SystemExit(f"FAIL: the SQL floor moved {floor_rows} rows, expected {open_count}")
    floor_seconds = statistics.median(seconds for _, seconds in floors)

    path_rate = open_count / path_seconds
    floor_rate = floor_rows / floor_seconds
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("select sqlite_version()")
        else:
            cursor.execute("show server_version")
        version = cursor.fetchone()[0]
    return {
        "database": db,
        "database_version": version,
        "audit_sealed_inline": bool(_setting("AUDIT_SEAL_INLINE")),
        "table_rows": rows,
        "open_records": open_count,
        "shrunk": open_count < rows,
        "fixture_seconds": round(fixture_seconds, 1),
        "change": f"calendar exception added: {holiday.isoformat()} becomes a holiday",
        "path": "yunwei.sla.actions.update_calendar -> _recompute per open record",
        "path_seconds": round(path_seconds, 3),
        "path_commit_and_enqueue_seconds": round(commit_seconds, 3),
        "path_records_per_s": round(path_rate, 1),
        "path_ms_per_record": round(1000 * path_seconds / open_count, 3),
        "path_seconds_for_all_rows_extrapolated": round(rows / path_rate, 1),
        "audit_entries_written": audit_written,
        "records_with_changed_due": changed,
        "audit_entries_unsealed_after": unsealed,
        "deferred_seal_entries": sealed_later,
        "deferred_seal_seconds": round(deferred_seal_seconds, 3),
        "tasks_enqueued": tasks,
        "verified_identical": verified,
        "baseline": "one SQL UPDATE due_at = due_at + 1 day on the same rows",
        "floor_rows": floor_rows,
        "floor_seconds_median": round(floor_seconds, 4),
        "floor_repeats": FLOOR_REPEATS,
        "floor_records_per_s": round(floor_rate),
        "slowdown_vs_floor": round(floor_rate / path_rate, 1),
    }


def _setting(name: str) -> Any:
    from django.conf import settings

    return getattr(settings, name)


_TABLE = re.compile(r'(?:FROM|INTO|UPDATE)\s+"?(\w+)"?', re.IGNORECASE)

# What one record's recompute is made of: label, then the (file, function, called from)
# whose cumulative times add up to it.  Cumulative: a part includes what it calls.
_Where = tuple[str, str, tuple[str, str] | None]
_RECOMPUTE = ("sla/actions.py", "_recompute")
_PARTS: list[tuple[str, list[_Where]]] = [
    (
        "clock arithmetic (clock.due_after, clock.elapsed)",
        [("sla/clock.py", "due_after", None), ("sla/clock.py", "elapsed", None)],
    ),
    ("calendar of each segment (engine.calendar_at)", [("sla/engine.py", "calendar_at", None)]),
    (
        "lazy loads record.calendar, record.agreement",
        [("related_descriptors.py", "__get__", _RECOMPUTE)],
    ),
    ("record.save()", [("models/base.py", "save", _RECOMPUTE)]),
    ("audit entry per changed record (audit.record)", [("core/audit.py", "record", _RECOMPUTE)]),
    (
        "  of which sealing the chain (audit.seal_pending)",
        [("core/audit.py", "seal_pending", ("core/audit.py", "record"))],
    ),
    ("escalation check (escalation.next_check_at)", [("sla/escalation.py", "next_check_at", None)]),
    (
        "UPDATE next_check_at",
        [("models/query.py", "update", ("sla/actions.py", "schedule_escalation_check"))],
    ),
    ("tasks enqueued on commit (Task.enqueue)", [("django_tasks/base.py", "enqueue", None)]),
]


def _cumulative(stats: pstats.Stats, file: str, name: str, caller: tuple[str, str] | None) -> float:
    total = 0.0
    for (path, _line, function), (_cc, _nc, _tt, ct, callers) in stats.stats.items():  # type: ignore[attr-defined]
        if function != name or not path.endswith(file):
            continue
        if caller is None:
            total += ct
        else:
            total += sum(
                entry[3]
                for (c_path, _c_line, c_function), entry in callers.items()
                if c_function == caller[1] and c_path.endswith(caller[0])
            )
    return total


def profile_recompute(open_count: int, top: int = 25) -> None:
    """The recompute path for `open_count` records under cProfile: the queries it ran by
    kind, where its time goes, and the top functions."""
    from django.db import connection

    fixture = build_fixture(open_count, open_count)
    calendar = fixture["calendar"]
    holiday = new_holiday(calendar, fixture["now"])
    queries: Counter[str] = Counter()

    def count(execute: Callable[..., Any], sql: str, *args: Any) -> Any:
        verb = sql.split(None, 1)[0].upper()
        table = _TABLE.search(sql)
        queries[f"{verb} {table[1]}" if table and verb != "SAVEPOINT" else verb] += 1
        return execute(sql, *args)

    profiler = cProfile.Profile()
    with connection.execute_wrapper(count):
        started = time.perf_counter()
        profiler.enable()
        recompute(calendar, holiday)
        profiler.disable()
        seconds = time.perf_counter() - started
    total = sum(queries.values())
    print(f"recompute of {open_count:,} open records: {seconds:.2f} s under cProfile")
    print(f"queries: {total:,} ({total / open_count:.1f} per record)")
    for key, n in queries.most_common():
        print(f"  {n:>8,}  {n / open_count:5.2f}/record  {key}")
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    print("where the time goes (cumulative; parts can include each other):")
    for label, places in _PARTS:
        part = sum(_cumulative(stats, *place) for place in places)
        print(f"  {label:<52} {part:7.2f} s  {100 * part / seconds:5.1f}%")
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    print(out.getvalue())


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------


def table(title: str, rows: Sequence[tuple[str, str]]) -> str:
    width = max(len(label) for label, _ in rows)
    lines = [title, "-" * len(title)]
    lines += [f"  {label:<{width}}  {value}" for label, value in rows]
    return "\n".join(lines)


def clock_table(result: Mapping[str, Any]) -> str:
    return table(
        "(a) SLA clock: due() on a 2-interval Asia/Shanghai calendar with China's 2026 holidays",
        [
            ("pairs (seeded, starts over 2026, 1-5000 min)", f"{result['pairs']:,}"),
            ("clock.due", f"{result['clock_calls_per_s']:>12,} calls/s"),
            (
                f"BASELINE minute-stepping ({result['baseline_pairs']:,}-pair subset)",
                f"{result['baseline_calls_per_s']:>12,.1f} calls/s"
                f"  (~{result['baseline_seconds_for_all_pairs_extrapolated']:,.0f} s for all)",
            ),
            (
                "answers identical on the subset",
                f"{result['verified_identical']:,} of {result['baseline_pairs']:,}",
            ),
            ("speed-up vs baseline", f"{result['speedup']:,.1f}x"),
        ],
    )


def recompute_table(result: Mapping[str, Any]) -> str:
    rows = [
        ("SLA records in the table", f"{result['table_rows']:,}"),
        ("open records recomputed", f"{result['open_records']:,}"),
    ]
    if result["shrunk"]:
        rows.append(
            (
                "NOTE",
                f"measured on {result['open_records']:,}, not {result['table_rows']:,}: at this "
                f"rate all would take ~{result['path_seconds_for_all_rows_extrapolated']:,.0f} s",
            )
        )
    rows += [
        ("change", result["change"]),
        (
            "update_calendar -> _recompute",
            f"{result['path_records_per_s']:>12,.1f} records/s"
            f"  ({result['path_ms_per_record']:.3f} ms/record, {result['path_seconds']:.1f} s)",
        ),
        (
            "  commit + tasks enqueued on commit",
            f"{result['path_commit_and_enqueue_seconds']:.1f} s of it,"
            f" {result['tasks_enqueued']:,} tasks",
        ),
        (
            "  audit entries written (due time moved)",
            f"{result['audit_entries_written']:,}"
            + (
                "  (sealed inline)"
                if result["audit_sealed_inline"]
                else f"  (sealed later by the worker: {result['deferred_seal_entries']:,}"
                f" in {result['deferred_seal_seconds']:.1f} s, not in the path)"
            ),
        ),
        ("  due times verified against the clock", f"{result['verified_identical']:,}"),
        (
            "BASELINE one SQL UPDATE (SQL floor)",
            f"{result['floor_records_per_s']:>12,} records/s"
            f"  (median of {result['floor_repeats']}: {result['floor_seconds_median']:.3f} s)",
        ),
        ("recompute path vs SQL floor", f"{result['slowdown_vs_floor']:,.1f}x slower"),
    ]
    return table(
        f"(b) Recompute after a calendar change: {result['database']} {result['database_version']}",
        rows,
    )


def write_results(db: str, report: Mapping[str, Any]) -> Path:
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"{datetime.now(UTC):%Y-%m-%d}-sla-{db}.json"
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    return path


# --------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------


def run_one(args: argparse.Namespace) -> dict[str, Any]:
    """Everything for one database, in this process."""
    data_dir = setup_django(args.db)
    original = None
    try:
        print(f"== {args.db}: migrating a throw-away database ...", flush=True)
        original = create_database(args.db)
        if args.profile:
            profile_recompute(args.profile)
            return {}
        report: dict[str, Any] = {"benchmark": "sla", "machine": machine()}
        report["measured_at"] = datetime.now(UTC).isoformat(timespec="seconds")
        if args.clock_result:
            report["clock"] = json.loads(Path(args.clock_result).read_text())
        else:
            report["clock"] = bench_clock(args.pairs, args.baseline_pairs)
            print(clock_table(report["clock"]), end="\n\n", flush=True)
        count = args.recompute or min(RECOMPUTE_RECORDS[args.db], args.rows)
        report["recompute"] = bench_recompute(args.db, args.rows, count)
        print(recompute_table(report["recompute"]), end="\n\n", flush=True)
        defaults = (args.pairs, args.baseline_pairs, args.rows, args.recompute) == (
            CLOCK_PAIRS,
            BASELINE_PAIRS,
            TABLE_ROWS,
            None,
        )
        if defaults:
            path = write_results(args.db, report)
            print(f"written: {path.relative_to(ROOT)}", flush=True)
        else:
            print("results not written: sizes other than the defaults", flush=True)
        return report
    finally:
        drop_database(original, data_dir)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.sla_clock", description=__doc__)
    parser.add_argument("--db", choices=["sqlite", "postgresql"])
    parser.add_argument("--pairs", type=int, default=CLOCK_PAIRS)
    parser.add_argument("--baseline-pairs", type=int, default=BASELINE_PAIRS)
    parser.add_argument("--rows", type=int, default=TABLE_ROWS)
    parser.add_argument(
        "--recompute", type=int, help=f"open records to recompute (default {RECOMPUTE_RECORDS})"
    )
    parser.add_argument("--profile", type=int, metavar="N", help="cProfile a recompute of N")
    parser.add_argument("--clock-result", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.recompute is not None and args.recompute > args.rows:
        parser.error("--recompute cannot exceed --rows")
    if args.db == "postgresql" and not os.environ.get("YUNWEI_BENCH_DATABASE_URL"):
        parser.error("--db postgresql needs YUNWEI_BENCH_DATABASE_URL")
    if args.db or args.profile:
        args.db = args.db or "sqlite"
        run_one(args)
        return 0

    started = time.perf_counter()
    args.db = "sqlite"
    report = run_one(args)
    if os.environ.get("YUNWEI_BENCH_DATABASE_URL"):
        # A fresh process: settings (and the database) are fixed once Django is set up.
        with tempfile.NamedTemporaryFile("w", suffix=".json") as clock_file:
            json.dump(report["clock"], clock_file)
            clock_file.flush()
            command = [sys.executable, "-m", "bench.sla_clock", "--db", "postgresql"]
            command += ["--pairs", str(args.pairs), "--baseline-pairs", str(args.baseline_pairs)]
            command += ["--rows", str(args.rows)]
            if args.recompute:
                command += ["--recompute", str(args.recompute)]
            command += ["--clock-result", clock_file.name]
            subprocess.run(command, cwd=ROOT, check=True)  # noqa: S603
    else:
        print("PostgreSQL: skipped (set YUNWEI_BENCH_DATABASE_URL to include it)")
    print(f"total {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
