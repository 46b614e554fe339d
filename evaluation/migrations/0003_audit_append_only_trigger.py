"""On PostgreSQL, the database itself refuses to change or delete an audit event.

The model and its queryset already refuse; this also stops raw SQL and other
clients of the same database. Only row-level UPDATE and DELETE are refused:
TRUNCATE (used by test database flushes, never by the application) is not.
SQLite has no such separation (a flush deletes rows), so it relies on the model.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION evaluation_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER evaluation_auditevent_append_only
    BEFORE UPDATE OR DELETE ON evaluation_auditevent
    FOR EACH ROW EXECUTE FUNCTION evaluation_auditevent_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS evaluation_auditevent_append_only ON evaluation_auditevent;
DROP FUNCTION IF EXISTS evaluation_auditevent_append_only();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("evaluation", "0002_roles")]

    operations = [migrations.RunPython(create_trigger, drop_trigger)]
