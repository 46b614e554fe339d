"""Nothing shown to a signed-in user may be stored: Back after signing out on a shared workstation shows nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import make_assessment


def directives(response: Any) -> set[str]:
    return {part.strip().split("=")[0] for part in response.get("Cache-Control", "").split(",") if part.strip()}


def assert_not_stored(response: Any) -> None:
    assert {"no-store", "private"} <= directives(response), (response.status_code, response.get("Cache-Control"))
    assert "public" not in directives(response)


@pytest.fixture
def pages(patient, version, clinician) -> dict[str, tuple[str, str]]:
    assessment = make_assessment(patient, version, clinician)
    return {
        "patient list": ("get", reverse("evaluation:patient_list")),
        "patient": ("get", patient.get_absolute_url()),
        "patient edit": ("get", reverse("evaluation:patient_edit", args=[patient.pk])),
        "access log": ("get", reverse("evaluation:patient_access_log", args=[patient.pk])),
        "assessment form": ("get", reverse("evaluation:assessment_edit", args=[assessment.pk])),
        "assessment": ("get", assessment.get_absolute_url()),
        "suggestions fragment": ("post", reverse("evaluation:assessment_suggest", args=[assessment.pk])),
        "summary PDF": ("get", reverse("evaluation:assessment_pdf", args=[assessment.pk])),
        "my account": ("get", reverse("accounts:account")),
        "a 404": ("get", "/patients/00000000-0000-4000-8000-000000000000/"),
    }


def test_it_marks_every_clinical_page_fragment_and_pdf_not_to_be_stored(clinician_client, pages):
    for name, (method, url) in pages.items():
        response = getattr(clinician_client, method)(url)
        assert response.status_code in (200, 404), name
        assert_not_stored(response)


def test_it_marks_the_csv_export_and_admin_pages_not_to_be_stored(client, superuser, patient):
    client.force_login(superuser)
    assert_not_stored(client.get(reverse("evaluation:audit_csv")))
    assert_not_stored(client.get(reverse("evaluation:audit_list")))
    assert_not_stored(client.get(reverse("admin:evaluation_patient_change", args=[patient.pk])))


def test_it_marks_the_sign_in_redirect_and_the_sign_out_response(clinician):
    client = Client()
    signed_in = client.post(reverse("login"), {"username": "drwho", "password": "correct-horse-battery-staple"})
    assert signed_in.status_code == 302
    assert_not_stored(signed_in)
    assert_not_stored(client.post(reverse("logout")))
