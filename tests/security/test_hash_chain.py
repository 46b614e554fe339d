"""Tamper evidence: audit events and signed revisions form hash chains that verify_records checks.

The tampering is done directly in SQL, as a database superuser would: on PostgreSQL
with the tables' triggers disabled first (which needs a superuser or the owner; the
runtime-role run skips those tests), on SQLite as is (it has no triggers).
"""

from __future__ import annotations

import hashlib
import io
import json
from typing import Any

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from evaluation import integrity, records
from evaluation.audit import Action, Actor, record
from evaluation.models import AuditEvent, Signature
from tests.factories import case_answers, sign

TABLES = ("evaluation_auditevent", "evaluation_signature")


def _may_disable_triggers() -> bool:
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        return bool(cursor.fetchone()[0])


@pytest.fixture
def superuser_sql(db) -> None:
    if not _may_disable_triggers():
        pytest.skip("disabling triggers needs a PostgreSQL superuser (this run is connected as the runtime role)")


def tamper(sql: str, params: list[Any] | None = None) -> None:
    """Run ``sql`` as a superuser would: with every trigger of both tables disabled (PostgreSQL)."""
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if postgres:  # the test's own inserts leave deferred foreign-key checks pending; run them first
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table in TABLES if postgres else ():
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER ALL")
        cursor.execute(sql, params or [])
        for table in TABLES if postgres else ():
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER ALL")


def verify(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_records", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def trail(patient, clinician, settings) -> list[AuditEvent]:
    """A few events after the patient's own, oldest first, in two chains of the day."""
    settings.AUDIT_CHAIN_SHARDS = 2
    for _ in range(12):
        record(Action.PATIENT_VIEW, actor=Actor(clinician, "10.0.0.1"), obj=patient, detail={"page": 1})
    return list(AuditEvent.objects.order_by("id"))


@pytest.fixture
def signature(assessment, version, clinician) -> Signature:
    return sign(assessment, clinician, case_answers(version, "Worked example 2"))


def test_it_chains_rows_as_they_are_inserted(trail, signature):
    heads: dict[str, str] = {}
    for event in AuditEvent.objects.order_by("id"):
        assert event.chain.startswith(integrity.day_chain(event.at) + ".")  # one of the day's chains
        assert event.previous_hash == heads.get(event.chain, integrity.GENESIS)
        assert event.row_hash == integrity.hash_row(event, AuditEvent.CHAIN_FIELDS)
        heads[event.chain] = event.row_hash
    stored = Signature.objects.get(pk=signature.pk)
    assert stored.chain == integrity.day_chain(stored.signed_at)
    assert stored.row_hash == integrity.hash_row(stored, Signature.CHAIN_FIELDS)
    # The reports stored after signing are not in the row hash.
    assert stored.pdf_hash and bytes(stored.pdf).startswith(b"%PDF")


def test_verify_records_passes_on_a_clean_database(trail, signature):
    code, out, err = verify()
    assert code == 0, err
    assert out.startswith("OK: ")
    assert f"hash {AuditEvent.objects.order_by('-id').first().row_hash}" in out
    assert f"hash {Signature.objects.get().row_hash}" in out
    assert "anchor " in out


@pytest.mark.usefixtures("superuser_sql")
def test_it_detects_an_edited_audit_row(trail):
    target = trail[2]
    tamper("UPDATE evaluation_auditevent SET username = 'forged' WHERE id = %s", [target.pk])
    code, _, err = verify()
    assert code == 1
    assert f"audit events row {target.pk} " in err and "row_hash does not match" in err


@pytest.mark.usefixtures("superuser_sql")
def test_it_detects_a_deleted_audit_row(trail):
    """The row after the deleted one in its chain no longer links (a chain's last row is caught by the anchor)."""
    deleted, after = next((row, later) for row in trail for later in trail
                          if later.pk > row.pk and later.chain == row.chain)
    tamper("DELETE FROM evaluation_auditevent WHERE id = %s", [deleted.pk])
    code, _, err = verify()
    assert code == 1
    assert f"audit events row {after.pk} " in err and "previous_hash does not match" in err


@pytest.mark.usefixtures("superuser_sql")
def test_the_anchor_changes_when_a_chain_loses_its_last_row(trail):
    before = records.verify_all()[0].anchor
    tamper("DELETE FROM evaluation_auditevent WHERE id = %s", [trail[-1].pk])
    assert records.verify_all()[0].anchor != before


@pytest.mark.usefixtures("superuser_sql")
def test_it_detects_an_inserted_audit_row(trail):
    last = trail[-1]
    forged = last.pk + 100
    columns = "at, username, action, object_type, object_id, detail, chain, previous_hash, row_hash"
    tamper(f"INSERT INTO evaluation_auditevent (id, {columns}) "
           f"SELECT %s, {columns.replace('username', '%s').replace('row_hash', '%s')} "
           "FROM evaluation_auditevent WHERE id = %s", [forged, "forged", "f" * 64, last.pk])
    code, _, err = verify()
    assert code == 1
    assert f"audit events row {forged} " in err


@pytest.mark.usefixtures("superuser_sql")
def test_it_detects_a_row_inserted_with_a_copied_hash(trail):
    """A forged row that copies a real row's link and hash breaks the link of the row after it."""
    tamper("UPDATE evaluation_auditevent SET id = id + 1000 WHERE id >= %s", [trail[2].pk])
    tamper("INSERT INTO evaluation_auditevent (id, at, username, action, object_type, object_id, detail, chain, "
           "previous_hash, row_hash) SELECT %s, at, 'forged', action, object_type, object_id, detail, chain, "
           "previous_hash, row_hash FROM evaluation_auditevent WHERE id = %s", [trail[2].pk, trail[1].pk])
    code, _, err = verify()
    assert code == 1
    assert f"audit events row {trail[2].pk} " in err


@pytest.mark.usefixtures("superuser_sql")
def test_it_detects_an_edited_signature(signature, trail):
    tamper("UPDATE evaluation_signature SET signer_name = 'Someone Else' WHERE id = %s", [signature.pk])
    code, out, err = verify()
    assert code == 1
    assert f"signatures row {signature.pk} " in err
    assert out.startswith("BROKEN: ")


def test_pdf_names_the_signed_revision_it_is_and_refuses_another_file(signature, tmp_path):
    stored = Signature.objects.get(pk=signature.pk)
    summary, handout, other = tmp_path / "summary.pdf", tmp_path / "handout.pdf", tmp_path / "other.pdf"
    summary.write_bytes(bytes(stored.pdf))
    handout.write_bytes(bytes(stored.handout_pdf))
    other.write_bytes(bytes(stored.pdf) + b"\n")
    code, out, _ = verify("--pdf", str(summary))
    assert code == 0 and f"summary of revision 1 of assessment {stored.assessment_id}" in out
    assert "prints that revision's content hash, and the chain verifies" in out
    code, out, _ = verify("--pdf", str(handout))
    assert code == 0 and "handout of revision 1" in out
    code, _, err = verify("--pdf", str(other))
    assert code == 1 and "is not a stored report, but prints the content hash of revision 1" in err
    code, _, err = verify("--pdf", str(tmp_path / "missing.pdf"))
    assert code == 2 and "cannot read" in err
    unrelated = tmp_path / "unrelated.pdf"
    unrelated.write_bytes(b"%PDF-1.4 not a report")
    code, _, err = verify("--pdf", str(unrelated))
    assert code == 1 and "matches no signed revision" in err


@pytest.mark.usefixtures("superuser_sql")
def test_pdf_refuses_a_stored_summary_replaced_with_its_hash(signature, tmp_path):
    """A superuser replaces the stored summary and its (unchained) hash together: the replacement does not
    print the revision's chained content hash, so it is not vouched for."""
    forged = b"%PDF-1.4 a forged report"
    tamper("UPDATE evaluation_signature SET pdf = %s, pdf_hash = %s WHERE id = %s",
           [forged, hashlib.sha256(forged).hexdigest(), signature.pk])
    copy = tmp_path / "forged.pdf"
    copy.write_bytes(forged)
    code, _, err = verify("--pdf", str(copy))
    assert code == 1 and "does not print that revision's chained content hash" in err


def test_the_audit_viewer_shows_whether_the_chains_verify(client, superuser, trail):
    cache.clear()
    client.force_login(superuser)
    page = client.get(reverse("evaluation:audit_list")).content.decode()
    assert "Hash chains" in page and "verify" in page
    assert verify()[0] == 0
    cache.delete(records.RECENT_RESULT_KEY)
    assert "verify_records" in client.get(reverse("evaluation:audit_list")).content.decode()


# ---------------------------------------------------------------- the hashed text of JSON values

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (st.lists(children, max_size=4) | st.tuples(children, children)
                      | st.dictionaries(st.text(max_size=5) | st.integers(), children, max_size=4)),
    max_leaves=20)


@hypothesis_settings(max_examples=300, deadline=None)
@given(json_values)
def test_a_json_value_hashes_as_its_json_round_trip_does(value):
    """normalise skips the round trip for values that come back unchanged; whatever it returns must
    hash exactly as the round-tripped value did (integer keys become strings and sort as strings)."""
    def round_trip(item):
        return json.loads(json.dumps(item, default=str))

    expected = integrity.canonical_json({"detail": round_trip(value)})
    assert integrity.canonical_json({"detail": integrity.normalise(value)}) == expected
    assert integrity.normalise(value) == round_trip(value)
