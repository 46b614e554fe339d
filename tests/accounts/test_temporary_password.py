"""An administrator sets a temporary password; the user must replace it before anything else."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from accounts.models import Profile
from evaluation.models import AuditEvent
from evaluation.permissions import CLINICIANS

TEMPORARY = "Temporary-Orchid-4417"
OWN = "lantern-orbit-mossy-quartz"
CHANGE = reverse("accounts:password_change")
Action = AuditEvent.Action


def set_password_url(user: Any) -> str:
    return reverse("admin:auth_user_password_change", args=[user.pk])


def set_temporary(admin_client: Client, user: Any, must_change: bool = True) -> Any:
    data = {"new_password1": TEMPORARY, "new_password2": TEMPORARY}
    if must_change:
        data["must_change"] = "on"
    return admin_client.post(set_password_url(user), data)


def sign_in(username: str, password: str) -> tuple[Client, Any]:
    client = Client()
    return client, client.post(reverse("login"), {"username": username, "password": password})


@pytest.fixture
def admin_client(client, superuser) -> Client:
    client.force_login(superuser)
    return client


def test_it_offers_the_must_change_box_ticked_on_the_admin_password_page(admin_client, clinician):
    page = admin_client.get(set_password_url(clinician)).content.decode()
    assert re.search(r'<input type="checkbox" name="must_change"[^>]*checked', page)


def test_it_sets_a_temporary_password_and_audits_it(admin_client, superuser, clinician):
    response = set_temporary(admin_client, clinician)
    assert response.status_code == 302
    assert Profile.objects.get(user=clinician).must_change_password
    event = AuditEvent.objects.get(action=Action.PASSWORD_SET)
    assert (event.user, event.object_id, event.detail) == (superuser, str(clinician.pk), {"must_change": True})


def test_it_sends_the_user_to_change_it_until_they_do(admin_client, clinician, patient):
    set_temporary(admin_client, clinician)
    client, response = sign_in("drwho", TEMPORARY)
    assert response.status_code == 302
    for url in (reverse("evaluation:patient_list"), patient.get_absolute_url(), reverse("accounts:account"),
                reverse("admin:index")):
        blocked = client.get(url)
        assert (blocked.status_code, blocked["Location"]) == (302, CHANGE), url
    assert client.post(reverse("evaluation:patient_create"), {}).status_code == 302
    page = client.get(CHANGE)
    assert page.status_code == 200 and "Choose your own password" in page.content.decode()

    changed = client.post(CHANGE, {"old_password": TEMPORARY, "new_password1": OWN, "new_password2": OWN})
    assert changed.status_code == 302
    assert client.get(reverse("evaluation:patient_list")).status_code == 200
    assert not Profile.objects.get(user=clinician).must_change_password
    # And at the next sign-in, nothing is asked again.
    again, response = sign_in("drwho", OWN)
    assert again.get(reverse("evaluation:patient_list")).status_code == 200


def test_it_lets_the_user_sign_out_before_changing_it(admin_client, clinician):
    set_temporary(admin_client, clinician)
    client, _ = sign_in("drwho", TEMPORARY)
    response = client.post(reverse("logout"))
    assert response.status_code == 302 and "_auth_user_id" not in client.session


def test_it_does_not_insist_when_the_box_is_unticked(admin_client, clinician):
    set_temporary(admin_client, clinician, must_change=False)
    client, _ = sign_in("drwho", TEMPORARY)
    assert client.get(reverse("evaluation:patient_list")).status_code == 200
    assert AuditEvent.objects.get(action=Action.PASSWORD_SET).detail == {"must_change": False}


def test_it_ends_the_users_open_sessions_when_the_password_is_set(admin_client, clinician):
    open_session = Client()
    open_session.force_login(clinician)
    set_temporary(admin_client, clinician)
    assert open_session.get(reverse("evaluation:patient_list")).status_code == 302


def test_it_applies_the_password_validators_to_a_temporary_password(admin_client, clinician):
    response = admin_client.post(set_password_url(clinician), {"new_password1": "short", "new_password2": "short",
                                                               "must_change": "on"})
    assert response.status_code == 400 and "too short" in response.content.decode()
    assert not Profile.objects.get(user=clinician).must_change_password


def test_it_makes_a_new_account_change_the_password_the_admin_chose(admin_client, superuser):
    response = admin_client.post(reverse("admin:auth_user_add"), {
        "username": "drnew", "password1": TEMPORARY, "password2": TEMPORARY, "usable_password": "true",
    })
    assert response.status_code == 302
    new = Profile.objects.get(user__username="drnew")
    assert new.must_change_password and new.language == "en"
    new.user.groups.add(Group.objects.get(name=CLINICIANS))
    client, _ = sign_in("drnew", TEMPORARY)
    assert client.get(reverse("evaluation:patient_list"))["Location"] == CHANGE
    assert AuditEvent.objects.filter(action=Action.PASSWORD_SET, object_id=str(new.user.pk)).count() == 1


def test_it_shows_the_profile_on_the_user_page(admin_client, clinician):
    page = admin_client.get(reverse("admin:auth_user_change", args=[clinician.pk])).content.decode()
    assert 'name="profile-0-language"' in page


def test_it_lets_only_user_admins_set_passwords(client, template_admin, clinician):
    client.force_login(template_admin)
    assert set_temporary(client, clinician).status_code == 403
    assert not Profile.objects.get(user=clinician).must_change_password
