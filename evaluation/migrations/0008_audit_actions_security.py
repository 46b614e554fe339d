"""The audit actions of the security work (reads of lists, the audit viewer, passwords), and, on
PostgreSQL, a trigger that makes every column of a signed revision write-once.

The choices below are the actions this migration adds to those before it; actions
other work adds come in that work's own migration.

The trigger refuses deleting a signed revision and changing any column that
already holds a value; a column still empty (NULL or '') may be filled once,
which is how the stored reports (PDFs and their hashes) are written after
signing. With the two database roles (accounts/db_roles.py) the runtime role
cannot disable it, and may update only those report columns anyway.
"""

from django.db import migrations, models

SIGNATURE_TRIGGER = """
CREATE OR REPLACE FUNCTION evaluation_signature_write_once() RETURNS trigger AS $$
DECLARE
    old_row jsonb := to_jsonb(OLD);
    new_row jsonb := to_jsonb(NEW);
    col text;
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION USING MESSAGE = 'signed revisions cannot be deleted';
    END IF;
    FOR col IN SELECT jsonb_object_keys(old_row) LOOP
        IF old_row -> col IS DISTINCT FROM new_row -> col
           AND old_row -> col NOT IN ('null'::jsonb, '""'::jsonb) THEN
            RAISE EXCEPTION USING MESSAGE = 'signed revisions cannot be changed: ' || col;
        END IF;
    END LOOP;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER evaluation_signature_write_once
    BEFORE UPDATE OR DELETE ON evaluation_signature
    FOR EACH ROW EXECUTE FUNCTION evaluation_signature_write_once();
"""
DROP_SIGNATURE_TRIGGER = """
DROP TRIGGER IF EXISTS evaluation_signature_write_once ON evaluation_signature;
DROP FUNCTION IF EXISTS evaluation_signature_write_once();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(SIGNATURE_TRIGGER)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_SIGNATURE_TRIGGER)


class Migration(migrations.Migration):

    dependencies = [
        ("evaluation", "0007_templateversion_translations"),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditevent",
            name="action",
            field=models.CharField(choices=[('login', 'Signed in'), ('logout', 'Signed out'), ('login_failed', 'Failed sign-in'), ('patient_create', 'Patient registered'), ('patient_view', 'Patient viewed'), ('patient_change', 'Patient changed'), ('assessment_create', 'Assessment started'), ('assessment_view', 'Assessment viewed'), ('assessment_save', 'Assessment saved'), ('assessment_decisions', 'Decisions saved'), ('assessment_finalize', 'Assessment signed'), ('assessment_amend', 'Amendment started'), ('assessment_print', 'Summary printed'), ('handout_print', 'Handout printed'), ('template_publish', 'Template published'), ('template_retire', 'Template retired'), ('template_clone', 'Template draft created'), ('template_import', 'Template imported'), ('template_export', 'Template exported'), ('audit_export', 'Audit exported'), ('patient_list', 'Patient list viewed'), ('assessment_list', 'Assessment list viewed'), ('audit_view', 'Audit trail viewed'), ('password_change', 'Password changed'), ('password_set', 'Temporary password set')], db_index=True, editable=False, max_length=32),
        ),
        migrations.RunPython(create_trigger, drop_trigger),
    ]
