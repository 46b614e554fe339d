"""An administrator removing someone's authenticator in the admin is audited (accounts/admin.py)."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from evaluation.models import AuditEvent

Action = AuditEvent.Action
ADMIN_ADDRESS = "198.51.100.7"


def admin_client(superuser) -> Client:
    client = Client(REMOTE_ADDR=ADMIN_ADDRESS)
    client.force_login(superuser)
    return client


def removals() -> list[tuple[int, str, str]]:
    return [(e.user_id, e.object_id, e.ip_address)
            for e in AuditEvent.objects.filter(action=Action.TWO_FACTOR_REMOVE).order_by("id")]


def test_deleting_one_authenticator_in_the_admin_is_audited(superuser, clinician):
    device = TOTPDevice.objects.create(user=clinician, name="Authenticator", confirmed=True)
    url = reverse("admin:otp_totp_totpdevice_delete", args=[device.pk])
    assert admin_client(superuser).post(url, {"post": "yes"}).status_code == 302
    assert not TOTPDevice.objects.exists()
    assert removals() == [(superuser.pk, str(clinician.pk), ADMIN_ADDRESS)]


def test_deleting_selected_authenticators_in_the_admin_is_audited_per_user(superuser, clinician, other_clinician):
    devices = [TOTPDevice.objects.create(user=user, name="Authenticator", confirmed=True)
               for user in (clinician, other_clinician)]
    response = admin_client(superuser).post(reverse("admin:otp_totp_totpdevice_changelist"), {
        "action": "delete_selected", "_selected_action": [d.pk for d in devices], "post": "yes"})
    assert response.status_code == 302
    assert not TOTPDevice.objects.exists()
    assert removals() == [(superuser.pk, str(clinician.pk), ADMIN_ADDRESS),
                          (superuser.pk, str(other_clinician.pk), ADMIN_ADDRESS)]
