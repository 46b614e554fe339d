from functools import partial
from typing import Any

from django.conf import settings
from django.http import HttpRequest

from .views.fragments import HEAD_TEMPLATE, TOP_TEMPLATE, render_fragment


def clinic(request: HttpRequest) -> dict[str, Any]:
    """The clinic's name, and the page chrome of base.html.

    The chrome is given as callables, so only a page that shows it (base.html) pays for it: htmx
    fragments and PDFs rendered with a request do not. See ``evaluation.views.fragments``.
    """
    return {
        "CLINIC_NAME": settings.CLINIC_NAME,
        "page_head": partial(render_fragment, HEAD_TEMPLATE, request),
        "page_top": partial(render_fragment, TOP_TEMPLATE, request),
    }
