"""The research and audit CSV: one row per signed revision, de-identified on request, formula-safe, audited."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.urls import reverse

from evaluation import selectors
from evaluation.demo import create_demo_clinic
from evaluation.models import Assessment, AuditEvent, Patient, Signature
from interop.roles import DATA_EXPORT, DATA_EXPORTERS
from tests.factories import case_answers, make_patient, make_signed_assessment

URL = "/export/"


def _rows(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def exporter(db, django_user_model):
    user = django_user_model.objects.create_user("analyst", password="x" * 20)
    user.groups.add(Group.objects.get(name=DATA_EXPORTERS))
    return user


@pytest.fixture
def exporter_client(client, exporter):
    client.force_login(exporter)
    return client


def test_it_exports_the_demo_clinic_de_identified_one_row_per_signed_revision(exporter_client, version, exporter):
    create_demo_clinic()
    version = selectors.newest_published_version()
    rows = _rows(exporter_client.post(URL, {"version": version.pk, "deidentified": "on"}))
    signed = Signature.objects.filter(assessment__version=version)
    assert len(rows) == signed.count() > 0
    columns = list(rows[0])
    assert columns[:2] == ["patient_pseudonym", "age_years"]
    assert set(version.compiled().items) <= set(columns)
    assert {"red_flags", "tests", "referrals", "patterns", "advice", "decisions", "template", "signed_at"} <= set(columns)
    assert not {"mrn", "family_name", "given_name", "date_of_birth", "assessment", "signed_by"} & set(columns)
    text = str(rows)
    for patient in Patient.objects.all():
        for identifier in (patient.mrn, patient.family_name, patient.given_name, patient.date_of_birth.isoformat(),
                           str(patient.pk)):
            assert identifier not in text, identifier
    for assessment in Assessment.objects.all():
        assert str(assessment.pk) not in text
    # One pseudonym per patient within the export, and ages in whole years.
    by_patient = {row["patient_pseudonym"] for row in rows}
    assert len(by_patient) == Patient.objects.filter(assessments__signatures__isnull=False).distinct().count()
    assert all(row["age_years"].isdigit() for row in rows)
    event = AuditEvent.objects.get(action=DATA_EXPORT, user=exporter)
    assert event.detail == {"filters": {"version": version.label, "deidentified": "True"}}


def test_it_salts_pseudonyms_afresh_for_each_export(exporter_client, signed, version):
    first = _rows(exporter_client.post(URL, {"version": version.pk, "deidentified": "on"}))
    second = _rows(exporter_client.post(URL, {"version": version.pk, "deidentified": "on"}))
    assert first[0]["patient_pseudonym"] != second[0]["patient_pseudonym"]
    assert (first[0]["rf_weakness"], first[0]["symptom_weeks"]) == ("yes", str(signed.answers["symptom_weeks"]))
    assert first[0]["tests"].startswith("electrolytes(routine)") and "emg(urgent)" in first[0]["tests"]
    assert "test:emg=ordered" in first[0]["decisions"]


def test_it_exports_identifiers_only_to_a_role_that_may_see_patients(exporter_client, exporter, signed, version):
    refused = exporter_client.post(URL, {"version": version.pk})
    assert refused.status_code == 400 and b"de-identified data only" in refused.content
    exporter.user_permissions.add(Permission.objects.get(codename="view_patient"))
    rows = _rows(exporter_client.post(URL, {"version": version.pk}))
    assert (rows[0]["mrn"], rows[0]["family_name"], rows[0]["date_of_birth"]) == ("MRN-1001", "Muñoz", "1980-04-01")
    assert rows[0]["assessment"] == str(signed.pk)


def test_it_neutralises_spreadsheet_formulas(exporter_client, exporter, clinician, version):
    exporter.user_permissions.add(Permission.objects.get(codename="view_patient"))
    patient = make_patient(clinician, family_name="=HYPERLINK(\"x\")")
    make_signed_assessment(patient, version, clinician, {**case_answers(version, "Worked example 3"),
                                                         "med_other": "@SUM(A1:A9)"})
    rows = _rows(exporter_client.post(URL, {"version": version.pk}))
    assert rows[0]["family_name"].startswith("'=") and rows[0]["med_other"] == "'@SUM(A1:A9)"
    deidentified = _rows(exporter_client.post(URL, {"version": version.pk, "deidentified": "on"}))
    assert deidentified[0]["med_other"] == "[withheld]"


def test_it_filters_by_signing_date(exporter_client, signed, version):
    day = Signature.objects.get(assessment=signed).signed_at.date()
    assert len(_rows(exporter_client.post(URL, {"version": version.pk, "deidentified": "on",
                                                "signed_from": day.isoformat()}))) == 1
    later = day.replace(year=day.year + 1).isoformat()
    assert _rows(exporter_client.post(URL, {"version": version.pk, "deidentified": "on", "signed_from": later})) == []
    wrong = exporter_client.post(URL, {"version": version.pk, "deidentified": "on", "signed_from": later,
                                       "signed_to": day.isoformat()})
    assert wrong.status_code == 400


def test_it_keeps_the_page_to_the_data_export_permission(clinician, exporter_client):
    other = Client()
    other.force_login(clinician)
    assert other.get(URL).status_code == 403
    assert other.post(URL, {}).status_code == 403
    assert exporter_client.get(URL).status_code == 200
    assert b"Data export" in exporter_client.get(reverse("interop:tokens")).content
