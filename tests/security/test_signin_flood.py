"""The scripted attack: six anonymous clients flood the sign-in page while a clinician works from another address.

The clinician keeps signing in and signing, and the undeletable audit trail
grows by at most one failed sign-in event per attacking address per window.
SIGNIN_FLOOD_SECONDS sets the length (20 s by default). Passwords are hashed
with a fast hasher here: the test checks what the limits decide, not the CPU,
and test_signin_limits checks that a refused attempt hashes nothing.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import FailedSignInWindow
from accounts.signin import window_start
from evaluation.models import Assessment, AuditEvent
from evaluation.permissions import CLINICIANS
from tests.factories import PASSWORD, case_answers, make_assessment, make_patient, sign_through_view

FLOOD_SECONDS = float(os.environ.get("SIGNIN_FLOOD_SECONDS", "20"))
ATTACKERS = [f"203.0.113.{number}" for number in range(1, 7)]
CLINIC = "198.51.100.7"
LOGIN = reverse("login")


@pytest.fixture
def fast_clinician(settings: Any, django_user_model: Any) -> Any:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    user = django_user_model.objects.create_user(username="drwho", password=PASSWORD, first_name="Who")
    user.groups.add(Group.objects.get(name=CLINICIANS))
    return user


def _drafts(version: Any, clinician: Any, count: int) -> list[Assessment]:
    answers = case_answers(version, "Worked example 2")
    return [make_assessment(make_patient(clinician), version, clinician, answers) for _ in range(count)]


def _attack_round(attackers: list[Client], number: int) -> None:
    for attacker in attackers:
        # The clinician's own name (a lockout attempt) and sprayed names, in turn.
        username = "drwho" if number % 2 else f"ghost{number}"
        attacker.post(LOGIN, {"username": username, "password": f"Guess-{number}"})


def _clinician_works(own: Client, drafts: list[Assessment], signed: list[Assessment]) -> None:
    own.post(reverse("logout"))
    response = own.post(LOGIN, {"username": "drwho", "password": PASSWORD})
    assert response.status_code == 302, "the clinician could not sign in during the flood"
    if len(signed) < len(drafts):
        draft = drafts[len(signed)]
        assert sign_through_view(own, draft).status_code == 302, "the clinician could not sign during the flood"
        signed.append(draft)


def test_it_keeps_a_clinician_working_through_a_sign_in_flood(fast_clinician, version):
    drafts = _drafts(version, fast_clinician, 2)
    attackers, own = [Client(REMOTE_ADDR=address) for address in ATTACKERS], Client(REMOTE_ADDR=CLINIC)
    started, deadline = timezone.now(), time.monotonic() + FLOOD_SECONDS
    rounds, sign_ins, signed, next_turn = 0, 0, [], time.monotonic()
    while time.monotonic() < deadline:
        _attack_round(attackers, rounds)
        rounds += 1
        if time.monotonic() >= next_turn:
            _clinician_works(own, drafts, signed)
            sign_ins += 1
            next_turn = time.monotonic() + FLOOD_SECONDS / 4
    _clinician_works(own, drafts, signed)  # and once more at the end, with every attacker still at it
    sign_ins += 1

    windows = len({window_start(started), window_start(timezone.now())})
    events = AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN_FAILED)
    for address in ATTACKERS:
        assert events.filter(ip_address=address).count() <= windows, address
    assert not events.filter(ip_address=CLINIC).exists()
    assert sign_ins >= 3 and len(signed) == 2
    assert all(Assessment.objects.get(pk=draft.pk).status == Assessment.Status.FINAL for draft in drafts)
    tries = sum(window.failures for window in FailedSignInWindow.objects.all())
    assert tries == rounds * len(ATTACKERS)
    sys.stdout.write(f"\nflood: {tries} failed sign-ins from {len(ATTACKERS)} addresses in {FLOOD_SECONDS:.0f} s, "
                     f"{events.count()} audit rows; clinician signed in {sign_ins} times and signed {len(signed)}\n")
