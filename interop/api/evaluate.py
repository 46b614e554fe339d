"""Suggestions for answers alone (the ``suggest_workup`` contract, no patient record), and template versions."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import get_language
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from evaluation import selectors
from evaluation.models import TemplateVersion
from evaluation.permissions import is_template_admin

from .errors import Pagination
from .representations import ErrorDoc, SuggestionsDoc, VersionDoc, VersionDocumentDoc, version_summary
from .serializers import EvaluateSerializer

VERSION_PATTERN = r"[-a-zA-Z0-9_]+@[0-9]{1,9}"


def case_of(data: dict[str, Any]) -> dict[str, Any]:
    """The case document ``suggestions_for_case`` reads: answers, and the context when one was given."""
    case: dict[str, Any] = {"answers": data["answers"]}
    if data.get("context"):
        case["context"] = data["context"]
    return case


class EvaluateView(APIView):
    """Computes and never stores, and reads no patient record: any signed-in role may use it."""

    @extend_schema(request=EvaluateSerializer,
                   responses={200: SuggestionsDoc, 400: OpenApiTypes.OBJECT, 401: ErrorDoc, 403: ErrorDoc})
    def post(self, request: Request) -> Response:
        """Suggestions for a set of answers: the same engine, and the same JSON, as ``suggest_workup``."""
        body = EvaluateSerializer(data=request.data, context={"may_see_drafts": is_template_admin(request.user)})
        body.is_valid(raise_exception=True)
        version = body.validated_data["version"]
        return Response(selectors.suggestions_for_case(case_of(body.validated_data), version.label, get_language()))


def versions_for(user: Any) -> QuerySet[TemplateVersion]:
    """Every version that is or was in use; drafts only for template admins, who edit them."""
    versions = TemplateVersion.objects.select_related("template").order_by("template__slug", "-number")
    return versions if is_template_admin(user) else versions.exclude(status=TemplateVersion.Status.DRAFT)


class TemplateVersionViewSet(viewsets.ViewSet):
    """Template versions and their documents (no patient data)."""

    lookup_field = "label"
    pagination_class = Pagination  # read by the schema generator, which then documents "list" as pages
    lookup_value_regex = VERSION_PATTERN

    @extend_schema(responses={200: VersionDoc, 401: ErrorDoc, 403: ErrorDoc, 404: ErrorDoc})
    def list(self, request: Request) -> Response:
        """Every version in use or once in use, newest first per template (drafts for template admins)."""
        paginator = Pagination()
        rows = paginator.paginate_queryset(versions_for(request.user), request, view=self)
        return paginator.get_paginated_response([version_summary(v) for v in rows])

    @extend_schema(responses={200: VersionDocumentDoc, 401: ErrorDoc, 403: ErrorDoc, 404: ErrorDoc})
    def retrieve(self, request: Request, label: str) -> Response:
        """One version with its whole document (sections, items, findings, rules, test cases)."""
        slug, _, number = label.partition("@")
        version = versions_for(request.user).filter(template__slug=slug, number=int(number)).first()
        if version is None:
            raise Http404("No such template version.")
        return Response({**version_summary(version), "document": version.to_document()})
