"""Writing the generated rows: COPY on PostgreSQL, executemany on SQLite; and, around a
large load, the secondary indexes dropped and rebuilt, foreign-key triggers off, the
tables vacuumed and analysed.

Rows arrive as tuples of database-ready values: datetimes as text in the database's own
form (`Loader.stamp`), JSON as text, booleans as bool.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models, transaction


class Loader:
    def __init__(self) -> None:
        self.vendor = connection.vendor
        self.seconds: dict[str, float] = defaultdict(float)  # per table
        self.rows: dict[str, int] = defaultdict(int)
        self._minutes: dict[int, str] = {}
        # PostgreSQL reads "+00" as UTC; Django keeps SQLite datetimes as naive UTC text.
        self._zone = "+00" if self.vendor == "postgresql" else ""
        self._dropped: list[str] = []

    # --- values ---------------------------------------------------------------------

    def stamp(self, seconds: int) -> str:
        """An instant (whole seconds since the epoch, UTC) as the database stores it."""
        minute, secs = divmod(seconds, 60)
        prefix = self._minutes.get(minute)
        if prefix is None:
            if len(self._minutes) > 500_000:
                self._minutes.clear()
            moment = dt.datetime.fromtimestamp(minute * 60, dt.UTC)
            prefix = self._minutes[minute] = moment.strftime("%Y-%m-%d %H:%M:")
        return f"{prefix}{secs:02d}{self._zone}"

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
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()"
                " AND tablename = ANY(%s) AND indexname NOT IN"
                " (SELECT conname FROM pg_constraint WHERE contype IN ('p', 'u', 'x'))"
                " ORDER BY tablename, indexname",
                [list(tables)],
            )
            found = cursor.fetchall()
            for name, definition in found:
                cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
                self._dropped.append(definition)

    def session_for_load(self) -> None:
        """PostgreSQL, per loading transaction: no foreign-key triggers (the rows are
        consistent by construction) when the role may say so."""
        if self.vendor != "postgresql" or not self.superuser:
            return
        with connection.cursor() as cursor:
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
        for the planner, the visibility map for index-only scans). Seconds per step."""
        spent: dict[str, float] = {}
        with connection.cursor() as cursor:
            if self.vendor != "postgresql":
                cursor.execute("PRAGMA synchronous=NORMAL")
                return spent
            cursor.execute("SET maintenance_work_mem = '1GB'")
            started = time.perf_counter()
            while self._dropped:
                cursor.execute(self._dropped.pop(0))
            spent["indexes"] = time.perf_counter() - started
            started = time.perf_counter()
            quote = connection.ops.quote_name
            cursor.execute("VACUUM ANALYZE " + ", ".join(quote(t) for t in tables))
            spent["vacuum"] = time.perf_counter() - started
        return spent

    @staticmethod
    def in_transaction() -> bool:
        return transaction.get_connection().in_atomic_block
