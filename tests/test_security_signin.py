"""Sign-in protection: lockout after repeated failures, session inactivity and absolute lifetime, password rules."""

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

from evaluation.middleware import LAST_SEEN, STARTED
from evaluation.models import AuditEvent
from tests.conftest import PASSWORD

LOGIN = reverse("login")


def _sign_in(client: Client, username: str, password: str) -> Any:
    return client.post(LOGIN, {"username": username, "password": password})


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


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
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN_FAILED).count() >= 5
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN).exists()


def test_it_locks_only_the_attacked_username(client, clinician, other_clinician):
    for attempt in range(5):
        _sign_in(client, "drwho", f"wrong-{attempt}")
    other = Client()
    response = _sign_in(other, "drno", PASSWORD)
    assert response.status_code == 302
    assert _signed_in(other)


def test_it_lets_the_user_in_again_after_the_cool_off(client, clinician):
    for attempt in range(5):
        _sign_in(client, "drwho", f"wrong-{attempt}")
    assert _sign_in(client, "drwho", PASSWORD).status_code == 429
    # Move the failures back past the 15-minute cool-off, as if the user had waited.
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=16))
    from axes.models import AccessAttemptExpiration

    AccessAttemptExpiration.objects.update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    response = _sign_in(client, "drwho", PASSWORD)
    assert response.status_code == 302
    assert _signed_in(client)


def test_it_resets_the_failure_count_on_success(client, clinician):
    for attempt in range(4):
        _sign_in(client, "drwho", f"wrong-{attempt}")
    assert _sign_in(client, "drwho", PASSWORD).status_code == 302
    client.post(reverse("logout"))
    for attempt in range(4):
        _sign_in(client, "drwho", f"again-{attempt}")
    assert _sign_in(client, "drwho", PASSWORD).status_code == 302


# ---------------------------------------------------------------- session timeouts


@pytest.fixture
def session_client(client, clinician) -> Client:
    assert _sign_in(client, "drwho", PASSWORD).status_code == 302
    return client


def _age_session(client: Client, **seconds_ago: float) -> None:
    session = client.session
    now = time.time()
    for key, ago in seconds_ago.items():
        session[{"last_seen": LAST_SEEN, "started": STARTED}[key]] = now - ago
    session.save()


def test_it_keeps_a_session_active_within_the_inactivity_timeout(session_client):
    _age_session(session_client, last_seen=14 * 60)
    response = session_client.get(reverse("evaluation:patient_list"))
    assert response.status_code == 200
    assert time.time() - session_client.session[LAST_SEEN] < 60  # activity moved the clock on


def test_it_signs_out_after_fifteen_minutes_of_inactivity(session_client, clinician):
    _age_session(session_client, last_seen=15 * 60 + 5)
    response = session_client.get(reverse("evaluation:patient_list"), follow=True)
    assert response.redirect_chain[0][0].startswith(f"{LOGIN}?next=")
    assert b"signed out after a period of inactivity" in response.content
    assert not _signed_in(session_client)
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOGOUT, user=clinician).count() == 1


def test_it_signs_out_after_the_absolute_lifetime_even_when_active(session_client):
    _age_session(session_client, started=12 * 3600 + 5, last_seen=10)
    response = session_client.get(reverse("evaluation:patient_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(f"{LOGIN}?next=")
    assert not _signed_in(session_client)


def test_it_keeps_a_session_just_under_the_absolute_lifetime(session_client):
    _age_session(session_client, started=12 * 3600 - 60, last_seen=10)
    assert session_client.get(reverse("evaluation:patient_list")).status_code == 200


@override_settings(SESSION_INACTIVITY_TIMEOUT=datetime.timedelta(minutes=1),
                   SESSION_ABSOLUTE_LIFETIME=datetime.timedelta(minutes=5))
def test_it_follows_configured_timeouts(session_client):
    _age_session(session_client, last_seen=90)
    assert session_client.get(reverse("evaluation:patient_list")).status_code == 302


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
