"""Around signing in: failed sign-ins in the audit trail, the temporary-password flag, profiles.

A failed sign-in is recorded once per client address and window (the lockout
cool-off, 15 minutes by default): the window's first failure writes the audit
event and later ones only count in ``FailedSignInWindow``. A flood from one
address therefore adds one undeletable row per window, not one per try.

The name typed into the username box is kept only when it names an existing
account. Anything else (a typo, an address, a password typed into the wrong
box) is recorded as "unknown user" with a short keyed fingerprint: an HMAC of
the typed text under the service's secret key, cut to 16 hex digits. It tells a
reader whether one unknown name was tried many times or many names once (a
password spray), but the text cannot be read back from the trail, its exports
or the backups; only someone holding the secret key could confirm a guess, and
rotating the key makes old fingerprints unlinkable.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, authenticate, get_user_model, update_session_auth_hash
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.views.decorators.debug import sensitive_variables

from evaluation.audit import Action, Actor, client_address, record

from .models import MAX_USERNAMES_PER_WINDOW, FailedSignInWindow, Profile
from .services import LANGUAGE_SESSION_KEY, MUST_CHANGE_SESSION_KEY, language_of, must_change_password

UNKNOWN_USER = "unknown user"
_FINGERPRINT_SALT = "accounts.signin.unknown-user"
# Tallies are for looking into a recent attack; the audit events themselves stay.
KEEP_WINDOWS = datetime.timedelta(days=30)


def window_start(moment: datetime.datetime) -> datetime.datetime:
    """The start of the fixed window ``moment`` falls in (windows as long as the lockout cool-off)."""
    size = max(int(settings.AXES_COOLOFF_TIME.total_seconds()), 1)
    seconds = int(moment.timestamp())
    return datetime.datetime.fromtimestamp(seconds - seconds % size, tz=datetime.UTC)


def fingerprint(typed: str) -> str:
    return salted_hmac(_FINGERPRINT_SALT, typed, algorithm="sha256").hexdigest()[:16]


def existing_username(typed: str) -> str | None:
    """``typed`` when it is exactly an account's username (as the sign-in compares it), else None."""
    user_model = get_user_model()
    if typed and user_model._default_manager.filter(**{user_model.USERNAME_FIELD: typed}).exists():
        return typed
    return None


@transaction.atomic
def record_failed_sign_in(request: HttpRequest | None, typed: str) -> FailedSignInWindow:
    address = client_address(request) if request is not None else None
    known = existing_username(typed)
    window, opened = FailedSignInWindow.objects.select_for_update().get_or_create(
        address=address or "", started=window_start(timezone.now()))
    window.failures += 1
    if known is None:
        window.unknown_user_failures += 1
    elif known not in window.usernames and len(window.usernames) < MAX_USERNAMES_PER_WINDOW:
        window.usernames = [*window.usernames, known]
    window.save()
    if opened:
        detail = {"username": known} if known else {"username": UNKNOWN_USER, "fingerprint": fingerprint(typed)}
        record(Action.LOGIN_FAILED, actor=Actor(None, address), detail=detail)
        FailedSignInWindow.objects.filter(started__lt=timezone.now() - KEEP_WINDOWS).delete()
    return window


@sensitive_variables("password")
def reauthenticate(request: HttpRequest, password: str) -> bool:
    """Whether ``password`` is the signed-in user's own, checked as a sign-in is (a wrong one counts towards
    the sign-in limits).

    A right password stored by an older hasher is re-stored by that check (Django re-hashes it), which
    changes the session's authentication hash; a session the user is signed in with is moved onto the new
    hash, so the check never signs them out. A request without such a session (an API token) is left
    without one.
    """
    user = request.user
    stored = user.password
    found = authenticate(request, username=user.get_username(), password=password) if password else None
    if found is None or found.pk != user.pk:
        return False
    if found.password != stored and HASH_SESSION_KEY in request.session:
        update_session_auth_hash(request, found)
    return True


@receiver(user_login_failed)
def _on_login_failed(sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None,
                     **kwargs: Any) -> None:
    # Django has already replaced the password in credentials; the username is as typed.
    record_failed_sign_in(request, str(credentials.get("username") or ""))


@receiver(user_logged_in)
def _remember_temporary_password(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    session = getattr(request, "session", None)
    if session is None:
        return
    if must_change_password(user):
        session[MUST_CHANGE_SESSION_KEY] = True
    else:
        session.pop(MUST_CHANGE_SESSION_KEY, None)
    session[LANGUAGE_SESSION_KEY] = language_of(user)


@receiver(post_save, sender=settings.AUTH_USER_MODEL)
def _create_profile(sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if created and not raw:
        Profile.objects.get_or_create(user=instance)
