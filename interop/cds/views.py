"""CDS Hooks endpoints: discovery (no patient data, open), the service and its feedback (clinicians' tokens)."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from evaluation import audit, selectors
from evaluation.models import TemplateVersion

from ..api import access
from ..fhir.common import questionnaire_url
from ..fhir.views import fhir_base
from ..roles import CDS_FEEDBACK
from .cards import CardMaker
from .hooks import HOOKS, HookError, suggestions_for_hook

ERRORS = {400: OpenApiTypes.OBJECT, 401: OpenApiTypes.OBJECT, 403: OpenApiTypes.OBJECT, 404: OpenApiTypes.OBJECT,
          412: OpenApiTypes.OBJECT}


def published_services() -> list[TemplateVersion]:
    """The newest published version of each template: one service each, named by the template's slug."""
    newest: dict[str, TemplateVersion] = {}
    for version in selectors.published_versions():
        newest.setdefault(version.template.slug, version)
    return list(newest.values())


def service_of(request: Request, version: TemplateVersion) -> dict[str, Any]:
    canonical = questionnaire_url(fhir_base(request), version)
    return {
        "hook": "patient-view",
        "id": version.template.slug,
        "title": version.title,
        "description": (f"Red flags, suggested tests and referral, patterns and advice from the {version.label} "
                        f"checklist, each citing its source: {version.source_document}."),
        "prefetch": {
            "checklist": ("QuestionnaireResponse?subject={{context.patientId}}"
                          f"&questionnaire={canonical}&_sort=-authored&_count=1"),
            "patient": "Patient/{{context.patientId}}",
        },
        "usageRequirements": "Call with a personal API token of a clinician (Authorization: Bearer ckl_...).",
    }


class DiscoveryView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses={200: OpenApiTypes.OBJECT}, tags=["CDS Hooks"])
    def get(self, request: Request) -> Response:
        """The CDS Hooks discovery document."""
        return Response({"services": [service_of(request, v) for v in published_services()]})


class HookRequestSerializer(serializers.Serializer):
    hook = serializers.ChoiceField(choices=HOOKS)
    hookInstance = serializers.CharField(max_length=100)
    fhirServer = serializers.URLField(required=False)
    context = serializers.DictField()
    prefetch = serializers.DictField(required=False, default=dict)


class ServiceView(APIView):
    permission_classes = [access.HasActionPerms]

    @extend_schema(request=HookRequestSerializer, responses={200: OpenApiTypes.OBJECT, **ERRORS}, tags=["CDS Hooks"])
    def post(self, request: Request, service_id: str) -> Response:
        """Cards for the checklist answers sent as a QuestionnaireResponse (in prefetch or context)."""
        if service_id not in {v.template.slug for v in published_services()}:
            raise Http404("No such CDS service.")
        body = HookRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            version, output = suggestions_for_hook(service_id, data)
        except HookError as exc:
            return Response(exc.errors, status=exc.status)
        patient_id = str(data["context"].get("patientId", ""))
        maker = CardMaker(version, fhir_base(request), data["hookInstance"], patient_id)
        return Response({"cards": maker.cards(output)})


class OverrideReasonSerializer(serializers.Serializer):
    reason = serializers.DictField(required=False)
    userComment = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class FeedbackItemSerializer(serializers.Serializer):
    card = serializers.CharField(max_length=100)
    outcome = serializers.ChoiceField(choices=["accepted", "overridden"])
    acceptedSuggestions = serializers.ListField(child=serializers.DictField(), required=False)
    overrideReason = OverrideReasonSerializer(required=False)
    outcomeTimestamp = serializers.DateTimeField()


class FeedbackSerializer(serializers.Serializer):
    feedback = FeedbackItemSerializer(many=True, allow_empty=False, max_length=100)


class FeedbackView(APIView):
    permission_classes = [access.HasActionPerms]

    @extend_schema(request=FeedbackSerializer, responses={200: OpenApiTypes.OBJECT, **ERRORS}, tags=["CDS Hooks"])
    def post(self, request: Request, service_id: str) -> Response:
        """Which cards the clinician accepted or overrode: one audit event each."""
        if service_id not in {v.template.slug for v in published_services()}:
            raise Http404("No such CDS service.")
        body = FeedbackSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        actor = access.actor(request)
        for item in body.validated_data["feedback"]:
            reason = item.get("overrideReason") or {}
            audit.record(CDS_FEEDBACK, actor=actor, detail={
                "page": f"cds-services/{service_id}", "decisions": {item["card"]: item["outcome"]},
                "override_reason": (reason.get("reason") or {}).get("code", ""),
                "comment": reason.get("userComment", ""),
                "accepted_suggestions": [str(s.get("id", "")) for s in item.get("acceptedSuggestions", [])],
            })
        return Response({})
