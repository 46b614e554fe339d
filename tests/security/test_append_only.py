"""Signed revisions and audit events cannot be rewritten, even around the model's save()."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from evaluation.models import AuditEvent, ImmutableRecordError, Signature
from tests.factories import case_answers, sign


@pytest.fixture
def signature(assessment, version, clinician) -> Signature:
    return sign(assessment, clinician, case_answers(version, "Worked example 2"))


def test_it_refuses_to_change_or_delete_a_signed_revision(signature):
    signature.content = {"forged": True}
    with pytest.raises(ImmutableRecordError):
        signature.save()
    with pytest.raises(ImmutableRecordError):
        Signature.objects.filter(pk=signature.pk).update(content_hash="0" * 64)
    with pytest.raises(ImmutableRecordError):
        Signature.objects.filter(pk=signature.pk).update(pdf=b"%PDF-forged")
    with pytest.raises(ImmutableRecordError):
        Signature.objects.filter(pk=signature.pk).delete()
    with pytest.raises(ImmutableRecordError):
        signature.delete()
    stored = Signature.objects.get(pk=signature.pk)
    assert stored.content["output"]["tests"][0]["code"] == "electrolytes"
    assert bytes(stored.pdf).startswith(b"%PDF")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the database trigger exists on PostgreSQL only")
def test_it_has_postgresql_refuse_raw_updates_and_deletes_of_audit_events(patient):
    event = AuditEvent.objects.filter(patient=patient).first()
    for statement in ("UPDATE evaluation_auditevent SET action = 'forged' WHERE id = %s",
                      "DELETE FROM evaluation_auditevent WHERE id = %s"):
        # Connected as the runtime role (as CI runs it) the privilege check refuses even before the trigger.
        with pytest.raises(DatabaseError, match="append-only|permission denied"), transaction.atomic(), \
                connection.cursor() as cursor:
            cursor.execute(statement, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).action == "patient_create"
