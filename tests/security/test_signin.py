"""Sign-in protection: lockout after repeated failures, session inactivity and absolute lifetime, password engine."""

from __future__ import annotations

import datetime
import time
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import FailedSignInWindow
from evaluation.middleware import LAST_SEEN, STARTED
from evaluation.models import AuditEvent
from tests.factories import PASSWORD

LOGIN = reverse("login")


def _sign_in(client: Client, username: str, password: str) -> Any:
    return client.post(LOGIN, {"username": username, "password": password})


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def _assert_signed_in_now(response: Any, client: Client) -> None:
    """A successful sign-in: off to the start page, not back to the form, and the session knows the user."""
    assert response.status_code == 302
    assert response["Location"] == reverse("evaluation:home")
    assert _signed_in(client)


# ---------------------------------------------------------------- lockout


def test_it_uses_the_documented_lockout_defaults():
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME == datetime.timedelta(minutes=15)


def test_it_locks_the_account_after_five_failures_with_a_clear_message(client, clinician):
    for attempt in range(4):
        response = _sign_in(client, "drwho", f"wrong-{attempt}")
        assert response.status_code == 200  # the form again, with an error
    locked = _sign_in(client, "drwho", "wrong-5")
    assert locked.status_code == 429
    assert b"Too many failed sign-in attempts" in locked.content
    assert b"15 minutes" in locked.content or b"0:15:00" in locked.content

    # Even the right password is refused while the lock lasts.
    again = _sign_in(client, "drwho", PASSWORD)
    assert again.status_code == 429
    assert not _signed_in(client)
    # One audit event per address and window however many tries (accounts.signin); the window counts them all.
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN_FAILED).count() == 1
    assert FailedSignInWindow.objects.get().failures == 6
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN).exists()


def test_it_locks_only_the_attacked_username(client, clinician, other_clinician):
    for attempt in range(5):
        _sign_in(client, "drwho", f"wrong-{attempt}")
    other = Client()
    _assert_signed_in_now(_sign_in(other, "drno", PASSWORD), other)


def test_it_lets_the_user_in_again_after_the_cool_off(client, clinician):
    for attempt in range(5):
        _sign_in(client, "drwho", f"wrong-{attempt}")
    assert _sign_in(client, "drwho", PASSWORD).status_code == 429
    # Move the failures back past the 15-minute cool-off, as if the user had waited.
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=16))
    from axes.models import AccessAttemptExpiration

    AccessAttemptExpiration.objects.update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    _assert_signed_in_now(_sign_in(client, "drwho", PASSWORD), client)


def test_it_resets_the_failure_count_on_success(client, clinician):
    for attempt in range(4):
        _sign_in(client, "drwho", f"wrong-{attempt}")
    _assert_signed_in_now(_sign_in(client, "drwho", PASSWORD), client)
    client.post(reverse("logout"))
    assert not _signed_in(client)
    for attempt in range(4):
        # Eight failures in all, but the count restarted at the success: none of these is locked out.
        assert _sign_in(client, "drwho", f"again-{attempt}").status_code == 200
    _assert_signed_in_now(_sign_in(client, "drwho", PASSWORD), client)


# ---------------------------------------------------------------- session timeouts


@pytest.fixture
def session_client(client, clinician) -> Client:
    assert _sign_in(client, "drwho", PASSWORD).status_code == 302
    return client


PATIENTS = reverse("evaluation:patient_list")


def _assert_reachable(client: Client) -> None:
    response = client.get(PATIENTS)
    assert response.status_code == 200
    assert b"<h1" in response.content and b"Patients</h1>" in response.content
    assert _signed_in(client)


def _assert_signed_out_by_timeout(client: Client) -> None:
    """The aged session is ended: sent to the sign-in page, and it stays ended for the next request too."""
    response = client.get(PATIENTS)
    assert response.status_code == 302
    assert response["Location"].startswith(f"{LOGIN}?next=")
    assert not _signed_in(client)
    again = client.get(PATIENTS)
    assert again.status_code == 302
    assert again["Location"].startswith(f"{LOGIN}?next=")


def _age_session(client: Client, **seconds_ago: float) -> None:
    session = client.session
    now = time.time()
    for key, ago in seconds_ago.items():
        session[{"last_seen": LAST_SEEN, "started": STARTED}[key]] = now - ago
    session.save()


def test_it_keeps_a_session_active_within_the_inactivity_timeout(session_client):
    _age_session(session_client, last_seen=14 * 60)
    _assert_reachable(session_client)
    assert time.time() - session_client.session[LAST_SEEN] < 60  # activity moved the clock on


def test_it_signs_out_after_fifteen_minutes_of_inactivity(session_client, clinician):
    _assert_reachable(session_client)
    _age_session(session_client, last_seen=15 * 60 + 5)
    response = session_client.get(reverse("evaluation:patient_list"), follow=True)
    assert response.redirect_chain[0][0].startswith(f"{LOGIN}?next=")
    assert b"signed out after a period of inactivity" in response.content
    assert not _signed_in(session_client)
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOGOUT, user=clinician).count() == 1
    _assert_signed_out_by_timeout(session_client)  # a further request is turned away too


def test_it_signs_out_after_the_absolute_lifetime_even_when_active(session_client):
    _assert_reachable(session_client)
    _age_session(session_client, started=12 * 3600 + 5, last_seen=10)
    _assert_signed_out_by_timeout(session_client)


def test_it_keeps_a_session_just_under_the_absolute_lifetime(session_client):
    _age_session(session_client, started=12 * 3600 - 60, last_seen=10)
    _assert_reachable(session_client)


@override_settings(SESSION_INACTIVITY_TIMEOUT=datetime.timedelta(minutes=1),
                   SESSION_ABSOLUTE_LIFETIME=datetime.timedelta(minutes=5))
def test_it_follows_configured_timeouts(session_client):
    # Past the configured one minute but well inside the default fifteen.
    _age_session(session_client, last_seen=50)
    _assert_reachable(session_client)
    _age_session(session_client, last_seen=90)
    _assert_signed_out_by_timeout(session_client)

    # And the configured five-minute lifetime, with recent activity.
    assert _sign_in(session_client, "drwho", PASSWORD).status_code == 302
    _age_session(session_client, started=4 * 60, last_seen=10)
    _assert_reachable(session_client)
    _age_session(session_client, started=5 * 60 + 5, last_seen=10)
    _assert_signed_out_by_timeout(session_client)


def test_it_expires_the_cookie_at_the_absolute_lifetime():
    assert settings.SESSION_COOKIE_AGE == 12 * 3600
    assert settings.SESSION_INACTIVITY_TIMEOUT == datetime.timedelta(minutes=15)


# ---------------------------------------------------------------- passwords


@pytest.mark.parametrize("password, problem", [
    ("Sh0rt-pass", "too short"),
    ("password1234", "too common"),
    ("739182736451", "entirely numeric"),
    ("margaret.hamilton", "too similar"),
])
def test_it_rejects_weak_passwords(django_user_model, password, problem):
    user = django_user_model(username="margaret.hamilton", first_name="Margaret", last_name="Hamilton")
    with pytest.raises(ValidationError) as raised:
        validate_password(password, user=user)
    assert any(problem in message for message in raised.value.messages)


def test_it_accepts_a_long_uncommon_password(clinician):
    assert validate_password("lantern-orbit-mossy-quartz", user=clinician) is None
