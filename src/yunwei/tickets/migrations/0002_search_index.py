"""The full-text index over `SearchDocument` (see `yunwei/tickets/search.py`).

SQLite: an FTS5 table whose rowid is the ticket id, kept in step by `search.reindex`.
PostgreSQL: two generated tsvector columns (unknown to the Django model, computed by the
database on every write) with GIN indexes: one on what customers may find, one on
everything provider staff may find. `search.py` names them; tests/tickets/test_search.py
checks the plan uses the indexes.
"""

from django.db import migrations

SQLITE = [
    """CREATE VIRTUAL TABLE tickets_search_fts
       USING fts5(public_text, internal_text, tokenize='unicode61')""",
    """INSERT INTO tickets_search_fts(rowid, public_text, internal_text)
       SELECT ticket_id, public_text, internal_text FROM tickets_searchdocument""",
]
SQLITE_REVERSE = ["DROP TABLE IF EXISTS tickets_search_fts"]
POSTGRESQL = [
    # Stored, generated tsvectors: ranking reads them instead of re-parsing every
    # matching document (ten times faster for a word found in a quarter of all tickets).
    """ALTER TABLE tickets_searchdocument ADD COLUMN public_tsv tsvector
       GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, public_text)) STORED""",
    """ALTER TABLE tickets_searchdocument ADD COLUMN all_tsv tsvector
       GENERATED ALWAYS AS
       (to_tsvector('simple'::regconfig, public_text || ' ' || internal_text)) STORED""",
    "CREATE INDEX tickets_search_public_gin ON tickets_searchdocument USING gin (public_tsv)",
    "CREATE INDEX tickets_search_all_gin ON tickets_searchdocument USING gin (all_tsv)",
]
POSTGRESQL_REVERSE = [
    "DROP INDEX IF EXISTS tickets_search_public_gin",
    "DROP INDEX IF EXISTS tickets_search_all_gin",
    "ALTER TABLE tickets_searchdocument DROP COLUMN IF EXISTS public_tsv",
    "ALTER TABLE tickets_searchdocument DROP COLUMN IF EXISTS all_tsv",
]
STATEMENTS = {"sqlite": (SQLITE, SQLITE_REVERSE), "postgresql": (POSTGRESQL, POSTGRESQL_REVERSE)}


def run(schema_editor, *, forwards):
    statements = STATEMENTS.get(schema_editor.connection.vendor, ([], []))
    for statement in statements[0 if forwards else 1]:
        schema_editor.execute(statement)


def forwards(apps, schema_editor):
    run(schema_editor, forwards=True)


def backwards(apps, schema_editor):
    run(schema_editor, forwards=False)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
