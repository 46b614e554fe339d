"""Hash chains over audit events and signed revisions (see evaluation/integrity.py).

Adds ``chain``, ``previous_hash`` and ``row_hash`` to both tables, with an index
to find a chain's last row, and chains the rows already there, in id order, so a
migrated database verifies (``manage.py verify_records``): existing rows form
one chain per UTC day; rows inserted later join one of the day's numbered chains. The hashed fields are
listed here, frozen, as the models list them when this migration was written.

On PostgreSQL the audit table's append-only trigger refuses every UPDATE, so the
data step disables it for its own UPDATE and enables it again in the same
transaction (the owner role that migrates may; the runtime role may not). The
signature trigger lets empty columns be filled once, which is all this does.
"""

from django.db import migrations, models

from evaluation import integrity

AUDIT_FIELDS = ("at", "user_id", "username", "action", "object_type", "object_id", "patient_id", "detail",
                "ip_address")
SIGNATURE_FIELDS = ("assessment_id", "number", "signed_by_id", "signer_name", "signed_at", "meaning",
                    "amendment_reason", "content", "content_hash")
AUDIT_TRIGGER = "evaluation_auditevent_append_only"


def _chain_rows(model, fields, moment):
    heads = {}
    batch = []
    for row in model._base_manager.order_by("id").iterator(chunk_size=1000):
        row.chain = integrity.day_chain(getattr(row, moment))
        row.previous_hash = heads.get(row.chain, integrity.GENESIS)
        row.row_hash = integrity.hash_row(row, fields)
        heads[row.chain] = row.row_hash
        batch.append(row)
        if len(batch) >= 1000:
            model._base_manager.bulk_update(batch, ["chain", "previous_hash", "row_hash"])
            batch = []
    if batch:
        model._base_manager.bulk_update(batch, ["chain", "previous_hash", "row_hash"])


def chain_existing(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    if postgres:
        schema_editor.execute(f"ALTER TABLE evaluation_auditevent DISABLE TRIGGER {AUDIT_TRIGGER}")
    _chain_rows(apps.get_model("evaluation", "AuditEvent"), AUDIT_FIELDS, "at")
    if postgres:
        schema_editor.execute(f"ALTER TABLE evaluation_auditevent ENABLE TRIGGER {AUDIT_TRIGGER}")
    _chain_rows(apps.get_model("evaluation", "Signature"), SIGNATURE_FIELDS, "signed_at")


def _hash_field(max_length):
    # db_default: a raw INSERT that leaves them out still works (and shows as not chained).
    return models.CharField(blank=True, default="", db_default="", editable=False, max_length=max_length)


class Migration(migrations.Migration):

    dependencies = [
        ("evaluation", "0010_audit_actions_templates_and_interop"),
    ]

    operations = [
        migrations.AddField(model_name="auditevent", name="chain", field=_hash_field(32)),
        migrations.AddField(model_name="auditevent", name="previous_hash", field=_hash_field(64)),
        migrations.AddField(model_name="auditevent", name="row_hash", field=_hash_field(64)),
        migrations.AddField(model_name="signature", name="chain", field=_hash_field(32)),
        migrations.AddField(model_name="signature", name="previous_hash", field=_hash_field(64)),
        migrations.AddField(model_name="signature", name="row_hash", field=_hash_field(64)),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["chain", "id"], name="evaluation_audit_chain_idx"),
        ),
        migrations.AddIndex(
            model_name="signature",
            index=models.Index(fields=["chain", "id"], name="evaluation_signature_chain_idx"),
        ),
        migrations.RunPython(chain_existing, migrations.RunPython.noop),
    ]
