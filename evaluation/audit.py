"""The append-only audit trail: who did what, to which record, from where.

Services and views write through ``record``, naming the ``Actor`` (user and
client address, taken once from the request). Readers of the trail see an
event's detail through ``shown_detail``, which hides clinical values from
anyone but a superuser.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver
from django.http import HttpRequest

from .models import AuditEvent, Patient

Action = AuditEvent.Action


@dataclass(frozen=True)
class Actor:
    """Who acts, and from which address: everything a service needs of the request."""

    user: Any = None
    address: str | None = None

    @classmethod
    def from_request(cls, request: HttpRequest | None, user: Any = None) -> Actor:
        if request is None:
            return cls(user)
        if user is None and getattr(request, "user", None) is not None and request.user.is_authenticated:
            user = request.user
        return cls(user, client_address(request))

    @classmethod
    def system(cls) -> Actor:
        """A command run on the server (loading the default template, the demo clinic)."""
        return cls()


def client_address(request: HttpRequest) -> str | None:
    """The client's address: the peer, or, behind a trusted proxy, the address that
    proxy appended to X-Forwarded-For (the last entry; earlier ones are client-supplied)."""
    if settings.AUDIT_TRUST_X_FORWARDED_FOR:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if forwarded and _is_ip(forwarded[-1]):
            return forwarded[-1]
    return request.META.get("REMOTE_ADDR") or None


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def record(
    action: str,
    *,
    actor: Actor,
    obj: Any = None,
    patient: Patient | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Write one audit event. Records are named by id only: no MRN or name goes into the text."""
    if patient is None and isinstance(obj, Patient):
        patient = obj
    patient_id = patient.pk if patient is not None else getattr(obj, "patient_id", None)
    return AuditEvent.objects.create(
        user=actor.user,
        username=getattr(actor.user, "username", "") or "",
        action=action,
        object_type=obj._meta.model_name if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        patient_id=patient_id,
        detail=detail or {},
        ip_address=actor.address,
    )


# ---------------------------------------------------------------- reading the trail

# Detail keys whose values are never clinical: template labels, field *names*,
# revision numbers, hashes, decisions (ordered/declined), a typed sign-in name,
# the export's own filters. Anything else is shown to superusers only.
_PLAIN_DETAIL_KEYS = frozenset({
    "version", "from", "from_previous", "fields", "decisions", "added", "revision", "content_hash", "pdf_hash",
    "page", "username", "filters",
    # Sign-in and account events (accounts app) and audited reads: never clinical.
    "fingerprint", "searched", "model", "must_change",
})
CHANGED = "changed"
HIDDEN = "hidden"


def shown_detail(detail: Any, user: Any) -> Any:
    """The event's detail as ``user`` may read it.

    The trail keeps the old and new value of every changed answer, and those can
    be clinical free text. Template admins may read the trail but not clinical
    records, so for anyone but a superuser a change names only the item code, and
    a detail key not known to be plain is hidden rather than shown.
    """
    if getattr(user, "is_superuser", False) or not isinstance(detail, dict):
        return detail
    shown: dict[str, Any] = {}
    for key, value in detail.items():
        if key == "changes" and isinstance(value, dict):
            shown[key] = dict.fromkeys(value, CHANGED)
        elif key in _PLAIN_DETAIL_KEYS:
            shown[key] = value
        else:
            shown[key] = HIDDEN
    return shown


# ---------------------------------------------------------------- sign-in signals


@receiver(user_logged_in)
def _on_login(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    record(Action.LOGIN, actor=Actor.from_request(request, user))


@receiver(user_logged_out)
def _on_logout(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    if user is not None:
        record(Action.LOGOUT, actor=Actor.from_request(request, user))


# Failed sign-ins are recorded by accounts.signin: one event per address and window,
# without the typed name when it matches no account.
