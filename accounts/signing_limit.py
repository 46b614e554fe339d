"""Signing's own password check and its own limit, apart from the sign-in limits.

Signing an assessment is a re-authentication, but it does not go through
``authenticate`` and django-axes: a wrong signing password never counts towards
the sign-in lockout, and a sign-in lock (on another address, or this one) never
stops signing. Instead wrong signing passwords (and wrong authenticator codes)
are counted per user in Django's cache (local memory, or Redis with
``REDIS_URL``): ``SIGNING_FAILURE_LIMIT`` of them within ``SIGNING_COOLOFF_TIME``
of the first pause signing for that user until the window ends. The pause is
recorded once in the audit trail, by the failure that reaches the limit.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from evaluation.audit import Action, Actor, record

from . import two_factor

_COUNT_KEY = "signing-failures:{}"
_UNTIL_KEY = "signing-window:{}"


def _window_seconds() -> int:
    return max(int(settings.SIGNING_COOLOFF_TIME.total_seconds()), 1)


@sensitive_variables("password")
def password_confirms(user: Any, password: str) -> bool:
    """The signer's own password, checked against the account without the sign-in machinery.

    Checked without re-storing a hash made by an older hasher (``user.check_password`` would): that would
    change the session's authentication hash and sign the signer out of the page they are on. Sign-in
    re-stores it instead."""
    return bool(password) and user.is_active and check_password(password, user.password)


def paused_until(user: Any) -> datetime.datetime | None:
    """When signing resumes for ``user``, or None when it is not paused."""
    if (cache.get(_COUNT_KEY.format(user.pk)) or 0) < settings.SIGNING_FAILURE_LIMIT:
        return None
    until = cache.get(_UNTIL_KEY.format(user.pk))
    if until is None:
        return timezone.now() + settings.SIGNING_COOLOFF_TIME
    return datetime.datetime.fromtimestamp(until, tz=datetime.UTC)


def record_failure(request: HttpRequest, user: Any, reason: str) -> datetime.datetime | None:
    """Count one wrong signing password or code; when signing is now paused, until when."""
    timeout = _window_seconds()
    cache.add(_UNTIL_KEY.format(user.pk), (timezone.now() + settings.SIGNING_COOLOFF_TIME).timestamp(), timeout)
    cache.add(_COUNT_KEY.format(user.pk), 0, timeout)
    try:
        failures = cache.incr(_COUNT_KEY.format(user.pk))
    except ValueError:  # the key expired between add and incr: a new window
        cache.set(_COUNT_KEY.format(user.pk), 1, timeout)
        failures = 1
    until = paused_until(user)
    if failures == settings.SIGNING_FAILURE_LIMIT and until is not None:
        # A dedicated audit action would need a migration of the evaluation app; until then the
        # pause is a failed (re-)authentication, told apart by its detail.
        record(Action.LOGIN_FAILED, actor=Actor.from_request(request), obj=user, detail={
            "step": "signing", "signing_paused_until": until.isoformat(timespec="seconds"),
            "failures": failures, "last_reason": reason,
        })
    return until


def reset(user: Any) -> None:
    """A successful signing check starts the count afresh."""
    cache.delete_many([_COUNT_KEY.format(user.pk), _UNTIL_KEY.format(user.pk)])


@dataclass(frozen=True)
class Refusal:
    """Why signing is refused: ``paused`` (until ``until``), ``no_authenticator`` (a code is required and the
    signer has set none up), or the credential that was wrong, ``password`` or ``otp_code``."""

    reason: str
    until: datetime.datetime | None = None


@sensitive_variables("password", "code")
def refuse_signer(request: HttpRequest, user: Any, password: str, code: str) -> Refusal | None:
    """Signing's re-authentication, the same for the review page and the API; None: sign.

    The password (and, where signing asks for one, the authenticator code) is checked with signing's own
    limit, never the sign-in limits: a wrong one is counted here, and the failure that reaches the limit
    pauses signing. A missing authenticator is not a guess, so it is not counted.
    """
    until = paused_until(user)
    if until is not None:
        return Refusal("paused", until)
    device = two_factor.confirmed_device(user)  # read once: whether a code is asked, and to check it
    needs_code = two_factor.requires_code_with(device)
    if needs_code and device is None:
        return Refusal("no_authenticator")
    if not password_confirms(user, password):
        wrong = "password"
    elif needs_code and not two_factor.code_confirms(device, code):
        wrong = "otp_code"
    else:
        reset(user)
        return None
    until = record_failure(request, user, wrong)
    return Refusal("paused", until) if until is not None else Refusal(wrong)
