"""Writes to accounts: keyword-only, in a transaction, each recorded in the audit trail."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from evaluation.audit import Action, Actor, record

from .models import Profile

# Set in the session at sign-in when the account's password is a temporary one; the
# middleware reads it there, so ordinary requests cost no extra query.
MUST_CHANGE_SESSION_KEY = "_must_change_password"
# The user's language, copied from the profile at sign-in (and when changed), read by the middleware.
LANGUAGE_SESSION_KEY = "_language"


def profile_of(user: Any) -> Profile:
    """The user's profile; made on the spot for an account created before profiles existed."""
    profile, _ = Profile.objects.get_or_create(user=user)
    return profile


def must_change_password(user: Any) -> bool:
    return Profile.objects.filter(user=user, must_change_password=True).exists()


@transaction.atomic
def password_change(*, user: Any, new_password: str, actor: Actor) -> None:
    """The user's own new password (the form has checked the current one and the validators)."""
    user.set_password(new_password)
    user.save(update_fields=["password"])
    Profile.objects.update_or_create(user=user, defaults={
        "must_change_password": False, "password_changed_at": timezone.now(),
    })
    record(Action.PASSWORD_CHANGE, actor=actor, obj=user)


@transaction.atomic
def password_set_by_admin(*, user: Any, password: str, must_change: bool, actor: Actor) -> None:
    """An administrator sets someone's password, normally a temporary one they must replace."""
    user.set_password(password)
    user.save(update_fields=["password"])
    password_change_required(user=user, must_change=must_change, actor=actor)


@transaction.atomic
def password_change_required(*, user: Any, must_change: bool, actor: Actor) -> None:
    """Record that an administrator chose this user's password (a new account's, or a reset)."""
    Profile.objects.update_or_create(user=user, defaults={"must_change_password": must_change})
    record(Action.PASSWORD_SET, actor=actor, obj=user, detail={"must_change": must_change})


def language_of(user: Any) -> str:
    language = Profile.objects.filter(user=user).values_list("language", flat=True).first()
    return language or Profile.Language.ENGLISH


@transaction.atomic
def set_language(*, user: Any, language: str) -> None:
    """The language the user's pages are shown in (a preference: not an audited event)."""
    Profile.objects.update_or_create(user=user, defaults={"language": language})
