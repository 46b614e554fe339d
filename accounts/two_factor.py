"""An optional second factor: a TOTP authenticator (django-otp) that signing can ask a code from.

A user enrols on their account page: a new, unconfirmed device is made, its
``otpauth://`` address is shown as text and as a QR code (inline SVG drawn on
the server, so no script and no external image), and a current code from the
authenticator confirms it. With ``REQUIRE_2FA_FOR_SIGNING`` every signature
needs a current code; without it, signing asks for one only from users who
enrolled. Only the device models of django-otp are used: signing in itself
stays password-only.

Confirming an authenticator and removing one are audited (``TWO_FACTOR_ENROL``,
``TWO_FACTOR_REMOVE``) in the same transaction, with the user as the record and
whoever acted (the user, or an administrator) as the actor. A device enrolled but
never confirmed never counted for signing, so dropping one is not an event.
"""

from __future__ import annotations

from typing import Any

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import QuerySet
from django.utils.safestring import SafeString, mark_safe
from django_otp.plugins.otp_totp.models import TOTPDevice

from evaluation.audit import Action, Actor, record
from evaluation.permissions import HAS_AUTHENTICATOR

DEVICE_NAME = "Authenticator"


def confirmed_device(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def pending_device(user: Any) -> TOTPDevice | None:
    """A device enrolled but not yet confirmed with a code."""
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()


def signing_requires_code(user: Any) -> bool:
    """Whether signing asks ``user`` for a code: the deployment requires it, or the user enrolled (read
    with the session's user by ``PermissionsWithUserBackend``; looked up for a user loaded otherwise)."""
    if settings.REQUIRE_2FA_FOR_SIGNING:
        return True
    enrolled = getattr(user, HAS_AUTHENTICATOR, None)
    return bool(enrolled) if enrolled is not None else confirmed_device(user) is not None


def requires_code_with(device: TOTPDevice | None) -> bool:
    """``signing_requires_code`` for a signer whose confirmed authenticator (or None) is already read."""
    return bool(settings.REQUIRE_2FA_FOR_SIGNING) or device is not None


@transaction.atomic
def start_enrolment(user: Any) -> TOTPDevice:
    """A new unconfirmed device with a fresh secret; any earlier unconfirmed one is dropped."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def _verify(device: TOTPDevice | None, code: str) -> bool:
    code = (code or "").strip()
    if device is None or not code.isdigit() or len(code) != device.digits:
        return False
    return bool(device.verify_token(code))


@transaction.atomic
def confirm_enrolment(user: Any, code: str, *, actor: Actor) -> bool:
    """Confirm the pending device with a current code; it then replaces any earlier device."""
    device = pending_device(user)
    if not _verify(device, code):
        return False
    remove_devices(TOTPDevice.objects.filter(user=user).exclude(pk=device.pk), actor=actor)
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    record(Action.TWO_FACTOR_ENROL, actor=actor, obj=user)
    setattr(user, HAS_AUTHENTICATOR, True)  # what the rest of this request reads of the user
    return True


def code_confirms(device: TOTPDevice | None, code: str) -> bool:
    """A current code from this confirmed authenticator (each code is accepted once)."""
    return _verify(device, code)


@transaction.atomic
def remove(user: Any, *, actor: Actor) -> int:
    """Remove the user's authenticator (and any enrolment not yet confirmed)."""
    removed = remove_devices(TOTPDevice.objects.filter(user=user), actor=actor)
    setattr(user, HAS_AUTHENTICATOR, False)  # what the rest of this request reads of the user
    return removed


@transaction.atomic
def remove_devices(devices: QuerySet[TOTPDevice], *, actor: Actor) -> int:
    """Delete ``devices``; one audit event per user whose confirmed authenticator goes (an administrator
    may remove several users' at once). Returns how many devices were deleted."""
    owners = list(get_user_model().objects.filter(
        pk__in=devices.filter(confirmed=True).values("user_id")).order_by("pk"))
    deleted, _ = devices.delete()
    for owner in owners:
        record(Action.TWO_FACTOR_REMOVE, actor=actor, obj=owner)
    return deleted


def qr_svg(uri: str) -> SafeString:
    """The QR code of ``uri`` as SVG markup to place in the page (drawn here, from our own data)."""
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    markup = image.to_string(encoding="unicode")
    if markup.startswith("<?xml"):
        markup = markup.split("?>", 1)[1]
    return mark_safe(markup)  # noqa: S308 - made by the qrcode library from an address we built
