"""Sign-in limits that an outsider cannot turn against a clinician.

django-axes counts failures per (username, client address) pair
(``AXES_LOCKOUT_PARAMETERS``): five wrong passwords lock that pair only, so a
stranger elsewhere cannot lock a clinician out, and the clinician can still sign
in from their own machine. On top of that this handler limits each address as a
whole (``AXES_ADDRESS_FAILURE_LIMIT``, 20 by default, counted over the same
cool-off): one address spraying one password over many usernames is stopped,
while a clinic behind one shared address is not locked out by one person's typos.

A refused attempt is refused before any password is hashed, so a flood costs
database reads, not CPU.
"""

from __future__ import annotations

from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def address_failures(request: HttpRequest) -> int:
    """Failed sign-ins from the request's address within the cool-off, whatever the username."""
    attempts = AccessAttempt.objects.filter(ip_address=request.axes_ip_address,
                                            attempt_time__gte=get_cool_off_threshold(request))
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


def address_locked(request: HttpRequest) -> bool:
    return address_failures(request) >= settings.AXES_ADDRESS_FAILURE_LIMIT


class PairAndAddressHandler(AxesDatabaseHandler):
    """The database handler, locking a pair at AXES_FAILURE_LIMIT and an address at AXES_ADDRESS_FAILURE_LIMIT."""

    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        pair = super().get_failures(request, credentials)
        if address_locked(request):
            # Reported as the pair limit, because axes compares this number with that limit.
            return max(pair, get_failure_limit(request, credentials))
        return pair


def lockout_response(request: HttpRequest, original_response: HttpResponse | None = None,
                     credentials: dict[str, Any] | None = None) -> HttpResponse:
    """The lockout page, saying whether the pair or the whole address is paused (never naming the username)."""
    return render(request, settings.AXES_LOCKOUT_TEMPLATE, {
        "cooloff_timedelta": get_cool_off(request),
        "by_address": address_locked(request),
    }, status=settings.AXES_HTTP_RESPONSE_CODE)
