"""API tokens: created on the user's own page, shown once, stored hashed, expiring, revocable; a token acts
with exactly its user's permissions."""

from __future__ import annotations

import datetime
import hashlib
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from evaluation.models import AuditEvent
from interop.models import ApiToken
from interop.roles import TOKEN_CREATE, TOKEN_REVOKE

TOKEN_RE = re.compile(r'value="(ckl_[A-Za-z0-9_-]{40,})"')


def _client(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def test_it_shows_a_new_token_once_and_stores_only_its_hash(clinician_client, clinician):
    response = clinician_client.post(reverse("interop:tokens"), {"name": "EHR link", "lifetime_days": "30"})
    assert response.status_code == 201
    assert "no-store" in response["Cache-Control"]
    secret = TOKEN_RE.search(response.content.decode())[1]
    token = ApiToken.objects.get(user=clinician)
    assert token.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(ApiToken.objects.values_list().get())  # the secret itself is nowhere in the row
    assert token.prefix == secret[:12]
    assert abs(token.expires_at - (timezone.now() + datetime.timedelta(days=30))) < datetime.timedelta(minutes=1)
    listing = clinician_client.get(reverse("interop:tokens")).content.decode()
    assert "EHR link" in listing and token.prefix in listing and secret not in listing
    event = AuditEvent.objects.get(action=TOKEN_CREATE)
    assert (event.user, event.object_type, event.object_id) == (clinician, "apitoken", str(token.pk))
    assert _client(secret).get("/api/v1/patients/").status_code == 200


def test_it_refuses_an_offered_lifetime_it_does_not_offer_and_a_blank_name(clinician_client):
    response = clinician_client.post(reverse("interop:tokens"), {"name": "  ", "lifetime_days": "3650"})
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_it_revokes_a_token_and_refuses_it_from_then_on(clinician_client, clinician, token_for):
    secret = token_for(clinician)
    token = ApiToken.objects.get(user=clinician)
    assert _client(secret).get("/api/v1/patients/").status_code == 200
    response = clinician_client.post(reverse("interop:token_revoke", args=[token.pk]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None and token.state() == "revoked"
    refused = _client(secret).get("/api/v1/patients/")
    assert refused.status_code == 401
    assert refused.json() == {"detail": "The token is revoked; create a new one on your API tokens page."}
    assert AuditEvent.objects.filter(action=TOKEN_REVOKE, object_id=str(token.pk), user=clinician).count() == 1


def test_it_refuses_an_expired_token(clinician, token_for):
    secret = token_for(clinician)
    ApiToken.objects.filter(user=clinician).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    response = _client(secret).get("/api/v1/patients/")
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


def test_it_refuses_a_token_of_a_deactivated_user_and_an_unknown_token(clinician, token_for):
    secret = token_for(clinician)
    assert _client(secret + "x").get("/api/v1/patients/").json() == {"detail": "The token is not valid."}
    clinician.is_active = False
    clinician.save()
    assert _client(secret).get("/api/v1/patients/").status_code == 401


def test_it_answers_401_with_a_bearer_challenge_without_credentials(db):
    response = APIClient().get("/api/v1/patients/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["detail"]


def test_it_lets_nobody_revoke_another_users_token(client, other_clinician, clinician, token_for):
    token_for(clinician)
    token = ApiToken.objects.get(user=clinician)
    client.force_login(other_clinician)
    assert client.post(reverse("interop:token_revoke", args=[token.pk])).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert "test" not in client.get(reverse("interop:tokens")).content.decode().split("Your tokens")[1]


def test_it_gives_a_template_admins_token_no_patient_data(template_admin, token_for, patient, version):
    """A token has its user's role: a template admin may read templates, not patients."""
    admin = _client(token_for(template_admin))
    assert admin.get("/api/v1/patients/").status_code == 403
    assert admin.get(f"/api/v1/patients/{patient.pk}/").status_code == 403
    assert admin.post("/api/v1/patients/search/", {"q": "Muñoz"}, format="json").status_code == 403
    assert admin.get(f"/fhir/Patient/{patient.pk}").status_code == 403
    assert admin.get("/api/v1/templates/").status_code == 200
    assert not AuditEvent.objects.filter(user=template_admin, patient=patient).exists()


def test_it_does_not_write_anything_when_checking_a_token(clinician, token_for):
    """A read stays a read: authenticating is one look-up, no last-used stamp."""
    client = _client(token_for(clinician))
    before = ApiToken.objects.values_list("created_at", "expires_at", "revoked_at").get()
    client.get("/api/v1/templates/")
    assert ApiToken.objects.values_list("created_at", "expires_at", "revoked_at").get() == before


@pytest.mark.parametrize("header", ["Bearer", "Bearer a b", "Bearer ünïcode"])
def test_it_refuses_malformed_authorization_headers_with_401_not_500(db, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    assert client.get("/api/v1/patients/").status_code == 401
