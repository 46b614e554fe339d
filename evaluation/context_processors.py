from functools import partial
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .views.fragments import HEAD_TEMPLATE, TOP_TEMPLATE, masked_csrf_token, render_fragment


def clinic(request: HttpRequest) -> dict[str, Any]:
    """The clinic's name, the page chrome of base.html, and the CSRF token the chrome also writes.

    The chrome is given as callables, so only a page that shows it (base.html) pays for it: htmx
    fragments and PDFs rendered with a request do not. See ``evaluation.views.fragments``.
    ``csrf_token`` replaces the value of Django's built-in processor (which runs first) with the same
    token, masked once per request for the page and the chrome together (``masked_csrf_token``).
    """
    return {
        "CLINIC_NAME": settings.CLINIC_NAME,
        "page_head": partial(render_fragment, HEAD_TEMPLATE, request),
        "page_top": partial(render_fragment, TOP_TEMPLATE, request),
        "csrf_token": SimpleLazyObject(partial(masked_csrf_token, request)),
    }
