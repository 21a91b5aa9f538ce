"""On PostgreSQL, TRUNCATE bypasses row triggers: refuse it while sealed entries exist.

(An empty history may be truncated, which test databases and fresh installs need.)
"""

from django.db import migrations

FORWARDS = [
    """CREATE OR REPLACE FUNCTION core_auditentry_refuse_truncate() RETURNS trigger AS $$
       BEGIN
         IF EXISTS (SELECT 1 FROM core_auditentry WHERE seq IS NOT NULL) THEN
           RAISE EXCEPTION 'sealed audit entries cannot be truncated';
         END IF;
         RETURN NULL;
       END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER core_auditentry_refuse_truncate BEFORE TRUNCATE ON core_auditentry
       FOR EACH STATEMENT EXECUTE FUNCTION core_auditentry_refuse_truncate()""",
]
BACKWARDS = [
    "DROP TRIGGER IF EXISTS core_auditentry_refuse_truncate ON core_auditentry",
    "DROP FUNCTION IF EXISTS core_auditentry_refuse_truncate()",
]


def _run(schema_editor, statements):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)


def forwards(apps, schema_editor):
    _run(schema_editor, FORWARDS)


def backwards(apps, schema_editor):
    _run(schema_editor, BACKWARDS)


class Migration(migrations.Migration):
    dependencies = [("core", "0003_protect_sealed_audit_entries")]
    operations = [migrations.RunPython(forwards, backwards)]
