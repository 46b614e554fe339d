"""Sign-in limits an outsider cannot turn against a clinician, and what failed sign-ins leave in the trail."""

from __future__ import annotations

import datetime
import json
import re
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import signin
from accounts.models import FailedSignInWindow
from accounts.signin import UNKNOWN_USER, fingerprint
from evaluation.models import AuditEvent
from tests.factories import PASSWORD

LOGIN = reverse("login")
ATTACKER, CLINIC, ELSEWHERE = "203.0.113.66", "198.51.100.7", "192.0.2.44"
Action = AuditEvent.Action


def client_at(address: str) -> Client:
    return Client(REMOTE_ADDR=address)


def sign_in(client: Client, username: str, password: str) -> Any:
    return client.post(LOGIN, {"username": username, "password": password})


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def failed_events(**filters: Any) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=Action.LOGIN_FAILED, **filters))


# ---------------------------------------------------------------- per (username, address)


def test_it_locks_the_pair_but_not_the_same_clinician_from_another_address(clinician):
    attacker = client_at(ATTACKER)
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        sign_in(attacker, "drwho", f"guess-{attempt}")
    assert sign_in(attacker, "drwho", PASSWORD).status_code == 429
    assert not signed_in(attacker)

    own = client_at(CLINIC)
    response = sign_in(own, "drwho", PASSWORD)
    assert response.status_code == 302 and signed_in(own)


def test_it_says_the_pair_is_paused_without_naming_the_user(clinician):
    attacker = client_at(ATTACKER)
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        locked = sign_in(attacker, "drwho", f"guess-{attempt}")
    assert locked.status_code == 429
    body = locked.content.decode()
    assert "from this address is paused" in body and "drwho" not in body


def test_it_refuses_a_locked_pair_before_hashing_any_password(clinician, monkeypatch):
    attacker = client_at(ATTACKER)
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        sign_in(attacker, "drwho", f"guess-{attempt}")
    checked: list[str] = []
    real = ModelBackend.authenticate

    def counting(self: ModelBackend, request: Any, username: str | None = None, **kwargs: Any) -> Any:
        checked.append(username or "")
        return real(self, request, username=username, **kwargs)

    monkeypatch.setattr(ModelBackend, "authenticate", counting)
    for attempt in range(10):
        assert sign_in(attacker, "drwho", f"more-{attempt}").status_code == 429
    assert checked == []


# ---------------------------------------------------------------- per address


def test_it_throttles_password_spraying_from_one_address(clinician, other_clinician):
    sprayer = client_at(ATTACKER)
    statuses = [sign_in(sprayer, f"user{number}", "Spring2025!").status_code
                for number in range(settings.AXES_ADDRESS_FAILURE_LIMIT)]
    assert statuses == [200] * (settings.AXES_ADDRESS_FAILURE_LIMIT - 1) + [429]  # the one reaching the limit
    # Every username is now refused from this address, even a real one with its right password.
    refused = sign_in(sprayer, "drno", PASSWORD)
    assert refused.status_code == 429
    assert "from your network address" in refused.content.decode()
    assert not signed_in(sprayer)
    # Elsewhere nobody is affected.
    own = client_at(CLINIC)
    assert sign_in(own, "drno", PASSWORD).status_code == 302 and signed_in(own)


def test_it_keeps_an_address_open_below_its_limit(clinician):
    shared = client_at(CLINIC)  # a clinic behind one address: several people's typos
    for number in range(settings.AXES_ADDRESS_FAILURE_LIMIT - 1):
        sign_in(shared, f"colleague{number % 4}", "typo-password")
    assert sign_in(shared, "drwho", PASSWORD).status_code == 302


def test_it_counts_the_address_limit_within_the_cool_off_only(clinician):
    sprayer = client_at(ATTACKER)
    for number in range(settings.AXES_ADDRESS_FAILURE_LIMIT):
        sign_in(sprayer, f"user{number}", "Spring2025!")
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.first().attempt_time - settings.AXES_COOLOFF_TIME
                                 - datetime.timedelta(seconds=5))
    assert sign_in(sprayer, "drwho", PASSWORD).status_code == 302


# ---------------------------------------------------------------- hostile usernames


@pytest.mark.parametrize("length", [151, 256, 5000])
def test_it_turns_an_overlong_username_into_a_form_error(db, length):
    response = sign_in(client_at(ATTACKER), "u" * length, "whatever-password")
    assert response.status_code == 400
    assert re.search(r"at most 150 characters", response.content.decode())
    assert not AccessAttempt.objects.exists()
    assert not failed_events()


def test_it_accepts_a_username_of_exactly_the_column_width(db):
    response = sign_in(client_at(ATTACKER), "u" * 150, "whatever-password")
    assert response.status_code == 200  # the ordinary "wrong username or password"
    assert len(failed_events()) == 1


# ---------------------------------------------------------------- what the trail keeps


def test_it_records_an_unknown_name_as_unknown_user_with_a_keyed_fingerprint(db):
    typed = "MyS3cret-password-typed-in-the-wrong-box"
    sign_in(client_at(ATTACKER), typed, "anything")
    event, = failed_events()
    assert event.detail == {"username": UNKNOWN_USER, "fingerprint": fingerprint(typed)}
    assert re.fullmatch(r"[0-9a-f]{16}", event.detail["fingerprint"])
    assert event.ip_address == ATTACKER and event.user is None and event.username == ""
    stored = json.dumps(list(AuditEvent.objects.values()), default=str) + json.dumps(
        list(FailedSignInWindow.objects.values()), default=str)
    assert typed not in stored


def test_it_keeps_the_name_of_an_existing_account(clinician):
    sign_in(client_at(ATTACKER), "drwho", "wrong-password")
    event, = failed_events()
    assert event.detail == {"username": "drwho"}


def test_it_gives_the_same_name_the_same_fingerprint_and_another_name_another(db):
    assert fingerprint("jsmith") == fingerprint("jsmith")
    assert fingerprint("jsmith") != fingerprint("jsmith2")


def test_it_writes_one_event_per_address_and_window_however_many_tries(clinician, other_clinician, monkeypatch):
    # Windows start on the clock: hold this one for the whole test, however long 13 password hashes take.
    started = signin.window_start(timezone.now())
    monkeypatch.setattr(signin, "window_start", lambda moment: started)
    attacker, other = client_at(ATTACKER), client_at(ELSEWHERE)
    for number in range(12):
        sign_in(attacker, ["drwho", "drno", f"ghost{number}"][number % 3], "wrong-password")
    sign_in(other, "nobody", "wrong-password")
    assert len(failed_events(ip_address=ATTACKER)) == 1
    assert len(failed_events(ip_address=ELSEWHERE)) == 1
    window = FailedSignInWindow.objects.get(address=ATTACKER)
    assert (window.failures, window.unknown_user_failures) == (12, 4)
    assert sorted(window.usernames) == ["drno", "drwho"]


def test_it_opens_a_new_event_in_the_next_window(clinician):
    attacker = client_at(ATTACKER)
    sign_in(attacker, "drwho", "wrong-1")
    FailedSignInWindow.objects.update(started=FailedSignInWindow.objects.get().started - settings.AXES_COOLOFF_TIME)
    sign_in(attacker, "drwho", "wrong-2")
    assert len(failed_events(ip_address=ATTACKER)) == 2
