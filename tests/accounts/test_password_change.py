"""Every user can change their own password at /accounts/password/, with the password validators on."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from accounts.models import Profile
from evaluation.models import AuditEvent
from tests.factories import PASSWORD

CHANGE = reverse("accounts:password_change")
NEW_PASSWORD = "lantern-orbit-mossy-quartz"


def change(client: Client, old: str = PASSWORD, new: str = NEW_PASSWORD, again: str | None = None) -> Any:
    return client.post(CHANGE, {"old_password": old, "new_password1": new, "new_password2": again or new})


def signs_in(username: str, password: str) -> bool:
    return Client().post(reverse("login"), {"username": username, "password": password}).status_code == 302


@pytest.mark.parametrize("role", ["clinician", "template_admin", "superuser"])
def test_it_lets_every_role_change_their_own_password(client, role, request):
    user = request.getfixturevalue(role)
    client.force_login(user)
    assert client.get(CHANGE).status_code == 200
    response = change(client)
    assert response.status_code == 302 and response["Location"] == reverse("accounts:account")
    assert signs_in(user.username, NEW_PASSWORD) and not signs_in(user.username, PASSWORD)
    event = AuditEvent.objects.get(action=AuditEvent.Action.PASSWORD_CHANGE)
    assert (event.user, event.object_type, event.object_id) == (user, "user", str(user.pk))
    assert Profile.objects.get(user=user).password_changed_at is not None


def test_it_keeps_this_session_signed_in_after_the_change(clinician_client):
    change(clinician_client)
    assert clinician_client.get(reverse("evaluation:patient_list")).status_code == 200


def test_it_ends_the_users_other_sessions(clinician, clinician_client):
    other = Client()
    other.force_login(clinician)
    change(clinician_client)
    assert other.get(reverse("evaluation:patient_list")).status_code == 302


@pytest.mark.parametrize("old, new, again, message", [
    ("wrong-current-password", NEW_PASSWORD, None, "Your old password was entered incorrectly"),
    (PASSWORD, "short-pw1", None, "too short"),
    (PASSWORD, "password1234", None, "too common"),
    (PASSWORD, "739182736451", None, "entirely numeric"),
    (PASSWORD, NEW_PASSWORD, "lantern-orbit-mossy-quartzz", "didn’t match"),
    (PASSWORD, PASSWORD, None, "different from the current one"),
])
def test_it_refuses_a_bad_change_with_a_message(clinician_client, old, new, again, message):
    response = change(clinician_client, old, new, again)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert signs_in("drwho", PASSWORD)
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.PASSWORD_CHANGE).exists()


def test_it_counts_wrong_current_passwords_towards_the_sign_in_lockout(clinician_client):
    for attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        assert change(clinician_client, old=f"guess-{attempt}").status_code == 400
    assert change(clinician_client, old="last-guess").status_code == 429
    assert change(clinician_client).status_code == 429  # even the right one, until the cool-off ends


def test_it_sends_anonymous_visitors_to_sign_in(client):
    for url in (CHANGE, reverse("accounts:account")):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_it_shows_my_account_with_a_link_to_change_the_password(clinician_client):
    page = clinician_client.get(reverse("accounts:account")).content.decode()
    assert "drwho" in page and "Clinicians" in page and CHANGE in page
    patients = clinician_client.get(reverse("evaluation:patient_list")).content.decode()
    assert reverse("accounts:account") in patients  # the nav link


def test_it_gives_every_user_a_profile_in_english_by_default(clinician):
    profile = Profile.objects.get(user=clinician)
    assert profile.language == Profile.Language.ENGLISH and not profile.must_change_password
    assert {code for code, _ in Profile.Language.choices} == {"en", "es"}
