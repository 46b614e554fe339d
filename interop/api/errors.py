"""What every API view shares: JSON errors that name the bad field, pagination, ETags.

(DRF marks its views exempt from Django's LoginRequiredMiddleware and authenticates them itself, so a
request carrying only a token gets 401 JSON, not the sign-in page; tests/interop/test_tokens.py holds that.)

An error is always JSON: ``{"field": ["message", ...]}`` for bad input (400),
``{"detail": "..."}`` otherwise. Django's own errors raised by the services
(ValidationError, Http404, PermissionDenied) are translated here so that no
input a client can send ends as a 500.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from evaluation.services.assessments import ConflictError, NotEditableError, OpenDraftError


class Pagination(PageNumberPagination):
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100


class Conflict(APIException):
    """409: the record changed since the client read it, or its state forbids the write."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "The assessment was changed by someone else."
    default_code = "conflict"


def django_errors(exc: DjangoValidationError) -> dict[str, Any]:
    """A Django ValidationError as the field-keyed body DRF uses."""
    if hasattr(exc, "error_dict"):
        return {("non_field_errors" if field == NON_FIELD_ERRORS else field): list(messages)
                for field, messages in exc.message_dict.items()}
    return {"detail": " ".join(str(m) for m in exc.messages)}


def conflict_body(exc: ConflictError | NotEditableError) -> dict[str, Any]:
    if isinstance(exc, ConflictError):
        current = exc.current
        return {"detail": str(exc), "code": "stale_revision", "current_revision": current.revision,
                "updated_by": getattr(current.updated_by, "username", None)}
    return {"detail": str(exc), "code": "not_editable"}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, OpenDraftError):
        return Response({"detail": f"{exc} Continue it rather than start another.", "code": "open_draft",
                         "draft": str(exc.draft.pk)}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, (ConflictError, NotEditableError)):
        return Response(conflict_body(exc), status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DjangoValidationError):
        return Response(django_errors(exc), status=status.HTTP_400_BAD_REQUEST)
    return drf_exception_handler(exc, context)


def with_etag(request: Request, data: dict[str, Any], etag: str | None, code: int = 200) -> Response:
    """Signed records carry their content hash as ETag; a client holding it gets 304 and no body."""
    if etag is None:
        return Response(data, status=code)
    matches = [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]
    if code == 200 and (etag in matches or "*" in matches):
        response = Response(status=status.HTTP_304_NOT_MODIFIED)
    else:
        response = Response(data, status=code)
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-store"  # patient data, like the pages; the ETag is for the client
    return response


@csrf_exempt  # it changes nothing; a POST to a wrong address should hear 404, not a CSRF page
@login_not_required
def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Any other address under /api/: a JSON 404 rather than the HTML page."""
    return JsonResponse({"detail": "Nothing was found at this address."}, status=404)
