"""Session inactivity timeout and absolute lifetime.

Django's session age alone cannot express both: the cookie age is the absolute
limit, and this middleware ends sessions idle for longer than the inactivity
timeout. Timestamps live in the session itself, so any host can check them.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

LAST_SEEN = "_last_seen"
STARTED = "_started"


class SessionTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = time.time()
            started = request.session.setdefault(STARTED, now)
            last_seen = request.session.get(LAST_SEEN, now)
            idle = settings.SESSION_INACTIVITY_TIMEOUT.total_seconds()
            lifetime = settings.SESSION_ABSOLUTE_LIFETIME.total_seconds()
            if now - last_seen > idle or now - started > lifetime:
                logout(request)
                messages.info(request, "You were signed out after a period of inactivity. Sign in again to continue.")
            else:
                request.session[LAST_SEEN] = now
        return self.get_response(request)
