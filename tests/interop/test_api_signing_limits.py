"""Signing through the API re-authenticates as the review page does: signing's own limit (never the sign-in
lockout) and the authenticator code where signing asks for one."""

from __future__ import annotations

from typing import Any

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from evaluation.decisions import key_of
from evaluation.models import Assessment, AuditEvent, Signature
from tests.factories import PASSWORD, case_answers, make_assessment, save

SIGNED_BY_PAGE = "evaluation:assessment_sign"


@pytest.fixture
def ready(patient, version, clinician) -> Assessment:
    """A complete draft: signing it with the right password succeeds."""
    return save(make_assessment(patient, version, clinician), clinician, case_answers(version, "Worked example 1"))


def api_sign(api: Any, assessment: Assessment, password: str = PASSWORD, **extra: str) -> Any:
    assessment.refresh_from_db()
    keys = [key_of(rec) for rec in assessment.evaluate().needing_decision()]
    body = {"revision": assessment.revision, "password": password, **extra,
            "decisions": {"suggested": {key: {"decision": "ordered"} for key in keys}, "added": []}}
    return api.post(f"/api/v1/assessments/{assessment.pk}/sign/", body, format="json")


def test_wrong_passwords_pause_api_signing_and_never_lock_signing_in(api, ready, clinician, settings):
    settings.SIGNING_FAILURE_LIMIT = 3
    statuses = [api_sign(api, ready, f"wrong-{n}").status_code for n in range(3)]
    assert statuses == [400, 400, 429]
    paused = api_sign(api, ready)  # even the right password waits
    assert paused.status_code == 429 and int(paused["Retry-After"]) > 0
    assert "Signing is paused" in paused.json()["detail"] and paused.json()["until"]
    assert not Signature.objects.exists()
    # One limit for the page and the API: the review page is paused too.
    page = Client()
    page.force_login(clinician)
    assert page.post(reverse(SIGNED_BY_PAGE, args=[ready.pk]), {"password": PASSWORD}).status_code == 429
    # The sign-in lockout never saw these: the clinician still signs in.
    assert not AccessAttempt.objects.exists()
    assert Client().post(reverse("login"), {"username": clinician.username, "password": PASSWORD}).status_code == 302
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN_FAILED, detail__step="signing").count() == 1


def test_a_wrong_password_says_which_field(api, ready):
    response = api_sign(api, ready, "wrong")
    assert response.status_code == 400 and list(response.json()) == ["password"]


def test_it_refuses_when_a_code_is_required_and_no_authenticator_is_set_up(api, ready, settings):
    settings.REQUIRE_2FA_FOR_SIGNING = True
    response = api_sign(api, ready)
    assert response.status_code == 403 and "authenticator" in response.json()["detail"]
    assert not Signature.objects.exists()


def current_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, t0=device.t0, step=device.step):06d}"


def test_it_asks_an_enrolled_signer_for_a_current_code(api, ready, clinician):
    device = TOTPDevice.objects.create(user=clinician, name="Authenticator", confirmed=True)
    without = api_sign(api, ready)
    assert without.status_code == 400 and list(without.json()) == ["otp_code"]
    assert not Signature.objects.exists()
    signed = api_sign(api, ready, otp_code=current_code(device))
    assert signed.status_code == 200 and signed.json()["status"] == "final"


def test_it_refuses_a_wrong_code(api, ready, clinician):
    device = TOTPDevice.objects.create(user=clinician, name="Authenticator", confirmed=True)
    wrong = f"{(int(current_code(device)) + 1) % 1_000_000:06d}"
    response = api_sign(api, ready, otp_code=wrong)
    assert response.status_code == 400 and list(response.json()) == ["otp_code"]
    assert not Signature.objects.exists()
