"""Each signed-in user's pages in their own language; until a temporary password is replaced, every
page sends its user to the password change page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from .services import LANGUAGE_SESSION_KEY, MUST_CHANGE_SESSION_KEY, language_of

# What a user with a temporary password may still reach: the change page, signing out, and
# what the base template loads on every page (session status poll and keep-alive, script strings).
ALLOWED_VIEWS = frozenset({
    "accounts:password_change", "logout", "evaluation:session_status", "evaluation:session_keepalive",
    "javascript-catalog",
})
MESSAGE = _("Your password was set by an administrator. Choose your own password to continue.")


class UserLanguageMiddleware:
    """After authentication: a signed-in user's language is the one on their profile, not the browser's.

    Sign-in copies it into the session, so an ordinary request costs no query; a session
    from before that (or an account made by other means) reads the profile once.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            language = request.session.get(LANGUAGE_SESSION_KEY)
            if language is None:
                language = request.session[LANGUAGE_SESSION_KEY] = language_of(user)
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)


class PasswordChangeRequiredMiddleware:
    """Checks in process_view, so the URL is resolved and LoginRequiredMiddleware has run first.

    The flag is read from the session (set at sign-in), not the database, so this
    costs nothing on ordinary requests.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any,
                     view_kwargs: Any) -> HttpResponse | None:
        if not request.session.get(MUST_CHANGE_SESSION_KEY) or not request.user.is_authenticated:
            return None
        match = request.resolver_match
        if match is not None and match.view_name in ALLOWED_VIEWS:
            return None
        if request.method == "GET":
            messages.warning(request, MESSAGE)
        return redirect("accounts:password_change")
