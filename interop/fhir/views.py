"""FHIR read endpoints: the pages' permissions and audit, ``application/fhir+json``, errors as OperationOutcome."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from evaluation import audit
from evaluation.models import AuditEvent
from evaluation.services.reports import SUMMARY, signature_report
from evaluation.views.access import get_assessment_for_user, get_patient_for_user

from ..api import access
from ..api.errors import with_etag
from ..api.evaluate import versions_for
from .common import FHIR_JSON, FhirJSONRenderer, operation_outcome, validated
from .questionnaire import questionnaire
from .record import Record, record_of
from .resources import bundle, patient_resource, response_resource

Action = AuditEvent.Action
ISSUE_CODES = {400: "invalid", 401: "login", 403: "forbidden", 404: "not-found", 405: "not-supported",
               406: "not-supported", 409: "conflict", 415: "not-supported"}
RESOURCE = {(200, FHIR_JSON): OpenApiTypes.OBJECT, (200, "application/json"): OpenApiTypes.OBJECT}
# Both renderers can answer (a client may ask for plain JSON), so both media types are documented.
OUTCOMES = {(code, media): OpenApiTypes.OBJECT for code in (304, 401, 403, 404)
            for media in (FHIR_JSON, "application/json")}
REVISION = OpenApiParameter("revision", int, description="A signed revision; default: the latest, or the draft")


def fhir_base(request: Request) -> str:
    """This service's FHIR base URL, from the address the client used."""
    return request.build_absolute_uri(reverse("interop:fhir:metadata")).removesuffix("/metadata")


def _outcome_text(data: Any) -> str:
    if isinstance(data, dict):
        return "; ".join(f"{key}: {value}" if key != "detail" else str(value) for key, value in data.items())
    return str(data)


class FhirView(APIView):
    renderer_classes = [FhirJSONRenderer, JSONRenderer]
    permission_classes = [access.HasActionPerms]

    def handle_exception(self, exc: Exception) -> Response:
        response = super().handle_exception(exc)
        response.data = operation_outcome(ISSUE_CODES.get(response.status_code, "processing"),
                                          _outcome_text(response.data))
        return response


def _record_etag(record: Record, patient: dict[str, Any], base: str) -> str | None:
    """Weak: the same signed revision, patient details and base address give an equivalent resource."""
    if record.signature is None:
        return None
    # The language too: item texts and displays follow Accept-Language, so each language is its own representation.
    seed = f"{record.signature.content_hash}|{sorted(patient.items())}|{base}|{get_language()}"
    return f'W/"{hashlib.sha256(seed.encode()).hexdigest()[:40]}"'


class MetadataView(FhirView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={**RESOURCE, **OUTCOMES}, tags=["FHIR"])
    def get(self, request: Request) -> Response:
        """The CapabilityStatement: which resources this service reads out."""
        base = fhir_base(request)
        resources = [{"type": name, "interaction": [{"code": "read"}]}
                     for name in ("Questionnaire", "QuestionnaireResponse", "Bundle", "Patient")]
        return Response(validated({
            "resourceType": "CapabilityStatement", "status": "active", "date": timezone.localdate().isoformat(),
            "kind": "instance", "fhirVersion": "4.3.0", "format": ["json"],
            "implementation": {"description": f"{settings.CLINIC_NAME}: fasciculation and cramp checklist",
                               "url": base},
            "rest": [{"mode": "server", "resource": resources}],
        }))


class QuestionnaireView(FhirView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={**RESOURCE, **OUTCOMES}, tags=["FHIR"])
    def get(self, request: Request, slug: str, number: str) -> Response:
        """A template version as a Questionnaire (``<slug>-<version>``)."""
        version = versions_for(request.user).filter(template__slug=slug, number=int(number)).first()
        if version is None:
            raise Http404("No such Questionnaire.")
        return Response(questionnaire(version, fhir_base(request)))


class PatientView(FhirView):
    @extend_schema(responses={**RESOURCE, **OUTCOMES}, tags=["FHIR"])
    def get(self, request: Request, pk: str) -> Response:
        patient = get_patient_for_user(request, pk)
        audit.record(Action.PATIENT_VIEW, actor=access.actor(request), obj=patient, detail={"page": "fhir"})
        return Response(patient_resource(patient, fhir_base(request)))


class QuestionnaireResponseView(FhirView):
    @extend_schema(parameters=[REVISION], responses={**RESOURCE, **OUTCOMES}, tags=["FHIR"])
    def get(self, request: Request, pk: str) -> Response:
        """A signed revision's answers (completed or amended), or the draft's (in-progress)."""
        assessment = get_assessment_for_user(request, pk)
        record = record_of(assessment, request.query_params.get("revision"))
        base = fhir_base(request)
        audit.record(Action.ASSESSMENT_VIEW, actor=access.actor(request), obj=assessment,
                     detail={"page": "fhir QuestionnaireResponse", "revision": record.authorship.revision})
        resource = response_resource(record, base)
        return with_etag(request, resource, _record_etag(record, {}, base))


class BundleView(FhirView):
    @extend_schema(parameters=[REVISION], responses={**RESOURCE, **OUTCOMES}, tags=["FHIR"])
    def get(self, request: Request, pk: str) -> Response:
        """Patient, answers, ordered tests and referral, and (once signed) the signed PDF."""
        assessment = get_assessment_for_user(request, pk)
        record = record_of(assessment, request.query_params.get("revision"))
        pdf, latest = None, True
        if record.signature is not None:
            stored = signature_report(record.signature, SUMMARY, assessment)
            pdf = (stored.data, stored.sha256)
            latest = not assessment.signatures.filter(number__gt=record.signature.number).exists()
        audit.record(Action.ASSESSMENT_VIEW, actor=access.actor(request), obj=assessment,
                     detail={"page": "fhir Bundle", "revision": record.authorship.revision,
                             "pdf_hash": pdf[1] if pdf else ""})
        base = fhir_base(request)
        resource = bundle(record, base, pdf, latest)
        patient = resource["entry"][0]["resource"]
        return with_etag(request, resource, _record_etag(record, {**patient, "latest": latest}, base))


@csrf_exempt  # it changes nothing; a POST to a wrong address should hear 404, not a CSRF page
@login_not_required
def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """Any other address under /fhir/: an OperationOutcome, as FHIR clients expect."""
    body = operation_outcome("not-found", "No such resource or operation on this server.")
    return HttpResponse(json.dumps(body), status=404, content_type=FHIR_JSON)
