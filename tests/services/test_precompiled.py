"""Precompiled reads (evaluation/precompiled.py) give exactly what the ORM's own query gives, in one query."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from evaluation import reprints, selectors
from evaluation.audit import Actor
from evaluation.models import Assessment, Patient, Signature
from evaluation.precompiled import Precompiled
from evaluation.services.assessments import assessment_amend
from evaluation.services.reports import HANDOUT, SUMMARY, signature_store_reports
from tests.factories import case_answers, make_assessment, make_patient, make_signed_assessment, sign

pytestmark = pytest.mark.django_db


def loaded(obj: Any, seen: frozenset[int] = frozenset()) -> dict[str, Any]:
    """What an instance holds: its loaded field values and, recursively, the related objects read with it
    (an object met again on the way, such as a signature's assessment, is named by its class and key)."""
    if id(obj) in seen:
        return {"again": (type(obj).__name__, obj.pk)}
    seen |= {id(obj)}
    values = {name: value for name, value in vars(obj).items() if name != "_state"}
    related = {name: loaded(other, seen) if other is not None else None
               for name, other in obj._state.fields_cache.items()}
    return {"values": values, "related": related, "deferred": obj.get_deferred_fields(), "db": obj._state.db,
            "adding": obj._state.adding}


def one_query(read: Any) -> Any:
    with CaptureQueriesContext(connection) as captured:
        result = read()
    assert len(captured) == 1, [query["sql"] for query in captured]
    return result


@pytest.fixture
def visits(version, clinician) -> tuple[Patient, Assessment, Assessment]:
    """A patient with a signed visit, an amendment of it (two signatures) and a later draft following it."""
    patient = make_patient(clinician, family_name="Okafor")
    signed = make_signed_assessment(patient, version, clinician, case_answers(version, "Worked example 2"))
    amended = make_signed_assessment(patient, version, clinician, case_answers(version, "Worked example 1"))
    amendment = assessment_amend(assessment=amended, reason="Wrong side recorded", actor=Actor(clinician))
    sign(amendment, clinician)
    draft = make_assessment(patient, version, clinician, start_from_previous=True)
    assert draft.previous_id is not None and signed.pk != amended.pk
    return patient, amended, draft


@pytest.mark.parametrize("related", [selectors.ASSESSMENT_RELATED, selectors.FORM_RELATED,
                                     selectors.SUMMARY_RELATED, ()])
def test_an_assessment_reads_as_the_orm_reads_it(visits, clinician, related) -> None:
    _, amended, draft = visits
    for assessment in (amended, draft):
        expected = Assessment.objects.select_related(*related).get(pk=assessment.pk)
        got = one_query(lambda a=assessment: selectors.assessment_for_user(clinician, a.pk, related))
        assert loaded(got) == loaded(expected)
        assert got == expected and got.answers == expected.answers


def test_a_patient_reads_as_the_orm_reads_them(visits, clinician) -> None:
    patient = visits[0]
    got = one_query(lambda: selectors.patient_for_user(clinician, patient.pk))
    assert loaded(got) == loaded(Patient.objects.get(pk=patient.pk))
    assert selectors.patient_for_user(clinician, str(patient.pk)) == patient  # as the address gives it


def test_nothing_found_is_none_and_a_malformed_id_is_refused_as_the_orm_refuses_it(clinician) -> None:
    assert selectors.patient_for_user(clinician, uuid.uuid4()) is None
    assert selectors.assessment_for_user(clinician, uuid.uuid4(), selectors.FORM_RELATED) is None
    with pytest.raises(ValidationError):
        Patient.objects.get(pk="not-an-id")
    with pytest.raises(ValidationError):
        selectors.patient_for_user(clinician, "not-an-id")


def test_a_patients_rows_and_signatures_read_as_the_orm_reads_them(visits) -> None:
    patient, amended, _ = visits
    rows = one_query(lambda: selectors.patient_assessment_rows(patient))
    expected_rows = list(patient.assessments.select_related("version__template", "clinician").only(
        "status", "amendment_reason", "created_at", "patient_id", "version__number", "version__template__slug",
        "clinician__username", "clinician__first_name", "clinician__last_name").order_by("-created_at"))
    assert [loaded(row) for row in rows] == [loaded(row) for row in expected_rows] and len(rows) == 3
    assert all(row.patient is patient for row in rows)  # no query: the patient is the one asked about

    signatures = one_query(lambda: selectors.signatures_of(amended))
    expected = list(amended.signatures.order_by("number").defer("pdf", "handout_pdf"))
    assert [loaded(s) for s in signatures] == [loaded(s) for s in expected] and len(signatures) == 2
    assert all(signature.assessment is amended for signature in signatures)


@pytest.mark.parametrize("report", [SUMMARY, HANDOUT])
def test_a_reprint_reads_as_the_orm_reads_it(visits, clinician, report) -> None:
    """The latest signed revision's stored report (a re-print), read with what printing names of its
    assessment; an earlier revision, and a draft or an unknown id, as the ORM reads them."""
    patient, amended, draft = visits
    signature_store_reports(amended.signatures.get(number=2).pk)

    def orm(pk: Any, number: int | None) -> Any:
        signatures = Signature.objects.filter(assessment_id=pk)
        signatures = signatures.filter(number=number) if number is not None else signatures.order_by("-number")
        return signatures.values_list(*reprints.STORED_REPORT_FIELDS, report.column, report.hash_column).first()

    for pk, number in ((amended.pk, None), (amended.pk, 1), (draft.pk, None), (uuid.uuid4(), None)):
        found = one_query(lambda pk=pk, number=number: reprints.stored_report_to_print(
            clinician, pk, number, report.column, report.hash_column))
        row = orm(pk, number)
        if row is None:
            assert found is None, (pk, number)
            continue
        assessment, got_number, data, digest = found
        _, number_, status, visit_date, patient_id, mrn, stored, stored_hash = row
        assert (got_number, digest, assessment.status, assessment.visit_date, assessment.patient_id,
                assessment.patient.mrn) == (number_, stored_hash, status, visit_date, patient_id, mrn)
        assert (bytes(data) if data is not None else None) == (bytes(stored) if stored is not None else None)
    latest = reprints.stored_report_to_print(clinician, amended.pk, None, report.column, report.hash_column)
    assert latest[1] == 2 and latest[2] is not None and latest[3]  # the stored bytes and their hash


def test_the_published_versions_read_as_values(version) -> None:
    got = one_query(selectors.published_version_choices)
    assert got == list(selectors.published_versions().values_list("pk", "title", "template__slug", "number"))
    assert got and got[0][0] == version.pk


def test_a_narrowed_scope_is_read_through_the_orm(visits, clinician, other_clinician, monkeypatch) -> None:
    """A multi-clinic deployment narrows ``patients_for_user``; the record pages then follow it, not the
    precompiled read of every patient."""
    patient = visits[0]
    monkeypatch.setattr(selectors, "patients_for_user", lambda user: Patient.objects.filter(created_by=user))
    assert selectors.patient_for_user(clinician, patient.pk) == patient
    assert selectors.patient_for_user(other_clinician, patient.pk) is None
    draft = visits[2]
    monkeypatch.setattr(selectors, "assessments_for_user",
                        lambda user, related=(): Assessment.objects.filter(clinician=user).select_related(*related))
    assert selectors.assessment_for_user(clinician, draft.pk, selectors.FORM_RELATED) == draft
    assert selectors.assessment_for_user(other_clinician, draft.pk, selectors.FORM_RELATED) is None
    amended = visits[1]
    assert reprints.stored_report_to_print(clinician, amended.pk, None, SUMMARY.column, SUMMARY.hash_column)
    assert reprints.stored_report_to_print(other_clinician, amended.pk, None, SUMMARY.column,
                                            SUMMARY.hash_column) is None


@pytest.mark.parametrize(("build", "problem"), [
    (lambda pk: Patient.objects.filter(pk=pk) | Patient.objects.filter(pk=pk), "once"),
    (lambda pk: Patient.objects.all(), "once"),
    (lambda pk: Patient.objects.filter(pk=pk).prefetch_related("assessments"), "prefetch_related"),
    (lambda pk: Patient.objects.filter(pk=pk).annotate(visits=Count("assessments")), "annotations"),
    (lambda pk: Patient.objects.filter(pk=pk).values("mrn"), "values_list"),
])
def test_it_refuses_a_query_it_cannot_run_faithfully(db, build, problem) -> None:
    with pytest.raises(ValueError, match=problem):
        Precompiled(build, Patient._meta.pk).all(uuid.uuid4())


def test_a_signature_keeps_its_signed_content(visits) -> None:
    """JSON and dates come back converted, as the ORM's converters give them (SQLite stores text)."""
    amended = visits[1]
    [first, second] = selectors.signatures_of(amended)
    assert isinstance(first.content, dict) and first.content == Signature.objects.get(pk=first.pk).content
    assert first.signed_at <= second.signed_at and second.number == 2
