"""Ticket full-text search benchmark: `make bench-search` (or `python -m bench.ticket_search`).

Proves that `yunwei.tickets.search` finds what it should, ranks it, and is fast, on
`--tickets N` (default 100,000) seeded-random tickets with Chinese, English and mixed IT
texts and one or two comments each (about a third of them internal notes):

1. migrate a fresh database (SQLite in a temporary data directory always; PostgreSQL too
   when YUNWEI_BENCH_DATABASE_URL is set, in a throw-away `<name>_bench_search` database
   next to the one the URL names, dropped at the end);
2. bulk-insert the tickets and comments (it is only the fixture), then time
   `search.rebuild_all()` (documents segmented and indexed per second);
3. for five queries (a common Chinese word, a word inside a longer word, a rare word, an
   English word, two words AND-ed), as provider staff (internal notes included) and as a
   customer (one organization's tickets, public text only), time what a list page does -
   `search.search(Ticket.objects.visible_to(user), q, user=user)`, first page of 25
   (ranked) plus `.count()` - against the BASELINE a search box without an index would
   run: `icontains` (LIKE '%word%') over title, description and comment bodies with
   `.distinct()`, first 25 by -created_at plus `.count()`.  Median and p95 (nearest
   rank) of up to REPEATS runs, the two interleaved; each stops early once its time
   budget is spent (after SEARCH_MIN_RUNS and BASELINE_MIN_RUNS runs).
4. check, untimed: the tickets found are exactly those whose stored document holds every
   query word (read back in Python); every ticket the LIKE scan finds and search does not
   (or the other way round) has a reason (the text is there but not as a word, e.g.
   因特网|络, OpenVPN; or full-width ＶＰＮ, which search folds and LIKE does not); the
   first-ranked ticket mentions the query words more often than the 25th, on average.

Results are printed as a table and written to bench/results/<UTC date>-search-<db>-<N>.json.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import statistics
import subprocess
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.phrases import (
    GENERIC_NOTES,
    GENERIC_REPLIES,
    IMPACTS,
    ISSUES,
    OPENERS,
    PLACES,
    Texts,
)
from bench.sla_clock import machine, setup_django

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = Path(__file__).resolve().parent / "results"

SEED = 20260202
TICKETS = 100_000
CUSTOMERS = 20  # customer organizations; the customer user belongs to the first
PAGE = 25
REPEATS = 30  # timed runs of each search, at most
SEARCH_MIN_RUNS = 10
SEARCH_BUDGET_S = 12.0  # per scenario: search stops after this much (and 10 runs)
BASELINE_MIN_RUNS = 3
BASELINE_BUDGET_S = 2.0  # per scenario: the LIKE scan stops after this much (and 3 runs)
RANK_SAMPLE = 1_000  # matches read back to compare the first page with all matches
CHUNK = 10_000  # tickets generated and inserted at a time
BUDGET_S = 300  # the whole run, both databases, on the 2-core reference machine

# (name, query, what it shows)
SCENARIOS = [
    ("common", "网络", "common two-character Chinese word"),
    ("inside", "打印", "word inside a longer word (打印机)"),
    ("rare", "漏水", "rare word"),
    ("english", "VPN", "English word"),
    ("and", "VPN 超时", "two words, AND"),
]
ROLES = ("staff", "customer")

PRIORITIES = ["urgent", "important", "general", "general", "unimportant"]


def _pick(rng: random.Random, texts: Texts, zh: bool) -> str:
    return rng.choice(texts[0] if zh else texts[1])


def generate(rng: random.Random, count: int) -> Iterable[dict[str, Any]]:
    """`count` tickets as dicts: type, title, description, priority, organization index,
    age in seconds, comments [(body, public, minutes after the ticket)]."""
    weights = [issue["weight"] for issue in ISSUES]
    for _ in range(count):
        issue = rng.choices(ISSUES, weights)[0]
        language = rng.random()
        title_zh = language < 0.75  # 65% Chinese, 20% English, 15% one of each
        text_zh = language < 0.65 or 0.9 <= language < 0.95
        title = _pick(rng, PLACES, title_zh) + _pick(rng, issue["titles"], title_zh)
        details = issue["details"][0 if text_zh else 1]
        sentences = [_pick(rng, OPENERS, text_zh)]
        sentences += rng.sample(details, min(len(details), rng.choice((1, 1, 1, 2, 2, 3))))
        sentences.append(_pick(rng, IMPACTS, text_zh))
        joiner = "" if text_zh else " "
        comments = []
        minutes = 0
        for _ in range(rng.choice((1, 1, 2))):
            public = rng.random() >= 0.35
            own = rng.random() < 0.6
            source = (issue["replies"] if own else GENERIC_REPLIES) if public else None
            if source is None:
                source = issue["notes"] if own else GENERIC_NOTES
            minutes += rng.randint(5, 600)
            comments.append((_pick(rng, source, text_zh), public, minutes))
        yield {
            "type": "problem" if rng.random() < 0.01 else issue["type"],
            "title": title,
            "description": joiner.join(s for s in sentences if s),
            "priority": rng.choice(PRIORITIES),
            "organization": rng.randrange(CUSTOMERS),
            "age": rng.randrange(730 * 86_400),
            "comments": comments,
        }


# --------------------------------------------------------------------------------------------
# Set-up
# --------------------------------------------------------------------------------------------

DB_SUFFIX = "_bench_search"


def create_database(db: str) -> str | None:
    """Migrate a fresh database; for PostgreSQL returns the name the URL gave."""
    from django.core.management import call_command
    from django.db import connection

    if db != "postgresql":
        call_command("migrate", verbosity=0, interactive=False)
        return None
    # Never the database the URL names: `<name>_bench_search` beside it (replaced if it
    # exists), dropped at the end.
    original = str(connection.settings_dict["NAME"])
    connection.settings_dict["TEST"]["NAME"] = original + DB_SUFFIX
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    return original


def drop_database(original: str | None, data_dir: Path) -> None:
    import shutil

    from django.db import connection

    # Only once Django has switched to the throw-away database: destroy_test_db drops
    # whatever database the connection names.
    if original is not None and connection.settings_dict["NAME"] == original + DB_SUFFIX:
        connection.creation.destroy_test_db(original, verbosity=0)
    connection.close()
    shutil.rmtree(data_dir, ignore_errors=True)


def insert_rows(model: Any, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Plain INSERTs (COPY on PostgreSQL) of `rows`, values for `columns` (attribute
    names; datetimes prepared here), every other column at its model default.  Model
    instances and bulk_create take several times as long, and it is only the fixture."""
    from django.db import connection, transaction

    fields = {field.attname: field for field in model._meta.concrete_fields}
    given = [fields[name] for name in columns]
    others = [field for name, field in fields.items() if name not in columns]
    defaults = [field.get_db_prep_save(field.get_default(), connection) for field in others]
    datetimes = [i for i, field in enumerate(given) if field.get_internal_type() == "DateTimeField"]
    names = ", ".join(connection.ops.quote_name(f.column) for f in [*given, *others])
    table = connection.ops.quote_name(model._meta.db_table)
    prepared = []
    for row in rows:
        values = list(row)
        for i in datetimes:
            values[i] = given[i].get_db_prep_save(values[i], connection)
        prepared.append((*values, *defaults))
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for values in prepared:
                    copy.write_row(values)
        else:
            marks = ", ".join(["%s"] * (len(given) + len(others)))
            sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608 - no user input
            cursor.executemany(sql, prepared)


def build_fixture(count: int, seed: int = SEED) -> dict[str, Any]:
    """A provider with one agent, CUSTOMERS customer organizations with a requester each,
    one service; `count` tickets and their comments, bulk-inserted."""
    from django.core.management.color import no_style
    from django.db import connection

    from yunwei.accounts import actions as account_actions
    from yunwei.catalog import actions as catalog_actions
    from yunwei.tickets.models import Comment, Ticket

    provider = account_actions.create_organization(
        actor=None, name="Bench provider", code="bench-provider", kind="provider"
    )
    agent = account_actions.create_user(
        actor=None, email="agent@bench.example", organization=provider, roles=["agent"]
    )
    customers = [
        account_actions.create_organization(
            actor=None, name=f"Bench customer {i + 1}", code=f"bench-{i + 1}"
        )
        for i in range(CUSTOMERS)
    ]
    requesters = [
        account_actions.create_user(
            actor=None,
            email=f"requester{i + 1}@bench.example",
            organization=org,
            roles=["requester"],
        )
        for i, org in enumerate(customers)
    ]
    service = catalog_actions.create_service(
        actor=None,
        code="bench-desk",
        name_zh="桌面运维",
        name_en="Desk support",
        category="operations",
        organizations=customers,
    )
    rng = random.Random(seed)
    now = datetime.now(UTC)
    prefixes = {"incident": "INC", "request": "REQ", "problem": "PRB"}
    first_ticket = (Ticket.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    comment_id = Comment.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    comments_total = internal_total = 0
    generated = generate(rng, count)
    ticket_columns = [
        "id", "reference", "type", "title", "description", "requester_id",
        "organization_id", "service_id", "priority", "created_at", "updated_at",
    ]  # fmt: skip
    comment_columns = ["id", "ticket_id", "author_id", "body", "public", "created_at"]
    for start in range(0, count, CHUNK):
        tickets = []
        comments = []
        for number in range(start + 1, min(start + CHUNK, count) + 1):
            row = next(generated)
            pk = first_ticket + number - 1
            created = now - timedelta(seconds=row["age"])
            requester = requesters[row["organization"]]
            tickets.append(
                (
                    pk,
                    f"{prefixes[row['type']]}-{number:06d}",
                    row["type"],
                    row["title"],
                    row["description"],
                    requester.pk,
                    requester.organization_id,
                    service.pk,
                    row["priority"],
                    created,
                    created,
                )
            )
            for body, public, minutes in row["comments"]:
                comment_id += 1
                author = agent if not public or minutes % 2 else requester
                at = created + timedelta(minutes=minutes)
                comments.append((comment_id, pk, author.pk, body, public, at))
                internal_total += not public
        insert_rows(Ticket, ticket_columns, tickets)
        insert_rows(Comment, comment_columns, comments)
        comments_total += len(comments)
    with connection.cursor() as cursor:
        # The ids were given: move PostgreSQL's sequences past them.
        for statement in connection.ops.sequence_reset_sql(no_style(), [Ticket, Comment]):
            cursor.execute(statement)
    return {
        "agent": agent,
        "customer": requesters[0],
        "customer_tickets": Ticket.objects.filter(organization=customers[0]).count(),
        "comments": comments_total,
        "internal_comments": internal_total,
    }


# --------------------------------------------------------------------------------------------
# The two ways of searching
# --------------------------------------------------------------------------------------------


def searched(user: Any, query: str) -> Any:
    """What the ticket list does with a search box: ranked, best first."""
    from yunwei.tickets import search
    from yunwei.tickets.models import Ticket

    return search.search(Ticket.objects.visible_to(user), query, user=user)


def baseline(user: Any, query: str) -> Any:
    """BASELINE: every whitespace-separated word as LIKE '%word%' (icontains) on title,
    description or a comment body (public ones only for customers), .distinct()."""
    from django.db.models import Q

    from yunwei.tickets.models import Ticket

    queryset = Ticket.objects.visible_to(user)
    for word in query.split():
        if user.is_provider_staff:
            in_comment = Q(comments__body__icontains=word)
        else:
            in_comment = Q(comments__body__icontains=word, comments__public=True)
        # One filter() per word: each word may be in a different comment.
        queryset = queryset.filter(
            Q(title__icontains=word) | Q(description__icontains=word) | in_comment
        )
    return queryset.distinct().order_by("-created_at", "-pk")


def p95(values: Sequence[float]) -> float:
    """Nearest-rank 95th percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def _timed(run: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = run()
    return time.perf_counter() - started, result


def measure(user: Any, query: str, repeats: int) -> dict[str, Any]:
    """First page + count, search and baseline interleaved; seconds per run.  The caller
    runs the (untimed) checks first: they read the same tables and indexes, so the caches
    are as warm for the first timed run as for the last."""
    runs: dict[str, list[float]] = {"search": [], "baseline": []}
    parts: dict[str, list[float]] = {k: [] for k in ("sp", "sc", "bp", "bc")}
    counts: dict[str, int] = {}
    makers = {"search": searched, "baseline": baseline}

    def once(kind: str) -> None:
        page_s, _page = _timed(lambda: [t.pk for t in makers[kind](user, query)[:PAGE]])
        count_s, counts[kind] = _timed(lambda: makers[kind](user, query).count())
        runs[kind].append(page_s + count_s)
        parts[kind[0] + "p"].append(page_s)
        parts[kind[0] + "c"].append(count_s)

    for run in range(repeats):
        once("search")
        spent = sum(runs["baseline"])
        if len(runs["baseline"]) < BASELINE_MIN_RUNS or spent < BASELINE_BUDGET_S:
            once("baseline")
        if run + 1 >= SEARCH_MIN_RUNS and sum(runs["search"]) >= SEARCH_BUDGET_S:
            break

    def ms(values: Sequence[float]) -> float:
        return round(1000 * statistics.median(values), 2)

    search_median = statistics.median(runs["search"])
    baseline_median = statistics.median(runs["baseline"])
    return {
        "matches": counts["search"],
        "like_matches": counts["baseline"],
        "runs": len(runs["search"]),
        "search_ms_median": round(1000 * search_median, 2),
        "search_ms_p95": round(1000 * p95(runs["search"]), 2),
        "search_page_ms_median": ms(parts["sp"]),
        "search_count_ms_median": ms(parts["sc"]),
        "baseline_runs": len(runs["baseline"]),
        "baseline_ms_median": round(1000 * baseline_median, 2),
        "baseline_ms_p95": round(1000 * p95(runs["baseline"]), 2),
        "baseline_page_ms_median": ms(parts["bp"]),
        "baseline_count_ms_median": ms(parts["bc"]),
        "speedup": round(baseline_median / search_median, 1),
    }


# --------------------------------------------------------------------------------------------
# Checks (untimed)
# --------------------------------------------------------------------------------------------


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def visible_texts(ids: Iterable[int], *, internal: bool) -> dict[int, str]:
    """Reference, title, description and the comments a user sees, per ticket."""
    from yunwei.tickets.models import Comment, Ticket

    ids = list(ids)
    texts: dict[int, list[str]] = {}
    for start in range(0, len(ids), 1_000):
        chunk = ids[start : start + 1_000]
        for pk, *fields in Ticket.objects.filter(pk__in=chunk).values_list(
            "pk", "reference", "title", "description"
        ):
            texts[pk] = list(fields)
        comments = Comment.objects.filter(ticket_id__in=chunk)
        if not internal:
            comments = comments.filter(public=True)
        for pk, body in comments.order_by("ticket_id", "created_at", "id").values_list(
            "ticket_id", "body"
        ):
            texts[pk].append(body)
    return {pk: "\n".join(parts) for pk, parts in texts.items()}


def indexed_matches(customer_org: int) -> dict[tuple[str, str], set[int]]:
    """Python's reading of the stored documents: the tickets whose words include every
    word of each query (public words only, and one organization, for the customer)."""
    from yunwei.tickets import search
    from yunwei.tickets.models import SearchDocument

    words = {name: search.query_words(query) for name, query, _ in SCENARIOS}
    found: dict[tuple[str, str], set[int]] = {(n, r): set() for n, _, _ in SCENARIOS for r in ROLES}
    rows = SearchDocument.objects.values_list(
        "ticket_id", "public_text", "internal_text", "ticket__organization_id"
    ).order_by()
    for pk, public_text, internal_text, org in rows.iterator(chunk_size=5_000):
        public = set(public_text.split())
        everything = public | set(internal_text.split())
        for name, query_words in words.items():
            if all(word in everything for word in query_words):
                found[name, "staff"].add(pk)
                if org == customer_org and all(word in public for word in query_words):
                    found[name, "customer"].add(pk)
    return found


def explain(text: str, word: str, *, like: bool) -> str:
    """Why one ticket is found by LIKE and not by search (like=True), or the reverse."""
    import rjieba

    folded = _fold(text)
    if like:
        # The letters are there, not the word: inside a longer word, or across two.
        at = folded.find(word)
        cut = [
            t for t, start, end in rjieba.tokenize(folded) if start < at + len(word) and end > at
        ]
        return f"inside the word {cut[0]}" if len(cut) == 1 else "across words " + "|".join(cut)
    for at in range(len(text)):
        raw = text[at : at + len(word)]
        if _fold(raw) == word and raw.lower() != word:
            return f"{raw} (full width: search folds it, LIKE does not)"
    return "unexplained"


def check(
    scenario: tuple[str, str, str],
    role: str,
    user: Any,
    indexed: set[int],
) -> dict[str, Any]:
    """Found exactly what the documents hold; every difference from LIKE explained; the
    first page ranked by mentions."""
    from yunwei.tickets import search

    _name, query, _ = scenario
    internal = role == "staff"
    found = set(searched(user, query).values_list("pk", flat=True))
    like = set(baseline(user, query).values_list("pk", flat=True))
    words = search.query_words(query)
    reasons: Counter[str] = Counter()
    for ids, is_like in ((like - found, True), (found - like, False)):
        for text in visible_texts(ids, internal=internal).values():
            tokens = set(search.segment(text).split())
            # The word LIKE sees (letters in the text) and search does not (a word of the
            # text), or the reverse.
            odd = [
                w
                for w in (_fold(w) for w in query.split())
                if (w in text.lower()) == is_like and (w in tokens) != is_like
            ]
            label = "LIKE only: " if is_like else "search only: "
            reasons[label + (explain(text, odd[0], like=is_like) if odd else "unexplained")] += 1

    # Ranking: mentions of the query words in what the user sees, first vs 25th.
    page = list(searched(user, query).values_list("pk", flat=True)[:PAGE])
    sample = sorted(found)
    if len(sample) > RANK_SAMPLE:
        sample = random.Random(SEED).sample(sample, RANK_SAMPLE)
    texts = visible_texts(set(page) | set(sample), internal=internal)

    def mentions(pk: int) -> int:
        folded = _fold(texts[pk])
        return sum(folded.count(w) for w in words)

    page_mentions = [mentions(pk) for pk in page]
    return {
        "found_equals_documents": found == indexed,
        "found": len(found),
        "documents": len(indexed),
        "like": len(like),
        "like_only": len(like - found),
        "search_only": len(found - like),
        "differences": dict(reasons.most_common()),
        "explained": "unexplained" not in "".join(reasons),
        "mentions_first": page_mentions[0] if page_mentions else None,
        "mentions_last_on_page": page_mentions[-1] if page_mentions else None,
        "last_on_page_rank": len(page_mentions),
        "mentions_page_mean": round(statistics.mean(page_mentions), 2) if page else None,
        "mentions_all_mean": round(statistics.mean(mentions(pk) for pk in sample), 2)
        if sample
        else None,
        "mentions_sampled": len(sample),
    }


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------


def report_table(result: dict[str, Any]) -> str:
    lines = [
        f"Ticket search: {result['database']} {result['database_version']}, "
        f"{result['tickets']:,} tickets, {result['comments']:,} comments "
        f"({result['internal_comments']:,} internal); customer sees "
        f"{result['customer_tickets']:,}",
        "",
        f"  rebuild_all: {result['index']['seconds']:.1f} s = "
        f"{result['index']['docs_per_s']:,.0f} documents/s",
        "",
        "  search = search.search(visible_to(user), q)[:25] + .count(); LIKE = icontains over"
        " title, description, comments, .distinct(), [:25] by -created_at + .count()",
        f"  ms: median / p95 (nearest rank) of up to {result['repeats']} runs, interleaved "
        f"(search: at least {SEARCH_MIN_RUNS}, until {SEARCH_BUDGET_S:.0f} s;"
        f" LIKE: at least {BASELINE_MIN_RUNS}, until {BASELINE_BUDGET_S:.0f} s)",
        "",
    ]
    header = (
        f"  {'query':<10} {'user':<8} {'found':>7} {'LIKE':>7}  {'search ms':>15}  "
        f"{'LIKE ms':>15}  {'runs':>5}  {'LIKE/search':>11}  {'#1/#25 mentions':>15}  check"
    )
    lines += [header, "  " + "-" * (len(header) - 2)]
    for row in result["scenarios"]:
        check_ = row["check"]
        ok = check_["found_equals_documents"] and check_["explained"]
        mentions = f"{check_['mentions_first']}/{check_['mentions_last_on_page']}"
        if not check_["found"]:
            mentions = "-"
        elif check_["last_on_page_rank"] < PAGE:
            mentions += f" (#{check_['last_on_page_rank']})"
        lines.append(
            f"  {row['query']:<{10 - _wide(row['query'])}} {row['role']:<8} "
            f"{row['matches']:>7,} {row['like_matches']:>7,}  "
            f"{row['search_ms_median']:>7.1f}/{row['search_ms_p95']:>7.1f}  "
            f"{row['baseline_ms_median']:>7.1f}/{row['baseline_ms_p95']:>7.1f}  "
            f"{row['runs']:>2}/{row['baseline_runs']:<2}  "
            f"{row['speedup']:>10.1f}x  {mentions:>15}  {'PASS' if ok else 'FAIL'}"
        )
    lines.append("")
    lines.append("  differences from LIKE (all explained unless marked):")
    for row in result["scenarios"]:
        for reason, n in row["check"]["differences"].items():
            lines.append(f"    {row['query']} / {row['role']}: {n:,} x {reason}")
    ranking = result["ranking"]
    lines += [
        "",
        f"  ranking: mentions of the query words, #1 on average {ranking['first_mean']:.2f}, "
        f"last on the first page {ranking['last_mean']:.2f}; first page {ranking['page_mean']:.2f}"
        f" vs all matches {ranking['all_mean']:.2f}: {'PASS' if ranking['pass'] else 'FAIL'}",
    ]
    return "\n".join(lines)


def _wide(text: str) -> int:
    """Extra columns taken by East Asian wide characters."""
    return sum(unicodedata.east_asian_width(c) in "WF" for c in text)


def write_results(db: str, count: int, report: dict[str, Any]) -> Path:
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"{datetime.now(UTC):%Y-%m-%d}-search-{db}-{count}.json"
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    return path


# --------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------


def bench(db: str, count: int, repeats: int) -> dict[str, Any]:
    from django.db import connection

    from yunwei.tickets import search

    started = time.perf_counter()
    print(f"building the fixture: {count:,} tickets ...", flush=True)
    fixture = build_fixture(count)
    fixture_seconds = time.perf_counter() - started
    print(f"  {fixture_seconds:.1f} s; rebuilding the search index ...", flush=True)
    index_started = time.perf_counter()
    indexed_count = search.rebuild_all()
    index_seconds = time.perf_counter() - index_started
    print(f"  {index_seconds:.1f} s", flush=True)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # What autovacuum does shortly after a bulk load: statistics for the planner,
            # and the GIN indexes' pending lists merged (until then the planner prices
            # the indexes high and may scan the table).  SQLite is left as the
            # application leaves it (no ANALYZE).
            cursor.execute("VACUUM ANALYZE")
            cursor.execute("show server_version")
        else:
            cursor.execute("select sqlite_version()")
        version = cursor.fetchone()[0]

    users = {"staff": fixture["agent"], "customer": fixture["customer"]}
    queries_started = time.perf_counter()
    print("checking what is found against the stored documents ...", flush=True)
    indexed = indexed_matches(fixture["customer"].organization_id)
    rows = []
    for scenario in SCENARIOS:
        name, query, what = scenario
        for role, user in users.items():
            print(f"  {query} as {role}: checking, timing ...", flush=True)
            row: dict[str, Any] = {"scenario": name, "query": query, "what": what, "role": role}
            checked = check(scenario, role, user, indexed[name, role])
            row.update(measure(user, query, repeats))
            row["check"] = checked
            rows.append(row)
    queries_seconds = time.perf_counter() - queries_started

    firsts = [r["check"]["mentions_first"] for r in rows if r["check"]["found"]]
    lasts = [r["check"]["mentions_last_on_page"] for r in rows if r["check"]["found"]]
    page_means = [r["check"]["mentions_page_mean"] for r in rows if r["check"]["found"]]
    all_means = [r["check"]["mentions_all_mean"] for r in rows if r["check"]["found"]]
    ranking = {
        "first_mean": round(statistics.mean(firsts), 2),
        "last_mean": round(statistics.mean(lasts), 2),
        "page_mean": round(statistics.mean(page_means), 2),
        "all_mean": round(statistics.mean(all_means), 2),
        "first_ge_last_in_every_scenario": all(
            f >= la for f, la in zip(firsts, lasts, strict=True)
        ),
    }
    ranking["pass"] = (
        ranking["first_mean"] > ranking["last_mean"] and ranking["page_mean"] > ranking["all_mean"]
    )
    return {
        "database": db,
        "database_version": version,
        "seed": SEED,
        "tickets": count,
        "comments": fixture["comments"],
        "internal_comments": fixture["internal_comments"],
        "customer_organizations": CUSTOMERS,
        "customer_tickets": fixture["customer_tickets"],
        "fixture_seconds": round(fixture_seconds, 1),
        "index": {
            "documents": indexed_count,
            "seconds": round(index_seconds, 2),
            "docs_per_s": round(indexed_count / index_seconds),
        },
        "queries_and_checks_seconds": round(queries_seconds, 1),
        "page_size": PAGE,
        "repeats": repeats,
        "search_min_runs": SEARCH_MIN_RUNS,
        "search_budget_s": SEARCH_BUDGET_S,
        "baseline": "icontains (LIKE '%word%') on title, description, comment bodies; "
        ".distinct(); first 25 by -created_at + count()",
        "baseline_min_runs": BASELINE_MIN_RUNS,
        "baseline_budget_s": BASELINE_BUDGET_S,
        "scenarios": rows,
        "ranking": ranking,
    }


def run_one(args: argparse.Namespace) -> dict[str, Any]:
    """Everything for one database, in this process."""
    started = time.perf_counter()
    data_dir = setup_django(args.db)
    original = None
    try:
        print(f"== {args.db}: migrating a throw-away database ...", flush=True)
        original = create_database(args.db)
        report: dict[str, Any] = {"benchmark": "search", "machine": machine()}
        report["measured_at"] = datetime.now(UTC).isoformat(timespec="seconds")
        report.update(bench(args.db, args.tickets, args.repeats))
        report["total_seconds"] = round(time.perf_counter() - started, 1)
        print()
        print(report_table(report), end="\n\n", flush=True)
        path = write_results(args.db, args.tickets, report)
        print(f"written: {path.relative_to(ROOT)}", flush=True)
        failed = [
            f"{row['query']} / {row['role']}"
            for row in report["scenarios"]
            if not (row["check"]["found_equals_documents"] and row["check"]["explained"])
        ]
        if failed:
            raise SystemExit(f"FAIL: search and the stored documents disagree: {failed}")
        if not report["ranking"]["pass"]:
            raise SystemExit("FAIL: the first-ranked tickets do not mention the words more")
        return report
    finally:
        drop_database(original, data_dir)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ticket_search", description=__doc__)
    parser.add_argument("--db", choices=["sqlite", "postgresql"])
    parser.add_argument("--tickets", type=int, default=TICKETS)
    parser.add_argument("--repeats", type=int, default=REPEATS)
    args = parser.parse_args(argv)
    if args.db == "postgresql" and not os.environ.get("YUNWEI_BENCH_DATABASE_URL"):
        parser.error("--db postgresql needs YUNWEI_BENCH_DATABASE_URL")
    if args.db:
        run_one(args)
        return 0

    started = time.perf_counter()
    args.db = "sqlite"
    run_one(args)
    if os.environ.get("YUNWEI_BENCH_DATABASE_URL"):
        # A fresh process: settings (and the database) are fixed once Django is set up.
        command = [sys.executable, "-m", "bench.ticket_search", "--db", "postgresql"]
        command += ["--tickets", str(args.tickets), "--repeats", str(args.repeats)]
        subprocess.run(command, cwd=ROOT, check=True)  # noqa: S603
    else:
        print("PostgreSQL: skipped (set YUNWEI_BENCH_DATABASE_URL to include it)")
    total = time.perf_counter() - started
    print(f"total {total:.0f} s (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    if total > BUDGET_S:
        print(
            f"NOTE: over the {BUDGET_S // 60:.0f}-minute budget of `make bench-search`; "
            "--tickets N runs a smaller set (results are written per N)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
