"""Session inactivity timeout and absolute lifetime.

Django's session age alone cannot express both: the cookie age is the absolute
limit, and this middleware ends sessions idle for longer than the inactivity
timeout. Timestamps live in the session itself, so any host can check them.

Reading a page must not write: the last-seen mark moves on at most once a
minute (``REFRESH_SECONDS``), so a clinician clicking through pages costs one
session write a minute, not one per request. The deadline is the mark plus the
inactivity timeout, so a session may end up to a minute before the timeout
counted from the very last click, never after it. Views marked
``keeps_session_idle`` (the session status poll) do not count as activity.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

LAST_SEEN = "_last_seen"
STARTED = "_started"
REFRESH_SECONDS = 60


def keeps_session_idle(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Mark a view whose requests are not activity (a poll must not keep a session alive)."""
    view.keeps_session_idle = True  # type: ignore[attr-defined]
    return view


def session_seconds_left(session: Any, now: float | None = None) -> float:
    """Seconds until the session ends, by inactivity or by its absolute lifetime (negative: ended)."""
    now = time.time() if now is None else now
    idle = settings.SESSION_INACTIVITY_TIMEOUT.total_seconds()
    lifetime = settings.SESSION_ABSOLUTE_LIFETIME.total_seconds()
    return min(session.get(LAST_SEEN, now) + idle, session.get(STARTED, now) + lifetime) - now


def mark_activity(request: HttpRequest, *, force: bool = False) -> None:
    """Move the last-seen mark to now if it is a minute old (or at once when ``force``): at most one write a minute."""
    now = time.time()
    if force or now - request.session.get(LAST_SEEN, 0) >= REFRESH_SECONDS:
        request.session[LAST_SEEN] = now
    request.session_seconds_left = int(session_seconds_left(request.session, now))  # type: ignore[attr-defined]


class SessionTimeoutMiddleware:
    """Signs out in the request phase (before any view), counts activity in ``process_view``.

    ``request.session_seconds_left`` is set for signed-in requests, for pages to
    show (the base template puts it in a data attribute) without another request.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = time.time()
            if STARTED not in request.session:  # the first request after signing in: one write
                request.session[STARTED] = request.session[LAST_SEEN] = now
            left = session_seconds_left(request.session, now)
            if left < 0:
                logout(request)
                messages.info(request, "You were signed out after a period of inactivity. Sign in again to continue.")
            else:
                request.session_seconds_left = int(left)  # type: ignore[attr-defined]
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any,
                     view_kwargs: Any) -> None:
        if request.user.is_authenticated and not getattr(view_func, "keeps_session_idle", False):
            mark_activity(request)


class PrivateNoStoreMiddleware:
    """``Cache-Control: no-store, private`` on every response to a signed-in user.

    Pages, htmx fragments, PDFs and CSV exports all show patient data; a browser
    or proxy must not keep a copy, so that after signing out on a shared
    workstation Back shows nothing. Static files never get here (WhiteNoise
    answers them earlier), so they stay cacheable. A response counts as signed in
    if the user was signed in when the request arrived (the sign-out page itself)
    or is by the time it leaves (signing in, or an API token checked in the view).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        signed_in = request.user.is_authenticated
        response = self.get_response(request)
        if signed_in or request.user.is_authenticated:
            patch_cache_control(response, no_store=True, private=True)
        return response
