"""Deterministic benchmark data: `generate(tickets=N, seed=S)` (or `yunwei bench generate`).

Into a migrated database without tickets, for N tickets (1,000,000 by default): N/100
customer organizations with three requesters each, N/200 agents in teams of 25, 50
services with an SLA agreement each, twelve months of tickets (Chinese, English and
mixed texts from bench/phrases.py), two or three comments each (a third internal notes),
their SLA records, satisfaction surveys, search documents and the audit entries of every
ticket and comment, sealed into the chain. Same seed, N and `now` → same rows.

Streams CHUNK tickets at a time (memory stays flat) with bulk inserts: COPY on
PostgreSQL, executemany on SQLite. A large load on PostgreSQL first drops the secondary
indexes of the big tables and rebuilds them at the end, then runs VACUUM ANALYZE.

The modules: gen_setup (organizations, people, services), gen_time (when tickets were
opened), gen_text (texts and their search form), gen_tickets (one chunk of tickets and
what hangs off them), gen_audit (the chain), gen_clock (business time), gen_load (writing).
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from typing import Any

from django.db import connection, transaction
from tqdm import tqdm

from bench import gen_setup
from bench.gen_audit import AUDIT_COLUMNS, Chain
from bench.gen_load import Loader, Writer
from bench.gen_text import SEARCH_WORDS
from bench.gen_tickets import (
    COMMENT_COLUMNS,
    DOCUMENT_COLUMNS,
    RECORD_COLUMNS,
    SURVEY_COLUMNS,
    TICKET_COLUMNS,
    Chunk,
    ChunkMaker,
    Counters,
    due_soon_indexes,
)
from bench.gen_time import DAY, Timeline

SEED = 20261205
TICKETS = 1_000_000
CHUNK = 10_000
BULK_FROM = 50_000  # tickets from which indexes are dropped and rebuilt around the load
SAMPLES = 300
BIG_TABLES = ["tickets_ticket", "tickets_comment", "sla_slarecord", "core_auditentry",
              "tickets_searchdocument", "tickets_survey"]  # fmt: skip


class GenerateError(Exception):
    """The database is not one the generator may fill."""


def generate(
    tickets: int = TICKETS,
    seed: int = SEED,
    progress: bool = True,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Fill the database; returns the summary (JSON-able)."""
    from yunwei.accounts.models import User
    from yunwei.core.models import AuditEntry
    from yunwei.sla.models import SlaRecord
    from yunwei.tickets.models import Comment, ReferenceSequence, Survey, Ticket

    if tickets < 1:
        raise GenerateError("--tickets must be at least 1")
    if Ticket.objects.exists():
        raise GenerateError("the database already holds tickets: generate into a fresh one")
    if User.objects.filter(email=gen_setup.BENCH_AGENT).exists():
        raise GenerateError("the database already holds bench data: generate into a fresh one")
    started = time.perf_counter()
    moment = int((now or dt.datetime.now(dt.UTC)).timestamp())
    phases: dict[str, float] = {}
    loader = Loader()
    bulk = tickets >= BULK_FROM and not connection.in_atomic_block

    clock_from = dt.datetime.fromtimestamp(moment - 400 * DAY, dt.UTC).date()
    clock_to = dt.datetime.fromtimestamp(moment + 400 * DAY, dt.UTC).date()
    sizes = gen_setup.Sizes.for_tickets(tickets)
    with transaction.atomic():
        world = gen_setup.build(loader, sizes, clock_from, clock_to)
        chain = Chain()
    phases["setup"] = time.perf_counter() - started

    timeline = Timeline(tickets, moment, seed)
    maker = ChunkMaker(world, timeline, loader, seed, due_soon_indexes(timeline, tickets, seed))
    counters = Counters(
        ticket=loader.next_id(Ticket) - 1,
        comment=loader.next_id(Comment) - 1,
        record=loader.next_id(SlaRecord) - 1,
        survey=loader.next_id(Survey) - 1,
        audit=loader.next_id(AuditEntry) - 1,
        references=dict.fromkeys(("incident", "request", "problem"), 0),
    )
    for sequence in ReferenceSequence.objects.all():
        counters.references[sequence.ticket_type] = sequence.last
    first_ticket = counters.ticket + 1
    if bulk:
        loader.begin_bulk(BIG_TABLES)
    load_started = time.perf_counter()
    generating = 0.0
    open_tickets = due_soon = 0
    bar = tqdm(total=tickets, unit="tickets", file=sys.stderr, disable=not progress, desc="tickets")
    # On PostgreSQL outside a transaction the chunks are written in the background while
    # the next is made (the server computes the search vectors and the commit on the
    # other core); inside one (tests) they go through the caller's connection. SQLite's
    # writing is mostly Python's own work: in line. The search documents take a second
    # connection, each chunk's after its tickets are committed.
    background = loader.vendor == "postgresql" and not connection.in_atomic_block
    writer, documents = Writer(background), Writer(background)
    for begin in range(0, tickets, CHUNK):
        end = min(begin + CHUNK, tickets)
        mark = time.perf_counter()
        chunk = maker.make(begin, end, counters)
        audit_rows = chain.seal(chunk.audit, loader.stamp)
        generating += time.perf_counter() - mark
        writer.submit(_store, loader, chunk, audit_rows, chain.head(), documents)
        open_tickets += chunk.open
        due_soon += chunk.due_soon
        bar.update(end - begin)
    try:
        writer.finish()
    finally:
        documents.finish()  # its thread stops either way
    bar.close()
    chain.write_anchor()
    with transaction.atomic():
        for kind, last in counters.references.items():
            ReferenceSequence.objects.update_or_create(ticket_type=kind, defaults={"last": last})
        loader.reset_sequences([Ticket, Comment, SlaRecord, Survey, AuditEntry, User])
    phases["load"] = time.perf_counter() - load_started
    phases["generate_python"] = generating
    if bulk:
        phases.update(loader.end_bulk(BIG_TABLES))
    elif loader.vendor == "sqlite" and not connection.in_atomic_block:
        loader.end_bulk(BIG_TABLES)
    total = time.perf_counter() - started
    last_ticket = counters.ticket
    step = max(1, tickets // SAMPLES)
    return {
        "seed": seed,
        "now": dt.datetime.fromtimestamp(moment, dt.UTC).isoformat(),
        "database": connection.vendor,
        "tickets": tickets,
        "counts": {table: loader.rows[table] for table in sorted(loader.rows)},
        "open_tickets": open_tickets,
        "due_within_24h": due_soon,
        "seconds": {name: round(value, 2) for name, value in phases.items()},
        "seconds_total": round(total, 2),
        "seconds_per_table": {t: round(s, 2) for t, s in sorted(loader.seconds.items())},
        "tickets_per_second": round(tickets / total),
        "load_tickets_per_second": round(tickets / phases["load"]),
        "team_id": world.teams[0],
        "organization_id": world.organizations[0],
        "service_id": world.services[0].id,
        "bench_agent_id": world.bench_agent,
        "bench_requester_id": world.bench_requester,
        "password": gen_setup.PASSWORD,
        "sample_ticket_ids": list(range(first_ticket, last_ticket + 1, step))[:SAMPLES],
        "search_words": SEARCH_WORDS,
    }


def _store(
    loader: Loader,
    chunk: Chunk,
    audit_rows: list[tuple[Any, ...]],
    head: tuple[int, str],
    then: Writer,
) -> None:
    """One chunk's rows, and the chain head after them, in one transaction; then its
    search documents handed to `then`."""
    from yunwei.core.models import AuditEntry
    from yunwei.sla.models import SlaRecord
    from yunwei.tickets.models import Comment, Survey, Ticket

    with transaction.atomic():
        loader.session_for_load()
        loader.write(Ticket, TICKET_COLUMNS, chunk.tickets)
        loader.write(Comment, COMMENT_COLUMNS, chunk.comments)
        loader.write(SlaRecord, RECORD_COLUMNS, chunk.records)
        loader.write(Survey, SURVEY_COLUMNS, chunk.surveys)
        loader.write(AuditEntry, AUDIT_COLUMNS, audit_rows)
        Chain.save_head(head)
    then.submit(_store_documents, loader, chunk.documents)


def _store_documents(loader: Loader, documents: list[tuple[Any, ...]]) -> None:
    from yunwei.tickets.models import SearchDocument

    with transaction.atomic():
        loader.session_for_load()
        loader.write(SearchDocument, DOCUMENT_COLUMNS, documents)
        if loader.vendor == "sqlite":
            loader.write_table(
                "tickets_search_fts",
                ["rowid", "public_text", "internal_text"],
                [(pk, public, internal) for pk, _org, public, internal in documents],
            )
