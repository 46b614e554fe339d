"""Append-only audit trail: one call, used by every view and service that touches records."""

from __future__ import annotations

import ipaddress
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from .models import AuditEvent, Patient

Action = AuditEvent.Action


def client_address(request: HttpRequest | None) -> str | None:
    """The client's address: the peer, or, behind a trusted proxy, the address that
    proxy appended to X-Forwarded-For (the last entry; earlier ones are client-supplied)."""
    if request is None:
        return None
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
    request: HttpRequest | None = None,
    user: Any = None,
    obj: Any = None,
    patient: Patient | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Write one audit event. Records are named by id only: no MRN or name goes into the text."""
    if user is None and request is not None and getattr(request, "user", None) is not None:
        user = request.user if request.user.is_authenticated else None
    if patient is None and isinstance(obj, Patient):
        patient = obj
    if patient is None and obj is not None and hasattr(obj, "patient_id"):
        patient = Patient(pk=obj.patient_id)
    return AuditEvent.objects.create(
        user=user,
        username=getattr(user, "username", "") or "",
        action=action,
        object_type=obj._meta.model_name if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        patient_id=patient.pk if patient is not None else None,
        detail=detail or {},
        ip_address=client_address(request),
    )


@receiver(user_logged_in)
def _on_login(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    record(Action.LOGIN, request=request, user=user)


@receiver(user_logged_out)
def _on_logout(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    if user is not None:
        record(Action.LOGOUT, request=request, user=user)


@receiver(user_login_failed)
def _on_login_failed(sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any) -> None:
    # credentials are already scrubbed of the password by Django.
    record(Action.LOGIN_FAILED, request=request, detail={"username": str(credentials.get("username", ""))[:150]})
