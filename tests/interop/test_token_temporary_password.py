"""An API token is refused while its user's password is a temporary one an administrator set.

Like the pages (accounts/middleware.py), the API, FHIR and CDS Hooks wait until the
user has chosen their own password: 403 with a JSON body that says so and a code a
client can act on. Choosing a new password makes the same token work again.
"""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts import services
from accounts.models import Profile
from evaluation.audit import Actor
from interop.authentication import ApiTokenAuthentication, PasswordChangeRequired

PATIENTS = "/api/v1/patients/"
FHIR_METADATA = "/fhir/metadata"
CDS_SERVICE = "/cds-services/fasciculation-cramp"
CODE = "password_change_required"


def _client(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


@pytest.fixture
def secret(token_for, clinician) -> str:
    return token_for(clinician)


@pytest.fixture
def temporary_password(clinician, superuser) -> None:
    services.password_set_by_admin(user=clinician, password="Temporary-Orchid-4417", must_change=True,
                                   actor=Actor(superuser))


def test_the_token_works_before_the_reset(secret):
    assert _client(secret).get(PATIENTS).status_code == 200


@pytest.mark.usefixtures("temporary_password")
def test_the_api_refuses_the_token_with_403_and_says_to_change_the_password(secret):
    response = _client(secret).get(PATIENTS)
    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == CODE
    assert "temporary" in body["detail"] and "choose your own password first" in body["detail"]


@pytest.mark.usefixtures("temporary_password")
def test_fhir_and_cds_hooks_refuse_it_too(secret):
    fhir = _client(secret).get(FHIR_METADATA)
    assert fhir.status_code == 403
    assert fhir.json()["resourceType"] == "OperationOutcome"
    assert "choose your own password first" in fhir.content.decode()
    cds = _client(secret).post(CDS_SERVICE, {}, format="json")
    assert cds.status_code == 403 and cds.json()["code"] == CODE


@pytest.mark.usefixtures("temporary_password")
def test_a_password_set_without_must_change_does_not_block_it(secret, clinician, superuser):
    services.password_set_by_admin(user=clinician, password="Another-Temporary-1", must_change=False,
                                   actor=Actor(superuser))
    assert _client(secret).get(PATIENTS).status_code == 200


@pytest.mark.usefixtures("temporary_password")
def test_the_same_token_works_again_once_the_user_chose_a_password(secret, clinician):
    assert _client(secret).get(PATIENTS).status_code == 403
    services.password_change(user=clinician, new_password="lantern-orbit-mossy-quartz", actor=Actor(clinician))
    assert _client(secret).get(PATIENTS).status_code == 200


def test_an_account_without_a_profile_is_not_blocked(secret, clinician):
    Profile.objects.filter(user=clinician).delete()
    assert _client(secret).get(PATIENTS).status_code == 200


@pytest.mark.usefixtures("temporary_password")
def test_checking_a_token_stays_one_query(secret, django_assert_num_queries):
    """The profile comes with the token and its user, so the check costs no extra query."""
    with django_assert_num_queries(1), pytest.raises(PasswordChangeRequired):
        ApiTokenAuthentication()._check(secret)
