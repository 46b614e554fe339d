"""How long the session has left, for the page's "stay signed in" warning, and extending it on request.

``session_status`` is a poll: it reads the deadline and is not activity, so
polling never keeps an unattended session open. ``session_keepalive`` is the
clinician's "Stay signed in": it counts as activity at once.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from ..middleware import keeps_session_idle, mark_activity, session_seconds_left


def _status(request: HttpRequest, status: int = 200) -> JsonResponse:
    signed_in = request.user.is_authenticated
    left = max(0, int(session_seconds_left(request.session))) if signed_in else 0
    return JsonResponse({"signed_in": signed_in, "seconds_left": left}, status=status)


@keeps_session_idle
@login_not_required
@never_cache
@require_GET
def session_status(request: HttpRequest) -> JsonResponse:
    """``{"signed_in": bool, "seconds_left": int}``; does not extend the session."""
    return _status(request)


@login_not_required
@never_cache
@require_POST
def session_keepalive(request: HttpRequest) -> JsonResponse:
    """Extend the session now (CSRF-protected POST); 401 when it has already ended."""
    if not request.user.is_authenticated:
        return _status(request, status=401)
    mark_activity(request, force=True)
    return _status(request)
