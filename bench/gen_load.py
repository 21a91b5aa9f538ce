"""Writing the generated rows: COPY on PostgreSQL, executemany on SQLite; and, around a
large load, the secondary indexes dropped and rebuilt, foreign-key triggers off, the
tables vacuumed and analysed.

Rows arrive as tuples of database-ready values: datetimes as text in the database's own
form (`Loader.stamp`), JSON as text, booleans as bool.
"""

from __future__ import annotations

import queue
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from django.core.management.color import no_style
from django.db import connection, connections, models, transaction

from bench.gen_time import stamps


class Loader:
    def __init__(self) -> None:
        self.vendor = connection.vendor
        self.seconds: dict[str, float] = defaultdict(float)  # per table
        self.rows: dict[str, int] = defaultdict(int)
        # PostgreSQL reads "+00" as UTC; Django keeps SQLite datetimes as naive UTC text.
        # An instant (whole seconds since the epoch, UTC) as the database stores it:
        self.stamp = stamps("%Y-%m-%d ", "+00" if self.vendor == "postgresql" else "")
        self._dropped: list[tuple[str, str]] = []  # (table, definition)

    @staticmethod
    def next_id(model: type[models.Model]) -> int:
        last = model._default_manager.order_by("-pk").values_list("pk", flat=True).first()
        return int(last or 0) + 1

    # --- rows -----------------------------------------------------------------------

    def write(
        self, model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        """Insert `rows` (values for the attribute names `columns`) into the model's table."""
        fields = {f.attname: str(f.column) for f in model._meta.concrete_fields}
        self._insert(model._meta.db_table, [fields[name] for name in columns], rows)

    def write_m2m(
        self, through: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        self._insert(through._meta.db_table, list(columns), rows)

    def write_table(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        self._insert(table, list(columns), rows)

    def _insert(self, table: str, columns: list[str], rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        started = time.perf_counter()
        quote = connection.ops.quote_name
        names = ", ".join(quote(c) for c in columns)
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(columns))
                sql = f"INSERT INTO {quote(table)} ({names}) VALUES ({marks})"  # noqa: S608
                cursor.executemany(sql, rows)
        self.seconds[table] += time.perf_counter() - started
        self.rows[table] += len(rows)

    def reset_sequences(self, models_: Sequence[type[models.Model]]) -> None:
        """Move PostgreSQL's id sequences past the ids given here."""
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), list(models_)):
                cursor.execute(statement)

    # --- around a large load ----------------------------------------------------------

    def begin_bulk(self, tables: Sequence[str]) -> None:
        """Before a large load (outside any transaction): SQLite stops syncing to disk;
        PostgreSQL drops the tables' secondary indexes (kept: those behind primary keys
        and unique constraints), saving their definitions."""
        with connection.cursor() as cursor:
            if self.vendor != "postgresql":
                cursor.execute("PRAGMA synchronous=OFF")
                return
            cursor.execute(
                "SELECT tablename, indexname, indexdef FROM pg_indexes"
                " WHERE schemaname = current_schema()"
                " AND tablename = ANY(%s) AND indexname NOT IN"
                " (SELECT conname FROM pg_constraint WHERE contype IN ('p', 'u', 'x'))"
                " ORDER BY tablename, indexname",
                [list(tables)],
            )
            found = cursor.fetchall()
            for table, name, definition in found:
                cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
                self._dropped.append((table, definition))

    def session_for_load(self) -> None:
        """PostgreSQL, per loading transaction: no wait for the commit to reach the disk
        (a crash mid-load leaves a database to start again anyway); no foreign-key
        triggers (the rows are consistent by construction) when the role may say so."""
        if self.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")
            if self.superuser:
                cursor.execute("SET LOCAL session_replication_role = replica")

    @property
    def superuser(self) -> bool:
        if not hasattr(self, "_superuser"):
            with connection.cursor() as cursor:
                cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
                row = cursor.fetchone()
            self._superuser = bool(row and row[0])
        return self._superuser

    def end_bulk(self, tables: Sequence[str]) -> dict[str, float]:
        """After a large load: the dropped indexes rebuilt, then VACUUM ANALYZE (statistics
        for the planner, the visibility map for index-only scans), each on two connections
        at once (a GIN build uses one core). Seconds per step."""
        spent: dict[str, float] = {}
        if self.vendor != "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA synchronous=NORMAL")
            return spent
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT relname, pg_table_size(oid) FROM pg_class WHERE relname = ANY(%s)",
                [list(tables)],
            )
            size = dict(cursor.fetchall())
        quote = connection.ops.quote_name
        # A GIN index over text takes a few times as long as a b-tree over the same rows.
        builds = [(size[t] * (4 if " USING gin " in d else 1), d) for t, d in self._dropped]
        started = time.perf_counter()
        _in_parallel(_share(builds, PARALLEL), "SET maintenance_work_mem = '512MB'")
        self._dropped.clear()
        spent["indexes"] = time.perf_counter() - started
        started = time.perf_counter()
        vacuums = [(size[t], f"VACUUM ANALYZE {quote(t)}") for t in tables]
        _in_parallel(_share(vacuums, PARALLEL), "SET maintenance_work_mem = '512MB'")
        spent["vacuum"] = time.perf_counter() - started
        return spent

    @staticmethod
    def in_transaction() -> bool:
        return transaction.get_connection().in_atomic_block


PARALLEL = 2  # connections for the rebuild: the machine's cores


def _share(work: list[tuple[int, str]], ways: int) -> list[list[str]]:
    """Statements (with their expected cost) dealt into `ways` lists of about equal
    cost, the dearest first."""
    lists: list[list[str]] = [[] for _ in range(ways)]
    costs = [0] * ways
    for cost, statement in sorted(work, key=lambda item: -item[0]):
        k = costs.index(min(costs))
        lists[k].append(statement)
        costs[k] += cost
    return lists


def _in_parallel(lists: list[list[str]], setup: str) -> None:
    """Each list of statements run in order on a connection of its own, the lists at the
    same time (outside any transaction)."""
    errors: list[BaseException] = []

    def run(statements: list[str]) -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute(setup)
                for statement in statements:
                    cursor.execute(statement)
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()  # this thread's own connection

    threads = [threading.Thread(target=run, args=(statements,)) for statements in lists]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


class Writer:
    """Runs the writing of chunk after chunk in order — in a thread with its own database
    connection when `background`, so the database digests one chunk (COPY, the search
    vectors, the commit) while Python makes the next; else at once, in the caller's."""

    def __init__(self, background: bool) -> None:
        self._jobs: queue.Queue[tuple[Callable[..., None], tuple[Any, ...]] | None]
        self._jobs = queue.Queue(maxsize=2)  # at most two chunks wait in memory
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        if background:
            self._thread = threading.Thread(target=self._run, name="bench-writer", daemon=True)
            self._thread.start()

    def submit(self, job: Callable[..., None], *args: Any) -> None:
        if self._thread is None:
            job(*args)
            return
        self._raise()
        self._jobs.put((job, args))

    def finish(self) -> None:
        """Wait until everything submitted is written; raise what went wrong there."""
        if self._thread is not None:
            self._jobs.put(None)
            self._thread.join()
            self._thread = None
        self._raise()

    def _raise(self) -> None:
        if self._error is not None:
            raise self._error

    def _run(self) -> None:
        try:
            while (item := self._jobs.get()) is not None:
                if self._error is None:  # after a failure, only drain the queue
                    job, args = item
                    try:
                        job(*args)
                    except BaseException as error:
                        self._error = error
        finally:
            connections.close_all()  # this thread's own connections
