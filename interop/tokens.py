"""Creating, listing and revoking API tokens: the writes in one transaction each, audited like any record change."""

from __future__ import annotations

import datetime
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from evaluation import audit
from evaluation.audit import Actor

from .models import ApiToken
from .roles import TOKEN_CREATE, TOKEN_REVOKE

# Recognisable in logs and secret scanners, and never mistaken for a password.
TOKEN_PREFIX = "ckl_"
SHOWN_PREFIX_LENGTH = 12
LIFETIMES_DAYS = (7, 30, 90, 365)
MAX_ACTIVE_TOKENS = 20


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class NewToken:
    """The stored token and, this once, its secret value."""

    token: ApiToken
    secret: str


def tokens_for_user(user: Any) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")


def active_token_count(user: Any) -> int:
    now = timezone.now()
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True, expires_at__gt=now).count()


@transaction.atomic
def token_create(*, actor: Actor, name: str, lifetime_days: int) -> NewToken:
    if lifetime_days not in LIFETIMES_DAYS:
        raise ValidationError("Choose one of the offered lifetimes.", code="lifetime")
    if active_token_count(actor.user) >= MAX_ACTIVE_TOKENS:
        raise ValidationError(f"You already have {MAX_ACTIVE_TOKENS} active tokens; revoke one first.",
                              code="too_many")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=actor.user, name=name.strip(), prefix=secret[:SHOWN_PREFIX_LENGTH], key_hash=hash_token(secret),
        expires_at=timezone.now() + datetime.timedelta(days=lifetime_days),
    )
    audit.record(TOKEN_CREATE, actor=actor, obj=token, detail={"page": f"expires in {lifetime_days} days"})
    return NewToken(token, secret)


@transaction.atomic
def token_revoke(*, actor: Actor, token: ApiToken) -> ApiToken:
    """Revoke one of the actor's own tokens; revoking twice keeps the first time."""
    locked = ApiToken.objects.select_for_update().get(pk=token.pk, user=actor.user)
    if locked.revoked_at is None:
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
        audit.record(TOKEN_REVOKE, actor=actor, obj=locked)
    return locked


def token_for_secret(secret: str) -> ApiToken | None:
    """The token with this secret, whatever its state (the caller says why it is refused), with its
    user and the user's profile in the same query."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    return ApiToken.objects.select_related("user", "user__profile").filter(key_hash=hash_token(secret)).first()


def owner_must_change_password(token: ApiToken) -> bool:
    """Whether the token's user still has a temporary password that an administrator set.

    Until they choose their own, the account is not back in its owner's hands: its pages
    send them to the password change page (accounts.middleware), and its tokens are refused.
    """
    try:
        return token.user.profile.must_change_password
    except ObjectDoesNotExist:  # an account made before profiles existed has no temporary password
        return False
