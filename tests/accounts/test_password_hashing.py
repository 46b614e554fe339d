"""Passwords are stored with Argon2id; a password stored before (PBKDF2) still works and is re-stored at sign-in,
never while signing (which would sign the signer out of the page they are on)."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import make_password
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from evaluation.audit import Actor
from evaluation.decisions import key_of
from interop.tokens import token_create
from tests.factories import PASSWORD, case_answers, make_assessment, make_patient, sign_through_view


def test_it_stores_a_new_password_with_argon2id(clinician):
    clinician.refresh_from_db()
    assert clinician.password.startswith("argon2$argon2id$")


@pytest.fixture
def clinician_with_old_hash(clinician):
    clinician.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
    clinician.save(update_fields=["password"])
    return clinician


def test_it_signs_in_with_a_password_stored_before_and_re_stores_it(clinician_with_old_hash):
    client = Client()
    response = client.post(reverse("login"), {"username": clinician_with_old_hash.username, "password": PASSWORD})
    assert response.status_code == 302
    clinician_with_old_hash.refresh_from_db()
    assert clinician_with_old_hash.password.startswith("argon2$argon2id$")
    # The session made at this sign-in holds the re-stored hash, so it stays signed in.
    assert client.get(reverse("evaluation:patient_list")).status_code == 200


def test_it_signs_with_a_password_stored_before_without_signing_the_signer_out(clinician_with_old_hash, version):
    client = Client()
    client.force_login(clinician_with_old_hash)
    patient = make_patient(clinician_with_old_hash)
    draft = make_assessment(patient, version, clinician_with_old_hash, answers=case_answers(version, "Worked example 4"))
    response = sign_through_view(client, draft)
    assert response.status_code == 302 and response["Location"] == draft.get_absolute_url()
    draft.refresh_from_db()
    assert draft.status == draft.Status.FINAL
    # The signing check wrote nothing to the account: the hash is as it was and the session still holds.
    clinician_with_old_hash.refresh_from_db()
    assert clinician_with_old_hash.password.startswith("pbkdf2_sha256$")
    page = client.get(draft.get_absolute_url())
    assert page.status_code == 200 and patient.mrn in page.content.decode()


def test_it_keeps_the_session_when_a_password_change_re_stores_the_old_hash_and_then_fails(clinician_with_old_hash):
    """The current password is checked as a sign-in, which re-stores an older hash; a change refused for its
    new password must still leave the user signed in."""
    client = Client()
    client.force_login(clinician_with_old_hash)
    refused = client.post(reverse("accounts:password_change"), {
        "old_password": PASSWORD, "new_password1": "short-pw1", "new_password2": "short-pw1"})
    assert refused.status_code == 400 and "too short" in refused.content.decode()
    clinician_with_old_hash.refresh_from_db()
    assert clinician_with_old_hash.password.startswith("argon2$argon2id$")
    assert client.get(reverse("evaluation:patient_list")).status_code == 200


def test_it_signs_through_the_api_with_an_old_hash_as_the_page_does(
        clinician_with_old_hash, version):
    api = APIClient()
    secret = token_create(actor=Actor(clinician_with_old_hash), name="test", lifetime_days=30).secret
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    patient = make_patient(clinician_with_old_hash)
    draft = make_assessment(patient, version, clinician_with_old_hash, answers=case_answers(version, "Worked example 4"))
    decisions = {"suggested": {key_of(rec): {"decision": "ordered"} for rec in draft.evaluate().needing_decision()},
                 "added": []}
    signed = api.post(f"/api/v1/assessments/{draft.pk}/sign/",
                      {"revision": draft.revision, "password": PASSWORD, "decisions": decisions}, format="json")
    assert signed.status_code == 200 and signed.json()["status"] == "final"
    # Signing's own check, as on the page: nothing re-stored, no session made for a token request.
    clinician_with_old_hash.refresh_from_db()
    assert clinician_with_old_hash.password.startswith("pbkdf2_sha256$")
    assert "sessionid" not in signed.cookies
