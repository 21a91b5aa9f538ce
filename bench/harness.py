"""The performance harness of issue 6: `make bench TICKETS=N DB=sqlite|postgresql`
(`python -m bench.harness --tickets N --db sqlite|postgresql [--reuse] …`).

1. A database: SQLite in bench/.data/sqlite-<N>/; PostgreSQL at YUNWEI_BENCH_DATABASE_URL
   (default postgresql://postgres@127.0.0.1:5432/yunwei_bench), created if missing. Both
   are dropped and recreated, migrated with `yunwei migrate` and filled with `yunwei bench
   generate --tickets N` - unless --reuse finds the set of N tickets generated last time.
2. The SQL floor of every read scenario, timed in this process (bench/floors.py), and
   checked against what the list endpoints answer.
3. `yunwei serve --workers 2` on a free port of 127.0.0.1; the bench agent's API token
   and signed-in browser session; then each scenario (bench/scenarios.py) driven by C
   concurrent requests for --seconds after a one-second warm-up (bench/load.py).
4. The gunicorn workers' memory, then the server stopped (SIGTERM) - on errors and
   Ctrl-C too.

Prints the table and writes bench/results/<UTC date>-<db>-<N>.json. Targets are judged
at 1M tickets on PostgreSQL only; elsewhere they are shown for reference. Exits 1 when
a scenario had errors.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx

from bench.floors import page_result, statements, time_statement
from bench.load import drive, summarize
from bench.scenarios import SCENARIOS, Context, ratio
from bench.server import Server
from bench.sla_clock import machine

ROOT = Path(__file__).resolve().parent.parent
DATA_ROOT = Path(__file__).resolve().parent / ".data"
RESULTS_DIR = Path(__file__).resolve().parent / "results"
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/yunwei_bench"

# The generator's fixed accounts (bench/generate.py).
AGENT_EMAIL = "bench-agent@bench.yunwei.local"
REQUESTER_EMAIL = "bench-requester@bench.yunwei.local"
PASSWORD = "Yunwei-bench-2026"  # noqa: S105 - the generated set's, printed in the docs
SECRET_KEY = "bench-secret-key-not-for-production-" + "x" * 30
AUDIT_KEY = "bench-audit-key"
WORKERS = 2
MEMORY_TARGET_MB = 300
JUDGED_AT = 1_000_000  # tickets, on PostgreSQL: the size the targets of issue 6 are for
LIST_FLOORS = ("queue API", "search zh API", "search en API")  # checked against the API
MARKER = "bench-set.json"  # in the data directory: the generated set's size and summary
OPEN_TICKETS = 300  # open tickets of the team the comment scenario writes to, in turn


def log(text: str) -> None:
    print(text, flush=True)


# --------------------------------------------------------------------------------------------
# The database
# --------------------------------------------------------------------------------------------


def environment(db: str, data_dir: Path, url: str) -> dict[str, str]:
    """The server's, the commands' and this process's settings: no YUNWEI_* variable of
    the caller's (HTTPS, S3, …) leaks in."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("YUNWEI_")}
    env.update(
        YUNWEI_DATA_DIR=str(data_dir),
        YUNWEI_SECRET_KEY=SECRET_KEY,
        YUNWEI_AUDIT_KEY=AUDIT_KEY,
        YUNWEI_DEBUG="0",
        YUNWEI_ALLOWED_HOSTS="127.0.0.1",
        YUNWEI_LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="yunwei.settings",
    )
    if db == "postgresql":
        env["YUNWEI_DATABASE_URL"] = url
    return env


def recreate_postgresql(url: str) -> None:
    """Drop (if it exists) and create the database the URL names, through `postgres`.

    Refused when it holds users but not the bench agent: YUNWEI_BENCH_DATABASE_URL names
    the database itself here, whereas `make bench-sla` and `make bench-search` only work
    beside the one it names - a URL meant for them must not lose its database."""
    import psycopg
    from psycopg import sql

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    try:
        with psycopg.connect(url) as conn:
            users = conn.execute("SELECT to_regclass('accounts_user') IS NOT NULL").fetchone()
            foreign = bool(users and users[0]) and conn.execute(
                "SELECT EXISTS (SELECT 1 FROM accounts_user)"
                " AND NOT EXISTS (SELECT 1 FROM accounts_user WHERE email = %s)",
                [AGENT_EMAIL],
            ).fetchone() == (True,)
    except psycopg.OperationalError:
        foreign = False  # no such database yet
    if foreign:
        raise SystemExit(
            f"FAIL: database {name} holds users but no bench data: not dropping it."
            " Name another database in YUNWEI_BENCH_DATABASE_URL."
        )
    maintenance = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def reusable(marker: Path, tickets: int) -> dict[str, Any] | None:
    """The saved set if the database still holds it: the same N tickets up to the last
    generated id (the harness's own later creations do not count), and the bench agent."""
    if not marker.exists():
        return None
    saved: dict[str, Any] = json.loads(marker.read_text())
    if saved.get("tickets") != tickets:
        return None
    from django.db import DatabaseError, connection, connections
    from django.db.migrations.executor import MigrationExecutor

    from yunwei.accounts.models import User
    from yunwei.tickets.models import Ticket

    try:
        # A set generated under older migrations lacks their indexes (or columns).
        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            log("== migrations added since the set was generated: generating afresh")
            return None
        generated = Ticket.objects.filter(pk__lte=saved["max_ticket_id"]).count()
        agent = User.objects.filter(email=AGENT_EMAIL, is_active=True).exists()
    except DatabaseError:
        return None
    finally:
        connections.close_all()
    return saved if generated == tickets and agent else None


def generate(
    db: str, url: str, data_dir: Path, env: dict[str, str], tickets: int
) -> dict[str, Any]:
    """Recreate, migrate and fill the database; the generator's summary and timings."""
    from django.db import connections
    from django.db.models import Max

    from yunwei.tickets.models import Ticket

    connections.close_all()
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    if db == "postgresql":
        log(f"== recreating {urlparse(url).path.lstrip('/')} ...")
        recreate_postgresql(url)
    yunwei = [sys.executable, "-m", "yunwei.cli"]
    log("== yunwei migrate ...")
    started = time.perf_counter()
    subprocess.run([*yunwei, "migrate", "--no-input", "-v", "0"], env=env, check=True)  # noqa: S603
    migrate_s = time.perf_counter() - started
    log(f"== yunwei bench generate --tickets {tickets} ...")
    started = time.perf_counter()
    # The progress bar goes to stderr (shown); the summary to stdout (read).
    output = subprocess.run(  # noqa: S603
        [*yunwei, "bench", "generate", "--tickets", str(tickets)],
        env=env,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    ).stdout
    generate_s = time.perf_counter() - started
    summary = parse_summary(output)
    saved = {
        "tickets": tickets,
        "max_ticket_id": Ticket.objects.aggregate(last=Max("pk"))["last"],
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "migrate_seconds": round(migrate_s, 1),
        "generate_seconds": round(generate_s, 1),
        "summary": summary,
    }
    connections.close_all()
    (data_dir / MARKER).write_text(json.dumps(saved, indent=2, ensure_ascii=False) + "\n")
    return saved


def parse_summary(output: str) -> dict[str, Any]:
    """The JSON summary `yunwei bench generate` prints last."""
    start = output.find("{")
    try:
        summary = json.loads(output[start:]) if start >= 0 else None
    except json.JSONDecodeError:
        summary = None
    if not isinstance(summary, dict):
        raise SystemExit(f"FAIL: no JSON summary from `yunwei bench generate`:\n{output[-2000:]}")
    return summary


def context(summary: dict[str, Any]) -> tuple[Context, Any]:
    from yunwei.accounts.models import User
    from yunwei.tickets.models import Ticket

    agent = User.objects.get(email=AGENT_EMAIL)
    team_open = Ticket.objects.open().filter(team_id=summary["team_id"]).order_by("pk")
    ctx = Context(
        team_id=summary["team_id"],
        organization_id=summary["organization_id"],
        service_id=summary["service_id"],
        requester_id=User.objects.get(email=REQUESTER_EMAIL).pk,
        sample_ticket_ids=list(summary["sample_ticket_ids"]),
        search_words=dict(summary["search_words"]),
        open_ticket_ids=list(team_open.values_list("pk", flat=True)[:OPEN_TICKETS]),
    )
    if not ctx.open_ticket_ids or not ctx.sample_ticket_ids:
        raise SystemExit("FAIL: the generated set has no open tickets in the bench team")
    return ctx, agent


def database_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT sqlite_version()")
            return f"SQLite {cursor.fetchone()[0]}"
        cursor.execute("SHOW server_version")
        return f"PostgreSQL {cursor.fetchone()[0]}"


# --------------------------------------------------------------------------------------------
# Floors, sign-in, load
# --------------------------------------------------------------------------------------------


def time_floors(ctx: Context, agent: Any) -> dict[str, dict[str, Any]]:
    floors = {}
    for name, statement in statements(ctx, agent).items():
        floor = floors[name] = time_statement(statement)
        log(f"  floor {name:<16} p50 {floor['p50_ms']:>9.2f} ms  ({floor['runs']} runs)")
    return floors


def sign_in(base_url: str) -> httpx.Cookies:
    """The bench agent's browser session, through the sign-in form (agents have no
    second factor in the generated set)."""
    with httpx.Client(base_url=base_url, trust_env=False, timeout=30) as client:
        form = client.get("/accounts/login/")
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
        if form.status_code != 200 or match is None:
            raise SystemExit(f"FAIL: no sign-in form: HTTP {form.status_code}")
        data = {
            "csrfmiddlewaretoken": match.group(1),
            "username": AGENT_EMAIL,
            "password": PASSWORD,
        }
        answer = client.post("/accounts/login/", data=data)
        check = client.get("/tickets/")
        if answer.status_code != 302 or check.status_code != 200:
            raise SystemExit(
                f"FAIL: signing in as {AGENT_EMAIL}: HTTP {answer.status_code}, then /tickets/"
                f" HTTP {check.status_code}: {answer.text[:300]}"
            )
        return client.cookies


def check_floors(
    base_url: str, token: str, floors: dict[str, dict[str, Any]], ctx: Context
) -> dict[str, str]:
    """The list floors return the very page and total the endpoints answer."""
    results = {}
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base_url, headers=headers, trust_env=False, timeout=60) as client:
        for scenario in SCENARIOS:
            if scenario.name not in LIST_FLOORS:
                continue
            response = client.get(scenario.calls(ctx)(0).path)
            if response.status_code != 200:
                raise SystemExit(
                    f"FAIL: {scenario.name}: HTTP {response.status_code}: {response.text[:600]}"
                )
            page = response.json()
            ids, total = page_result(floors[scenario.name])
            got = [item["id"] for item in page["items"]]
            if page.get("count_capped"):  # the floor counted one past where counting stops
                total -= 1
            if ids == got and total == page["count"]:
                results[scenario.name] = f"same page of {len(ids)} and total {total:,}"
            else:
                results[scenario.name] = (
                    f"MISMATCH: floor {len(ids)} ids, total {total}; endpoint {len(got)} ids,"
                    f" total {page['count']}"
                )
            log(f"  floor check {scenario.name}: {results[scenario.name]}")
    return results


async def run_scenarios(
    base_url: str, token: str, cookies: httpx.Cookies, ctx: Context, args: argparse.Namespace
) -> dict[str, dict[str, Any]]:
    results = {}
    for scenario in SCENARIOS:
        concurrency = scenario.concurrency or args.concurrency
        options: dict[str, Any] = {
            "base_url": base_url,
            "trust_env": False,  # never through a proxy: 127.0.0.1 only
            "timeout": 120,
            "limits": httpx.Limits(max_connections=concurrency),
        }
        if scenario.client == "api":
            options["headers"] = {"Authorization": f"Bearer {token}"}
        else:
            options["cookies"] = cookies
        async with httpx.AsyncClient(**options) as client:
            run = await drive(
                client,
                scenario.calls(ctx),
                concurrency=concurrency,
                seconds=args.seconds,
                warmup=args.warmup,
                max_requests=args.max_requests,
            )
        figures = {"concurrency": concurrency, **summarize(run)}
        results[scenario.name] = figures
        log(
            f"  {scenario.name:<16} C={concurrency} {figures['requests']:>6} requests"
            f"  {figures['requests_per_s'] or 0:>7.1f}/s  p50 {figures['p50_ms'] or 0:>8.1f} ms"
            f"  p95 {figures['p95_ms'] or 0:>8.1f} ms"
        )
        if run.errors or run.warmup_errors:
            log(
                f"  !! {scenario.name} FAILED: {run.errors} errors"
                f" (+{run.warmup_errors} in the warm-up); first: {run.first_error}"
            )
    return results


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------


def judge(
    scenarios: dict[str, dict[str, Any]], floors: dict[str, dict[str, Any]], judged: bool
) -> None:
    """Adds floor, ratio, target and met to each scenario's figures."""
    for scenario in SCENARIOS:
        figures = scenarios[scenario.name]
        floor = floors.get(scenario.name)
        figures["floor_p50_ms"] = floor["p50_ms"] if floor else None
        figures["ratio_p50_to_floor"] = ratio(figures["p50_ms"], figures["floor_p50_ms"])
        target = scenario.target
        figures["target"] = target.label() if target else None
        figures["met"] = target.met(figures, figures["ratio_p50_to_floor"]) if target else None
        figures["judged"] = judged and target is not None


def table(scenarios: dict[str, dict[str, Any]]) -> str:
    header = (
        "scenario", "C", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors",
        "floor ms", "p50/floor", "target", "met?",
    )  # fmt: skip

    def number(value: float | None, digits: int = 1) -> str:
        return "-" if value is None else f"{value:,.{digits}f}"

    rows = [header]
    for name, f in scenarios.items():
        met = "-" if f["met"] is None else ("yes" if f["met"] else "NO")
        if f["met"] is not None and not f["judged"]:
            met = f"({met.lower()})"
        rows.append(
            (
                name,
                str(f["concurrency"]),
                f"{f['requests']:,}",
                number(f["requests_per_s"]),
                number(f["p50_ms"]),
                number(f["p95_ms"]),
                number(f["p99_ms"]),
                f"{f['errors']}+{f['warmup_errors']}" if f["warmup_errors"] else str(f["errors"]),
                number(f["floor_p50_ms"], 2),
                "-" if f["ratio_p50_to_floor"] is None else f"{f['ratio_p50_to_floor']:.1f}x",
                f["target"] or "-",
                met,
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = []
    for index, row in enumerate(rows):
        cells = [
            cell.ljust(width) if i in (0, 10) else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
        if index == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines)


def write_results(db: str, tickets: int, report: dict[str, Any]) -> Path:
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"{datetime.now(UTC):%Y-%m-%d}-{db}-{tickets}.json"
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    return path


# --------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.harness",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="postgresql")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured, per scenario")
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds, per scenario")
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--max-requests", type=int, default=50_000, help="measured, per scenario")
    parser.add_argument("--reuse", action="store_true", help="keep the set of N if generated")
    args = parser.parse_args(argv)
    if args.tickets < 1 or args.concurrency < 1 or args.seconds <= 0:
        parser.error("--tickets, --concurrency and --seconds must be positive")

    wall = time.perf_counter()
    # A SIGTERM (`timeout`, a CI runner) unwinds like Ctrl-C, so the server is stopped too.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    loadavg_before = [round(x, 2) for x in os.getloadavg()]
    url = os.environ.get("YUNWEI_BENCH_DATABASE_URL") or DEFAULT_PG_URL
    if args.db == "postgresql":
        data_dir = DATA_ROOT / f"postgresql-{urlparse(url).path.lstrip('/')}"
    else:
        data_dir = DATA_ROOT / f"sqlite-{args.tickets}"
    DATA_ROOT.mkdir(exist_ok=True)
    (DATA_ROOT / ".gitignore").write_text("*\n")  # generated databases stay out of git
    env = environment(args.db, data_dir, url)
    os.environ.update(env)
    for key in [key for key in os.environ if key.startswith("YUNWEI_") and key not in env]:
        del os.environ[key]
    data_dir.mkdir(parents=True, exist_ok=True)
    import django

    django.setup()
    from django.db import connections

    from yunwei.accounts import actions
    from yunwei.accounts.models import User

    saved = reusable(data_dir / MARKER, args.tickets) if args.reuse else None
    reused = saved is not None
    if saved is not None:
        log(f"== reusing the set of {args.tickets:,} tickets generated {saved['generated_at']}")
    else:
        saved = generate(args.db, url, data_dir, env, args.tickets)
    ctx, agent = context(saved["summary"])
    version = database_version()
    log(f"== {version}, {args.tickets:,} tickets; SQL floors ...")
    floors = time_floors(ctx, agent)
    _token, token = actions.create_api_token(
        User.objects.get(pk=agent.pk), actor=None, name="bench harness", days=1
    )
    connections.close_all()  # the server's workers have the database to themselves

    log(f"== yunwei serve --workers {WORKERS} ...")
    server = Server(env, data_dir / "serve.log", workers=WORKERS)
    try:
        server.wait_ready()
        log(f"  serving on {server.base_url} (log: {server.log_path.relative_to(ROOT)})")
        checks = check_floors(server.base_url, token, floors, ctx)
        cookies = sign_in(server.base_url)
        log(f"== scenarios: {args.seconds:g} s each after {args.warmup:g} s warm-up")
        scenarios = asyncio.run(run_scenarios(server.base_url, token, cookies, ctx, args))
        memory = server.worker_memory()
    except BaseException:
        log(f"(the server's log: {server.log_path})")
        raise
    finally:
        server.stop()

    judged = args.db == "postgresql" and args.tickets >= JUDGED_AT
    judge(scenarios, floors, judged)
    memory_max = max((worker.get("vmrss_mb", 0) for worker in memory), default=None)
    peak = max((worker.get("vmhwm_mb", 0) for worker in memory), default=None)
    report = {
        "benchmark": "harness",
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "database": {"vendor": args.db, "version": version, "tickets": args.tickets},
        "settings": {
            "seconds": args.seconds,
            "warmup": args.warmup,
            "concurrency": args.concurrency,
            "max_requests": args.max_requests,
            "server_workers": WORKERS,
            "load_generator": "httpx.AsyncClient, in the harness process, same machine",
        },
        "generator": {**saved, "reused": reused},
        "scenarios": scenarios,
        "floors": {
            name: {k: v for k, v in f.items() if k != "_result"} for name, f in floors.items()
        },
        "floor_checks": checks,
        "worker_memory": memory,
        "worker_memory_max_rss_mb": memory_max,
        "worker_memory_peak_mb": peak,
        "worker_memory_target_mb": MEMORY_TARGET_MB,
        "targets_judged": judged,
        "loadavg_before": loadavg_before,
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
    }
    report["total_seconds"] = round(time.perf_counter() - wall, 1)

    log("")
    log(f"{args.tickets:,} tickets on {version}, {WORKERS} server workers")
    log(table(scenarios))
    if not judged:
        log("(targets are for 1M tickets on PostgreSQL: shown here for reference only)")
    verdict = "met" if (peak or 0) < MEMORY_TARGET_MB else "NOT met"
    log(
        f"server workers: RSS at the end {memory_max} MB, peak {peak} MB"
        f" (target < {MEMORY_TARGET_MB} MB: {verdict})"
    )
    log(f"load average before {loadavg_before}, after {report['loadavg_after']}")
    path = write_results(args.db, args.tickets, report)
    log(f"written: {path.relative_to(ROOT)}")
    log(f"total {report['total_seconds']:.0f} s")
    return 1 if any(f["errors"] or f["warmup_errors"] for f in scenarios.values()) else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit("interrupted (the server is stopped)")
