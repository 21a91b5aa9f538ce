"""The database itself refuses to change or remove a sealed audit entry.

Unsealed entries (seq IS NULL) may still be updated once, by the sealer. Whoever drops
these triggers to edit history is still caught by `yunwei audit verify`.

SQLite drops a table's triggers when a migration rebuilds the table (most AlterField and
AddField operations): a later migration of core_auditentry must call `protect()` again.
tests/core/test_audit.py fails if the triggers are missing.
"""

from django.db import migrations

SQLITE = [
    """CREATE TRIGGER core_auditentry_no_update BEFORE UPDATE ON core_auditentry
       WHEN OLD.seq IS NOT NULL
       BEGIN SELECT RAISE(ABORT, 'sealed audit entries cannot be changed'); END""",
    """CREATE TRIGGER core_auditentry_no_delete BEFORE DELETE ON core_auditentry
       WHEN OLD.seq IS NOT NULL
       BEGIN SELECT RAISE(ABORT, 'sealed audit entries cannot be deleted'); END""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS core_auditentry_no_update",
    "DROP TRIGGER IF EXISTS core_auditentry_no_delete",
]
POSTGRESQL = [
    """CREATE OR REPLACE FUNCTION core_auditentry_protect() RETURNS trigger AS $$
       BEGIN
         IF OLD.seq IS NOT NULL THEN
           RAISE EXCEPTION 'sealed audit entries cannot be changed or deleted (entry %)', OLD.id;
         END IF;
         IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
         RETURN NEW;
       END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER core_auditentry_protect BEFORE UPDATE OR DELETE ON core_auditentry
       FOR EACH ROW EXECUTE FUNCTION core_auditentry_protect()""",
]
POSTGRESQL_REVERSE = [
    "DROP TRIGGER IF EXISTS core_auditentry_protect ON core_auditentry",
    "DROP FUNCTION IF EXISTS core_auditentry_protect()",
]
STATEMENTS = {"sqlite": (SQLITE, SQLITE_REVERSE), "postgresql": (POSTGRESQL, POSTGRESQL_REVERSE)}


def protect(connection, *, on=True):
    """Create (or drop) the triggers on `connection`; the tests use this too."""
    with connection.cursor() as cursor:
        for statement in STATEMENTS.get(connection.vendor, ([], []))[0 if on else 1]:
            cursor.execute(statement)


def forwards(apps, schema_editor):
    protect(schema_editor.connection, on=True)


def backwards(apps, schema_editor):
    protect(schema_editor.connection, on=False)


class Migration(migrations.Migration):
    dependencies = [("core", "0002_audit_entry_and_head_seals")]
    operations = [migrations.RunPython(forwards, backwards)]
