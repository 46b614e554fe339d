"""The language of the machine interfaces (JSON API, FHIR, CDS Hooks): the request's ``Accept-Language``.

Codes are the same in every language; only display texts (titles, labels, reasons,
error messages) follow the header. A client that sends no header, or asks only for
languages the service does not have, gets English, whatever the language of the
signed-in user's pages, so the same request from the same client always reads the same.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation.trans_real import parse_accept_lang_header

# Where the machine interfaces live (interop/urls.py); everything else is a page for people.
MACHINE_PREFIXES = ("/api/", "/fhir/", "/cds-services")
# Swagger UI is a page for people under /api/: it follows the user's own language like every page.
PAGE_PATHS = ("/api/v1/docs/",)


def requested_language(accept_language: str) -> str:
    """The first language in an ``Accept-Language`` header that the service has, else the default."""
    for code, _quality in parse_accept_lang_header(accept_language or ""):
        if code == "*":
            break
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return settings.LANGUAGE_CODE


def is_machine_path(path: str) -> bool:
    return path.startswith(MACHINE_PREFIXES) and not path.startswith(PAGE_PATHS)


class MachineLanguageMiddleware:
    """After the user's own language is applied: on the machine interfaces the header decides instead."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not is_machine_path(request.path_info):
            return self.get_response(request)
        language = requested_language(request.headers.get("Accept-Language", ""))
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers["Content-Language"] = language
        patch_vary_headers(response, ("Accept-Language",))
        return response
