"""SQL floors: for each read scenario, the one SQL statement that yields what the endpoint
returns, timed in the harness's own process (Django set up on the same database).

The statements are taken from the querysets the application itself runs (`qs.query.
sql_with_params()`), so they use the same filters, joins, ordering and indexes; what the
endpoint runs in further queries is folded into the one statement or left out, as said
per floor below. The ratio p50 / floor p50 is then what the application (Python, HTTP,
several queries, rendering) costs on top of the database's own work.

Call only after `django.setup()`.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

from bench.scenarios import API_PAGE, HTML_PAGE, QUEUE_FILTER, Context

REPEATS = 30
MIN_REPEATS = 5
BUDGET_S = 6.0  # per floor: stop after this much once MIN_REPEATS are done

Statement = tuple[str, Sequence[Any]]


def _page(ctx: Context, agent: Any, limit: int, **filters: Any) -> Statement:
    """The first page of the queue (or of a search) as the list endpoints build it:
    visibility, `filter_tickets`, ordering (or the search's rank), the `for_list` joins
    (requester, assignee); the endpoint's separate COUNT folded in as an uncorrelated
    scalar subquery (not `count(*) over ()`, which makes SQLite rank every match again
    per row: 30 s instead of 0.1 s at 20,000 tickets), stopping where a search's count
    stops (`count_limit`). Left out: the search's probe (whether to rank) and the
    prefetch queries (organization, service, category, team, problem, parent, tags, SLA
    records and their calendars)."""
    from django.db.models.expressions import RawSQL

    from yunwei.tickets import search
    from yunwei.tickets.api import TicketFilters, filter_tickets, order_tickets
    from yunwei.tickets.models import Ticket

    params = TicketFilters(**filters)
    qs = filter_tickets(Ticket.objects.visible_to(agent), params, agent)
    if params.q:
        qs = search.search(qs, params.q, user=agent).for_list()
    else:
        qs = order_tickets(qs.for_list(), params.ordering)
    counted_qs = qs.order_by().values("pk")
    if qs.count_limit is not None:
        counted_qs = counted_qs[: qs.count_limit + 1]
    count_sql, count_params = counted_qs.query.sql_with_params()
    # The ORM's own SQL, its values still parameters.
    counted = f"SELECT COUNT(*) FROM ({count_sql}) AS matches"  # noqa: S608
    total = RawSQL(counted, count_params)  # noqa: S611
    return qs.annotate(bench_total=total)[:limit].query.sql_with_params()


def _detail(ctx: Context, agent: Any) -> Callable[[int], Statement]:
    """The ticket row as the detail endpoint reads it (`for_detail` joins: the list's
    two plus the survey), one sample ticket after another. Left out: the prefetches
    (tags, SLA records, watchers, children, incidents, links)."""
    from yunwei.tickets.models import Ticket

    def statement(i: int) -> Statement:
        qs = Ticket.objects.for_detail().visible_to(agent).filter(pk=ctx.sample(i))
        return qs.order_by("pk")[:1].query.sql_with_params()

    return statement


def _report(agent: Any) -> Statement:
    """The SLA compliance report's one statement (12 months up to this one, every
    service), as `yunwei.reports.compliance` exposes it."""
    from yunwei.reports import compliance

    start, end = compliance.month_range(None, None)
    return compliance.compliance_sql(agent, start=start, end=end)


def _dashboard(agent: Any) -> Statement:
    """The dashboard's aggregate, as `dashboard_counts` runs it (caught on its way to the
    database: `aggregate()` executes at once and has no SQL to ask for)."""
    from django.db import connection

    from yunwei.reports import dashboard

    caught: list[Statement] = []

    def catch(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        caught.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(catch):
        dashboard.dashboard_counts(agent)
    if len(caught) != 1:
        raise RuntimeError(f"the dashboard ran {len(caught)} statements, not one")
    return caught[0]


def statements(ctx: Context, agent: Any) -> dict[str, Callable[[int], Statement]]:
    """Scenario name -> the i-th run's statement."""
    queue = {"team": ctx.team_id, **QUEUE_FILTER}

    def fixed(statement: Statement) -> Callable[[int], Statement]:
        return lambda i: statement

    detail = _detail(ctx, agent)
    return {
        "queue API": fixed(_page(ctx, agent, API_PAGE, **queue)),
        "detail API": detail,
        "search zh API": fixed(_page(ctx, agent, API_PAGE, q=ctx.search_words["zh"])),
        "search en API": fixed(_page(ctx, agent, API_PAGE, q=ctx.search_words["en"])),
        "queue HTML": fixed(_page(ctx, agent, HTML_PAGE, **queue)),
        # The page shows the conversation and history too, in queries of their own.
        "ticket HTML": detail,
        "SLA report API": fixed(_report(agent)),
        "dashboard API": fixed(_dashboard(agent)),
    }


def time_statement(statement: Callable[[int], Statement]) -> dict[str, Any]:
    """p50 of up to REPEATS runs (execute and fetch every row), after one untimed run."""
    from django.db import connection

    times: list[float] = []
    with connection.cursor() as cursor:
        sql, params = statement(0)
        cursor.execute(sql, params)
        rows = cursor.fetchall()
        columns = [column[0] for column in cursor.description]
        deadline = time.perf_counter() + BUDGET_S
        for i in range(REPEATS):
            sql_i, params_i = statement(i)
            started = time.perf_counter()
            cursor.execute(sql_i, params_i)
            cursor.fetchall()
            times.append(time.perf_counter() - started)
            if len(times) >= MIN_REPEATS and time.perf_counter() > deadline:
                break
    return {
        "p50_ms": round(statistics.median(times) * 1000, 3),
        "runs": len(times),
        "rows": len(rows),
        "sql": sql,
        "params": [str(p) for p in params],
        "_result": (columns, rows),
    }


def page_result(floor: dict[str, Any]) -> tuple[list[int], int]:
    """The ticket ids and the total a page floor returned (the first column is the id)."""
    columns, rows = floor["_result"]
    total = rows[0][columns.index("bench_total")] if rows else 0
    return [row[0] for row in rows], total
