"""No patient identifier (MRN or name) in URLs, logs or the audit trail's free text: records are named by id."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from django.test import Client
from django.urls import reverse

from evaluation.models import Assessment, AuditEvent, Patient
from tests.factories import case_answers, form_data, sign_through_view

MRN = "PRIV-4242"
FAMILY, NEW_FAMILY, GIVEN = "Quixotemoor", "Zebulondale", "Philippa"
IDENTIFIERS = (MRN, FAMILY, NEW_FAMILY, GIVEN)
LINK = re.compile(r"""(?:href|action|src)="([^"]*)\"""")


class Recorder:
    """A client wrapper that keeps every address requested, redirected to or linked from a page."""

    def __init__(self, client: Client):
        self.client = client
        self.urls: list[str] = []

    def __call__(self, method: str, url: str, data: dict[str, Any] | None = None) -> Any:
        self.urls.append(url)
        response = getattr(self.client, method)(url, data or {})
        if response.has_header("Location"):
            self.urls.append(response["Location"])
        if response.get("Content-Type", "").startswith("text/html"):
            self.urls.extend(LINK.findall(response.content.decode("utf-8")))
        return response


def _full_workflow(client: Client, version: Any, template_admin: Any) -> Recorder:
    go = Recorder(client)
    person = {"mrn": MRN, "family_name": FAMILY, "given_name": GIVEN, "date_of_birth": "1975-05-05", "sex": "female"}
    go("post", reverse("evaluation:patient_create"), person)
    patient = Patient.objects.get(mrn=MRN)
    go("get", reverse("evaluation:patient_list"))
    go("get", patient.get_absolute_url())
    go("post", reverse("evaluation:patient_edit", args=[patient.pk]), {**person, "family_name": NEW_FAMILY})
    go("post", reverse("evaluation:assessment_create", args=[patient.pk]), {"version": version.pk})
    assessment = Assessment.objects.get(patient=patient)
    edit = reverse("evaluation:assessment_edit", args=[assessment.pk])
    go("get", edit)
    go("post", edit, form_data(version, case_answers(version, "Worked example 2"), revision=1))
    go("get", reverse("evaluation:assessment_review", args=[assessment.pk]))
    assert sign_through_view(client, assessment).status_code == 302
    go("get", assessment.get_absolute_url())
    go("get", reverse("evaluation:assessment_revision", args=[assessment.pk, 1]))
    go("get", reverse("evaluation:assessment_pdf", args=[assessment.pk]))
    go("get", reverse("evaluation:assessment_handout", args=[assessment.pk]))
    go("post", reverse("evaluation:assessment_amend", args=[assessment.pk]), {"reason": "Wrong number of weeks"})
    go("post", reverse("logout"))
    client.force_login(template_admin)
    go("get", reverse("evaluation:audit_list"), {"patient": str(patient.pk)})
    go("get", reverse("evaluation:audit_csv"))
    return go


def _contains_identifier(text: str) -> str | None:
    lowered = text.lower()
    return next((found for found in IDENTIFIERS if found.lower() in lowered), None)


def test_it_keeps_patient_identifiers_out_of_urls_logs_and_the_audit_text(clinician_client, version, template_admin,
                                                                           caplog):
    with caplog.at_level(logging.DEBUG):
        recorded = _full_workflow(clinician_client, version, template_admin)

    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"patient_create", "patient_view", "patient_change", "assessment_save", "assessment_finalize",
            "assessment_print", "handout_print", "assessment_amend", "audit_export"} <= actions
    assert Patient.objects.get(mrn=MRN).family_name == NEW_FAMILY  # the workflow did run
    for event in AuditEvent.objects.all():
        for field in ("object_id", "object_type", "username"):
            assert _contains_identifier(getattr(event, field)) is None, (event.action, field)
        assert _contains_identifier(json.dumps(event.detail, ensure_ascii=False)) is None, event.action
    assert len(recorded.urls) > 30
    for url in recorded.urls:
        assert _contains_identifier(url) is None, url
    for record in caplog.records:
        assert _contains_identifier(record.getMessage()) is None, record.getMessage()


def test_it_names_patient_records_by_uuid_only(clinician_client, patient):
    clinician_client.get(patient.get_absolute_url())
    event = AuditEvent.objects.get(action=AuditEvent.Action.PATIENT_VIEW)
    assert event.object_id == str(patient.pk)
    assert re.fullmatch(r"[0-9a-f-]{36}", event.object_id)
    assert patient.get_absolute_url() == f"/patients/{patient.pk}/"
