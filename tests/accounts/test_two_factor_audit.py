"""Enrolling and removing the authenticator are audited: who did it, whose it was, from where."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import two_factor
from evaluation.audit import Actor
from evaluation.models import AuditEvent
from tests.factories import PASSWORD

Action = AuditEvent.Action
ADDRESS = "203.0.113.9"


@pytest.fixture
def client(clinician) -> Client:
    client = Client(REMOTE_ADDR=ADDRESS)
    client.force_login(clinician)
    return client


def code_for(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, t0=device.t0, step=device.step):06d}"


def enrol(client: Client, user: Any) -> Any:
    client.post(reverse("accounts:two_factor_enrol"))
    return client.post(reverse("accounts:two_factor_confirm"), {"code": code_for(two_factor.pending_device(user))})


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def about(event: AuditEvent) -> tuple[Any, ...]:
    return event.user_id, event.object_type, event.object_id, event.ip_address


def test_confirming_an_authenticator_is_audited(client, clinician):
    assert client.post(reverse("accounts:two_factor_enrol")).status_code == 302
    assert events(Action.TWO_FACTOR_ENROL) == []  # a secret shown, not yet an authenticator
    assert enrol(client, clinician).status_code == 302
    [event] = events(Action.TWO_FACTOR_ENROL)
    assert about(event) == (clinician.pk, "user", str(clinician.pk), ADDRESS)
    assert events(Action.TWO_FACTOR_REMOVE) == []


def test_a_wrong_code_is_not_audited_as_an_enrolment(client, clinician):
    client.post(reverse("accounts:two_factor_enrol"))
    assert client.post(reverse("accounts:two_factor_confirm"), {"code": "000000"}).status_code == 400
    assert events(Action.TWO_FACTOR_ENROL) == []


def test_removing_the_authenticator_is_audited(client, clinician):
    enrol(client, clinician)
    assert client.post(reverse("accounts:two_factor_remove"), {"password": PASSWORD}).status_code == 302
    [event] = events(Action.TWO_FACTOR_REMOVE)
    assert about(event) == (clinician.pk, "user", str(clinician.pk), ADDRESS)


def test_a_refused_removal_is_not_audited_as_one(client, clinician):
    enrol(client, clinician)
    assert client.post(reverse("accounts:two_factor_remove"), {"password": "wrong"}).status_code == 400
    assert events(Action.TWO_FACTOR_REMOVE) == []
    assert two_factor.confirmed_device(clinician) is not None


def test_a_confirmed_authenticator_is_not_replaced_without_the_password(client, clinician):
    enrol(client, clinician)
    device = two_factor.confirmed_device(clinician)
    response = client.post(reverse("accounts:two_factor_enrol"))
    assert response.status_code == 409
    assert "first remove this one" in response.content.decode()
    assert two_factor.pending_device(clinician) is None and two_factor.confirmed_device(clinician) == device
    assert len(events(Action.TWO_FACTOR_ENROL)) == 1 and events(Action.TWO_FACTOR_REMOVE) == []


def test_replacing_an_authenticator_records_the_old_ones_removal_and_the_new_ones_enrolment(client, clinician):
    enrol(client, clinician)
    client.post(reverse("accounts:two_factor_remove"), {"password": PASSWORD})
    enrol(client, clinician)
    actions = list(AuditEvent.objects.filter(action__startswith="two_factor").order_by("id")
                   .values_list("action", flat=True))
    assert actions == [Action.TWO_FACTOR_ENROL, Action.TWO_FACTOR_REMOVE, Action.TWO_FACTOR_ENROL]
    assert TOTPDevice.objects.filter(user=clinician, confirmed=True).count() == 1


def test_an_administrator_removing_several_users_authenticators_is_audited_per_user(
        client, clinician, other_clinician, superuser):
    """What an admin page that deletes devices calls (see accounts/two_factor.py): one event per user whose
    confirmed authenticator goes, the administrator as the actor."""
    enrol(client, clinician)
    other = Client()
    other.force_login(other_clinician)
    enrol(other, other_clinician)
    two_factor.start_enrolment(clinician)  # a pending one too: deleted, but never counted for signing
    deleted = two_factor.remove_devices(TOTPDevice.objects.all(), actor=Actor(superuser, "198.51.100.1"))
    assert deleted == 3 and not TOTPDevice.objects.exists()
    removed = events(Action.TWO_FACTOR_REMOVE)
    assert [(e.user_id, e.object_id, e.ip_address) for e in removed] == [
        (superuser.pk, str(clinician.pk), "198.51.100.1"), (superuser.pk, str(other_clinician.pk), "198.51.100.1")]


def test_the_audit_viewer_names_the_new_events(client, clinician, superuser):
    enrol(client, clinician)
    client.post(reverse("accounts:two_factor_remove"), {"password": PASSWORD})
    viewer = Client()
    viewer.force_login(superuser)
    page = viewer.get(reverse("evaluation:audit_list")).content.decode()
    # In the table's rows, not only in the action filter's list of every label.
    assert "<td>Second factor enrolled</td>" in page and "<td>Second factor removed</td>" in page
