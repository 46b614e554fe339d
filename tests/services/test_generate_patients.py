"""generate_patients: bulk synthetic data whose derived columns are what the application itself would write."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from evaluation import register
from evaluation.models import Assessment, Patient, Signature, fold_for_search
from evaluation.services.assessments import canonical_hash


@pytest.fixture
def debug_env(monkeypatch, settings):
    monkeypatch.setenv("DJANGO_DEBUG", "True")
    settings.DEBUG = True  # the test runner turns it off


def test_it_refuses_unless_debug_is_set_explicitly(db, monkeypatch, settings):
    settings.DEBUG = True
    monkeypatch.delenv("DJANGO_DEBUG", raising=False)
    with pytest.raises(CommandError, match="DJANGO_DEBUG=True"):
        call_command("generate_patients", "5")
    monkeypatch.setenv("DJANGO_DEBUG", "False")
    with pytest.raises(CommandError, match="development only"):
        call_command("generate_patients", "5")
    assert not Patient.objects.exists()


def test_it_fills_every_derived_column(debug_env, version, capsys):
    call_command("generate_patients", "40", "--assessments-per-patient", "2", "--clinicians", "3")
    assert "Added 40 patients, 80 assessments" in capsys.readouterr().out
    for patient in Patient.objects.all():
        assert patient.search_text == fold_for_search(f"{patient.mrn} {patient.family_name} {patient.given_name}")
    signatures = list(Signature.objects.select_related("assessment__patient"))
    assert signatures and all(canonical_hash(s.content) == s.content_hash for s in signatures)
    for signature in signatures:
        assessment = signature.assessment
        assert signature.content["patient"]["mrn"] == assessment.patient.mrn
        assert signature.content["assessment"] == str(assessment.pk)
        assert assessment.decisions == signature.content["decisions"] and assessment.status == "final"
    follow_ups = Assessment.objects.filter(previous__isnull=False)
    assert follow_ups.exists() and all(a.previous.patient_id == a.patient_id for a in follow_ups)


def test_it_adds_to_what_is_there_and_is_found_by_search(debug_env, version):
    call_command("generate_patients", "10")
    call_command("generate_patients", "10")
    assert Patient.objects.count() == 20
    patient = Patient.objects.order_by("mrn").last()
    assert patient.mrn == "SYN-00000020"
    assert list(register.patient_search(patient.mrn.lower())) == [patient]
    assert patient in register.patient_search(f"{patient.family_name[:4]} {patient.date_of_birth:%d/%m/%Y}")


def test_it_prints_a_synthetic_signed_record_from_its_snapshot(debug_env, version, clinician_client):
    call_command("generate_patients", "3", "--assessments-per-patient", "1", "--seed", "4")
    signature = Signature.objects.first()
    response = clinician_client.get(reverse("evaluation:assessment_pdf", args=[signature.assessment_id]))
    assert response.status_code == 200 and response.content == bytes(Signature.objects.get(pk=signature.pk).pdf)
