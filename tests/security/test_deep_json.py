"""JSON nested far deeper than anything the service reads is refused with a message, wherever it is posted:
the JSON API's bodies (a 400 naming the limit) and the admin's JSON fields (a form error), never a 500."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from evaluation.audit import Actor
from evaluation.models import Patient
from evaluation.services.templates import template_clone
from interop.tokens import token_create
from tests.authoring.html_forms import forms_of


def deep(depth: int) -> str:
    return '{"a": ' * depth + "1" + "}" * depth


@pytest.fixture
def api(clinician) -> APIClient:
    client = APIClient()
    secret = token_create(actor=Actor(clinician), name="test", lifetime_days=30).secret
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


# 150 levels parse but exceed the limit; 5,000 exhaust Python's JSON parser (RecursionError).
@pytest.mark.parametrize("depth", [150, 5000])
@pytest.mark.parametrize("address", ["/api/v1/patients/", "/api/v1/evaluate", "/cds-services/fasciculation-cramp"])
def test_it_refuses_a_deeply_nested_body_with_a_400_that_says_why(api, version, address, depth):
    body = '{"mrn": "DEEP-1", "answers": ' + deep(depth) + "}"
    response = api.post(address, body, content_type="application/json")
    assert response.status_code == 400
    assert "nested more than 100 levels deep" in response.content.decode()
    assert not Patient.objects.exists()


def test_it_accepts_ordinary_nesting(api, version):
    response = api.post("/api/v1/evaluate", {"answers": {"cramps": True}}, format="json")
    assert response.status_code == 200 and "red_flags" in response.json()


@pytest.mark.parametrize("depth", [150, 5000])
def test_it_makes_deep_json_in_an_admin_field_a_form_error(client, superuser, version, depth):
    draft = template_clone(version=version, actor=Actor(superuser))
    findings_before = draft.findings
    client.force_login(superuser)
    address = reverse("admin:evaluation_templateversion_change", args=[draft.pk])
    form = max(forms_of(client.get(address).content.decode()), key=lambda f: f.field_count)
    data: dict[str, list[str]] = {}
    for name, value in form.data():
        data.setdefault(name, []).append(deep(depth) if name == "findings" else value)
    response = client.post(address, {**data, "_save": "Save"})
    assert response.status_code == 200
    assert "nested more than 100 levels deep" in response.content.decode()
    draft.refresh_from_db()
    assert draft.findings == findings_before
