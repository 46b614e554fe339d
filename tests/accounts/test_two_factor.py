"""The optional authenticator (TOTP): enrolling, confirming, removing, and signing with a code."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import two_factor
from evaluation.audit import Actor
from evaluation.models import Assessment
from evaluation.permissions import PermissionsWithUserBackend
from tests.factories import PASSWORD, case_answers, decision_keys, make_assessment, save


@pytest.fixture
def client(clinician) -> Client:
    client = Client()
    client.force_login(clinician)
    return client


@pytest.fixture
def ready(patient, version, clinician) -> Assessment:
    return save(make_assessment(patient, version, clinician), clinician, case_answers(version, "Worked example 1"))


def code_for(device: TOTPDevice, offset: int = 0) -> str:
    return f"{totp(device.bin_key, t0=device.t0, step=device.step, drift=offset):06d}"


def enrol(client: Client, user: Any) -> TOTPDevice:
    assert client.post(reverse("accounts:two_factor_enrol")).status_code == 302
    device = two_factor.pending_device(user)
    assert client.post(reverse("accounts:two_factor_confirm"), {"code": code_for(device)}).status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    return device


def post_sign(client: Client, assessment: Assessment, **extra: str) -> Any:
    assessment.refresh_from_db()
    data = {f"decision__{key}": "ordered" for key in decision_keys(assessment.evaluate())}
    data.update({"revision": str(assessment.revision), "password": PASSWORD, "sign": "1", **extra})
    return client.post(reverse("evaluation:assessment_sign", args=[assessment.pk]), data)


def test_the_account_page_shows_the_address_and_an_inline_svg_qr_code(client, clinician):
    client.post(reverse("accounts:two_factor_enrol"))
    page = client.get(reverse("accounts:account")).content.decode()
    assert "otpauth://totp/" in page and "<svg" in page and "<path" in page
    assert "<img" not in page.split("two-factor-heading")[1] and "<script" not in page.split("two-factor-heading")[1]
    assert not TOTPDevice.objects.filter(user=clinician, confirmed=True).exists()


def test_a_wrong_code_does_not_confirm(client, clinician):
    client.post(reverse("accounts:two_factor_enrol"))
    response = client.post(reverse("accounts:two_factor_confirm"), {"code": "000000x"})
    assert response.status_code == 400
    assert two_factor.confirmed_device(clinician) is None


def test_removing_needs_the_password(client, clinician):
    enrol(client, clinician)
    assert client.post(reverse("accounts:two_factor_remove"), {"password": "wrong"}).status_code == 400
    assert two_factor.confirmed_device(clinician) is not None
    assert client.post(reverse("accounts:two_factor_remove"), {"password": PASSWORD}).status_code == 302
    assert not TOTPDevice.objects.filter(user=clinician).exists()


def test_without_the_setting_signing_needs_no_device(client, ready, settings):
    settings.REQUIRE_2FA_FOR_SIGNING = False
    assert post_sign(client, ready).status_code == 302


def test_when_required_signing_without_a_device_says_how_to_enrol(client, ready, settings):
    settings.REQUIRE_2FA_FOR_SIGNING = True
    response = post_sign(client, ready)
    assert response.status_code == 403
    assert "Set one up on your account page" in response.content.decode()
    ready.refresh_from_db()
    assert ready.status == Assessment.Status.DRAFT


def test_when_required_signing_needs_a_current_code(client, clinician, ready, settings):
    settings.REQUIRE_2FA_FOR_SIGNING = True
    device = enrol(client, clinician)
    assert 'name="otp_code"' in client.get(reverse("evaluation:assessment_review", args=[ready.pk])).content.decode()
    refused = post_sign(client, ready, otp_code="")
    assert refused.status_code == 400 and "authenticator app is not correct" in refused.content.decode()
    device.refresh_from_db()
    device.throttle_reset()  # django-otp's own back-off after the failure above
    assert post_sign(client, ready, otp_code=code_for(device, offset=1)).status_code == 302
    ready.refresh_from_db()
    assert ready.status == Assessment.Status.FINAL


def test_wrong_codes_count_towards_the_signing_limit(client, clinician, ready, settings):
    settings.REQUIRE_2FA_FOR_SIGNING = True
    settings.SIGNING_FAILURE_LIMIT = 2
    enrol(client, clinician)
    statuses = [post_sign(client, ready, otp_code="123456").status_code for _ in range(2)]
    assert statuses == [400, 429]


def review_page(client: Client, assessment: Assessment) -> tuple[str, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        page = client.get(reverse("evaluation:assessment_review", args=[assessment.pk])).content.decode()
    return page, [query["sql"] for query in captured]


def test_the_review_page_knows_who_enrolled_from_the_query_that_loads_the_user(client, clinician, ready,
                                                                               settings):
    """Without the setting, the code field is there for an enrolled signer only, and the review page asks
    no query of its own about authenticators: the user's query answers it."""
    settings.REQUIRE_2FA_FOR_SIGNING = False
    review_page(client, ready)  # the session's first request also records when it was last seen
    before, before_queries = review_page(client, ready)
    assert 'name="otp_code"' not in before
    enrol(client, clinician)
    review_page(client, ready)
    after, after_queries = review_page(client, ready)
    assert 'name="otp_code"' in after
    assert len(after_queries) == len(before_queries)
    device_table = TOTPDevice._meta.db_table
    assert [sql for sql in after_queries if device_table in sql] == [
        sql for sql in after_queries if "auth_user" in sql and "permission" in sql]  # only the user's own
    client.post(reverse("accounts:two_factor_remove"), {"password": PASSWORD})
    assert 'name="otp_code"' not in review_page(client, ready)[0]


def test_the_flag_follows_enrolment_and_removal_within_the_request(clinician, ready):
    user = PermissionsWithUserBackend().get_user(clinician.pk)
    assert two_factor.signing_requires_code(user) is False
    device = two_factor.start_enrolment(user)
    assert two_factor.confirm_enrolment(user, code_for(device), actor=Actor(user))
    assert two_factor.signing_requires_code(user) is True
    assert PermissionsWithUserBackend().get_user(clinician.pk).has_confirmed_authenticator is True
    two_factor.remove(user, actor=Actor(user))
    assert two_factor.signing_requires_code(user) is False
    assert two_factor.signing_requires_code(type(clinician).objects.get(pk=clinician.pk)) is False  # no flag: asked
