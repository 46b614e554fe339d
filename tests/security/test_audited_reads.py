"""Reads that were missing from the audit trail: the admin's clinical pages, the patient list and its search,
the amendment page and a superuser reading the audit viewer."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.urls import reverse

from evaluation import selectors
from evaluation.models import AuditEvent, Signature
from tests.factories import case_answers, sign

Action = AuditEvent.Action
SEARCH = "Quixotemoor"


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def only(action: str, **fields: Any) -> AuditEvent:
    found = [event for event in events(action) if all(getattr(event, k) == v for k, v in fields.items())]
    assert len(found) == 1, (action, fields, found)
    return found[0]


@pytest.fixture
def signature(assessment, version, clinician) -> Signature:
    return sign(assessment, clinician, case_answers(version, "Worked example 2"))


@pytest.fixture
def admin_client(client, superuser) -> Any:
    client.force_login(superuser)
    return client


def test_it_records_a_superuser_opening_a_patient_in_the_admin(admin_client, superuser, patient):
    assert admin_client.get(reverse("admin:evaluation_patient_change", args=[patient.pk])).status_code == 200
    event = only(Action.PATIENT_VIEW, user=superuser)
    assert (event.patient_id, event.object_id, event.detail) == (patient.pk, str(patient.pk), {"page": "admin"})
    assert event in selectors.patient_audit_events(patient)  # so the patient's own access log shows it


def test_it_records_a_superuser_opening_an_assessment_in_the_admin(admin_client, superuser, assessment):
    assert admin_client.get(reverse("admin:evaluation_assessment_change", args=[assessment.pk])).status_code == 200
    event = only(Action.ASSESSMENT_VIEW, user=superuser)
    assert (event.object_id, event.patient_id, event.detail) == (str(assessment.pk), assessment.patient_id,
                                                                  {"page": "admin"})


def test_it_records_a_superuser_opening_a_signed_revision_in_the_admin(admin_client, superuser, signature):
    assert admin_client.get(reverse("admin:evaluation_signature_change", args=[signature.pk])).status_code == 200
    event = only(Action.ASSESSMENT_VIEW, user=superuser)
    assert (event.object_type, event.object_id) == ("assessment", str(signature.assessment_id))
    assert event.patient_id == signature.assessment.patient_id
    assert event.detail == {"page": "admin", "revision": signature.number}


@pytest.mark.parametrize("model, action", [("patient", Action.PATIENT_LIST), ("assessment", Action.ASSESSMENT_LIST),
                                           ("signature", Action.ASSESSMENT_LIST)])
def test_it_records_the_admin_lists_and_whether_they_were_searched(admin_client, superuser, signature, model, action):
    url = reverse(f"admin:evaluation_{model}_changelist")
    assert admin_client.get(url).status_code == 200
    assert only(action, user=superuser).detail == {"page": "admin", "model": model, "searched": False}
    if model == "patient":
        admin_client.get(url, {"q": SEARCH})
        assert events(action)[-1].detail["searched"] is True
        assert SEARCH not in json.dumps([event.detail for event in AuditEvent.objects.all()])


def test_it_records_the_clinic_patient_list_and_a_search_but_not_its_text(clinician_client, clinician, patient):
    clinician_client.get(reverse("evaluation:patient_list"))
    assert only(Action.PATIENT_LIST, user=clinician).detail == {"searched": False}
    response = clinician_client.post(reverse("evaluation:patient_list"), {"q": SEARCH}, follow=True)
    assert response.status_code == 200
    assert [event.detail for event in events(Action.PATIENT_LIST)] == [{"searched": False}, {"searched": True}]
    stored = json.dumps(list(AuditEvent.objects.values("detail", "object_id", "object_type")))
    assert SEARCH not in stored


def test_it_records_opening_the_amendment_page(clinician_client, clinician, signature):
    url = reverse("evaluation:assessment_amend", args=[signature.assessment_id])
    assert clinician_client.get(url).status_code == 200
    event = only(Action.ASSESSMENT_VIEW, user=clinician, object_id=str(signature.assessment_id))
    assert event.detail == {"page": "amend"}


def test_it_records_a_superuser_reading_the_audit_viewer_with_the_filters(admin_client, superuser):
    admin_client.get(reverse("evaluation:audit_list"), {"action": Action.LOGIN})
    assert only(Action.AUDIT_VIEW, user=superuser).detail == {"filters": {"action": Action.LOGIN}}


def test_it_does_not_record_a_template_admin_reading_the_viewer_without_clinical_values(client, template_admin):
    client.force_login(template_admin)
    assert client.get(reverse("evaluation:audit_list")).status_code == 200
    assert not events(Action.AUDIT_VIEW)
