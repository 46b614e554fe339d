"""Signing re-checks the password with its own limit: it never locks signing in, and sign-in locks never stop it."""

from __future__ import annotations

from typing import Any

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse

from evaluation.models import Assessment, AuditEvent
from tests.authoring.html_forms import forms_of
from tests.factories import PASSWORD, case_answers, decision_keys, make_assessment, make_patient, save

OWN, ATTACKER = "198.51.100.7", "203.0.113.66"


@pytest.fixture
def ready(patient, version, clinician) -> Assessment:
    """A complete draft: signing it with the right password succeeds."""
    return save(make_assessment(patient, version, clinician), clinician, case_answers(version, "Worked example 1"))


def client_at(address: str, user: Any = None) -> Client:
    client = Client(REMOTE_ADDR=address)
    if user is not None:
        client.force_login(user)
    return client


def post_sign(client: Client, assessment: Assessment, password: str, **extra: str) -> Any:
    assessment.refresh_from_db()
    data = {f"decision__{key}": "ordered" for key in decision_keys(assessment.evaluate())}
    data.update({"revision": str(assessment.revision), "password": password, "sign": "1", **extra})
    return client.post(reverse("evaluation:assessment_sign", args=[assessment.pk]), data)


def test_it_pauses_signing_after_the_limit_and_says_until_when(ready, clinician, settings):
    settings.SIGNING_FAILURE_LIMIT = 3
    client = client_at(OWN, clinician)
    statuses = [post_sign(client, ready, f"wrong-{n}").status_code for n in range(3)]
    assert statuses == [400, 400, 429]
    response = post_sign(client, ready, PASSWORD)  # even the right password waits
    assert response.status_code == 429
    assert "Signing is paused" in response.content.decode() and "Try again after" in response.content.decode()
    ready.refresh_from_db()
    assert ready.status == Assessment.Status.DRAFT


def test_it_records_the_pause_once_in_the_audit_trail(ready, clinician, settings):
    settings.SIGNING_FAILURE_LIMIT = 2
    client = client_at(OWN, clinician)
    for n in range(4):
        post_sign(client, ready, f"wrong-{n}")
    events = AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN_FAILED, detail__step="signing")
    assert events.count() == 1
    event = events.get()
    assert event.username == "drwho" and event.ip_address == OWN and event.detail["failures"] == 2
    assert "wrong-" not in str(event.detail)


def test_wrong_signing_passwords_never_lock_signing_in(ready, clinician, settings):
    settings.SIGNING_FAILURE_LIMIT = 2
    client = client_at(OWN, clinician)
    for n in range(settings.AXES_FAILURE_LIMIT + 2):
        post_sign(client, ready, f"wrong-{n}")
    assert not AccessAttempt.objects.exists()
    fresh = client_at(OWN)
    response = fresh.post(reverse("login"), {"username": "drwho", "password": PASSWORD})
    assert response.status_code == 302 and "_auth_user_id" in fresh.session


@pytest.mark.parametrize("address", [ATTACKER, OWN])
def test_a_sign_in_lock_never_stops_signing(ready, clinician, settings, address):
    attacker = client_at(address)
    for n in range(settings.AXES_FAILURE_LIMIT + 1):
        attacker.post(reverse("login"), {"username": "drwho", "password": f"guess-{n}"})
    assert attacker.post(reverse("login"), {"username": "drwho", "password": PASSWORD}).status_code == 429
    response = post_sign(client_at(OWN, clinician), ready, PASSWORD)
    assert response.status_code == 302
    ready.refresh_from_db()
    assert ready.status == Assessment.Status.FINAL


def test_the_limit_is_per_user(ready, clinician, other_clinician, version, settings):
    settings.SIGNING_FAILURE_LIMIT = 2
    for n in range(2):
        post_sign(client_at(OWN, clinician), ready, f"wrong-{n}")
    theirs = save(make_assessment(make_patient(other_clinician, mrn="MRN-2002"), version, other_clinician), other_clinician,
                  case_answers(version, "Worked example 1"))
    assert post_sign(client_at(OWN, other_clinician), theirs, PASSWORD).status_code == 302


def test_a_right_password_starts_the_count_afresh(patient, version, clinician, settings):
    settings.SIGNING_FAILURE_LIMIT = 2
    client = client_at(OWN, clinician)
    first = save(make_assessment(patient, version, clinician), clinician, case_answers(version, "Worked example 1"))
    assert post_sign(client, first, "wrong").status_code == 400
    assert post_sign(client, first, PASSWORD).status_code == 302
    second = save(make_assessment(patient, version, clinician), clinician, case_answers(version, "Worked example 1"))
    assert post_sign(client, second, "wrong").status_code == 400  # one failure again, not the second


def test_after_a_refused_signing_save_decisions_still_saves_them(ready, clinician):
    """The refused signing shows the review page at the signing address; its decisions form must still post
    to the review page, or "Save decisions" would try to sign again and lose the decisions."""
    client = client_at(OWN, clinician)
    refused = post_sign(client, ready, "wrong")
    assert refused.status_code == 400
    review = reverse("evaluation:assessment_review", args=[ready.pk])
    forms = forms_of(refused.content.decode())
    [decisions_form] = [form for form in forms if any(c.get("name") == "password" for c in form.controls)]
    assert decisions_form.action == review
    ready.refresh_from_db()
    data = {f"decision__{key}": "ordered" for key in decision_keys(ready.evaluate())}
    saved = client.post(decisions_form.action, {**data, "revision": str(ready.revision), "save": "1"})
    assert saved.status_code == 302
    ready.refresh_from_db()
    assert ready.decisions and all(d["decision"] == "ordered" for d in ready.decisions["suggested"].values())
