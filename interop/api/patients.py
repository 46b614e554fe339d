"""Patients: list and search (posted, so no name or MRN lands in a URL or access log), register, read,
update; and the assessments of one patient."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from evaluation import audit, register, selectors
from evaluation.models import AuditEvent, Patient
from evaluation.services import assessments as assessment_services
from evaluation.services import patients as patient_services
from evaluation.views.access import get_patient_for_user

from . import access
from .errors import Pagination
from .representations import (
    AssessmentDoc,
    AssessmentPage,
    ConflictDoc,
    ErrorDoc,
    PatientPage,
    assessment_detail,
    assessment_summary,
)
from .serializers import (
    PATIENT_FIELDS,
    AssessmentCreateSerializer,
    PatientSearchSerializer,
    PatientSerializer,
    PatientWriteSerializer,
)

Action = AuditEvent.Action
# The pages record a list with its own action once the evaluation app has it.
PATIENT_LIST = getattr(Action, "PATIENT_LIST", Action.PATIENT_VIEW)
READ_ERRORS = {401: ErrorDoc, 403: ErrorDoc, 404: ErrorDoc}
ERRORS = {400: OpenApiTypes.OBJECT, **READ_ERRORS}


def _duplicates_to_confirm(data: dict[str, Any], confirmed: list[Any]) -> list[str]:
    """As the registration page: someone with the same names and birth date must be confirmed as another person."""
    found = register.possible_duplicates(family_name=data["family_name"], given_name=data["given_name"],
                                         date_of_birth=data["date_of_birth"])
    ids = {str(p.pk) for p in found}
    return [] if ids <= {str(c) for c in confirmed} else sorted(ids)


class PatientViewSet(viewsets.ViewSet):
    """Patients, with the pages' permissions; every read is audited."""

    lookup_value_regex = access.UUID_PATTERN
    pagination_class = Pagination  # read by the schema generator, which then documents "list" as pages
    permission_classes = [access.HasActionPerms]
    perms = {"create": access.CREATE_PATIENT, "update": access.EDIT_PATIENT, "partial_update": access.EDIT_PATIENT,
             "assessments:POST": access.START_ASSESSMENT}

    def _page(self, request: Request, patients: QuerySet[Patient], searched: bool) -> Response:
        visible = patients.filter(pk__in=selectors.patients_for_user(request.user).values("pk"))
        paginator = Pagination()
        rows = paginator.paginate_queryset(visible, request, view=self)
        audit.record(PATIENT_LIST, actor=access.actor(request), detail={"page": "api", "searched": searched})
        return paginator.get_paginated_response(PatientSerializer(rows, many=True).data)

    @extend_schema(responses={200: PatientSerializer, **READ_ERRORS})
    def list(self, request: Request) -> Response:
        """Every patient the user may see, by name, a page at a time."""
        return self._page(request, register.patient_search(""), searched=False)

    @extend_schema(request=PatientSearchSerializer, responses={200: PatientPage, **ERRORS})
    @action(detail=False, methods=["post"])
    def search(self, request: Request) -> Response:
        """Patients matching ``q`` as on the patient list page (the query is posted, never in a URL)."""
        body = PatientSearchSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        query = body.validated_data["q"].strip()
        return self._page(request, register.patient_search(query), searched=bool(query))

    @extend_schema(request=PatientWriteSerializer, responses={201: PatientSerializer, **ERRORS})
    def create(self, request: Request) -> Response:
        """Register a patient. Someone with the same names and date of birth is refused until their ids
        are sent back in ``confirm_duplicate`` (this is a different person)."""
        body = PatientWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        duplicates = _duplicates_to_confirm(data, data.pop("confirm_duplicate", []))
        if duplicates:
            message = "A patient with these names and date of birth is registered; check it is not the same person."
            return Response({"confirm_duplicate": [message], "duplicates": duplicates},
                            status=status.HTTP_400_BAD_REQUEST)
        patient = patient_services.patient_create(actor=access.actor(request), **data)
        return Response(PatientSerializer(patient).data, status=status.HTTP_201_CREATED,
                        headers={"Location": reverse("interop:api:patient-detail", args=[patient.pk])})

    @extend_schema(responses={200: PatientSerializer, **READ_ERRORS})
    def retrieve(self, request: Request, pk: str) -> Response:
        """One patient."""
        patient = get_patient_for_user(request, pk)
        audit.record(Action.PATIENT_VIEW, actor=access.actor(request), obj=patient, detail={"page": "api"})
        return Response(PatientSerializer(patient).data)

    @extend_schema(request=PatientWriteSerializer, responses={200: PatientSerializer, **ERRORS})
    def update(self, request: Request, pk: str) -> Response:
        """Replace the patient's details (all five fields)."""
        return self._save(request, get_patient_for_user(request, pk), request.data)

    @extend_schema(request=PatientWriteSerializer(partial=True), responses={200: PatientSerializer, **ERRORS})
    def partial_update(self, request: Request, pk: str) -> Response:
        """Change some of the patient's details; the others keep their stored values."""
        patient = get_patient_for_user(request, pk)
        if not isinstance(request.data, dict):
            return self._save(request, patient, request.data)
        stored = {name: value for name, value in PatientSerializer(patient).data.items() if name in PATIENT_FIELDS}
        return self._save(request, patient, {**stored, **request.data})

    def _save(self, request: Request, patient: Patient, data: Any) -> Response:
        body = PatientWriteSerializer(data=data, context={"patient": patient})
        body.is_valid(raise_exception=True)
        fields = {name: body.validated_data[name] for name in PATIENT_FIELDS}
        patient = patient_services.patient_update(patient=patient, actor=access.actor(request), **fields)
        return Response(PatientSerializer(patient).data)

    @extend_schema(methods=["GET"], responses={200: AssessmentPage, **READ_ERRORS})
    @extend_schema(methods=["POST"], request=AssessmentCreateSerializer,
                   responses={201: AssessmentDoc, 409: ConflictDoc, **ERRORS})
    @action(detail=True, methods=["get", "post"])
    def assessments(self, request: Request, pk: str) -> Response:
        """GET: the patient's assessments, newest first. POST: start one on a published template version."""
        patient = get_patient_for_user(request, pk)
        if request.method == "POST":
            return self._start(request, patient)
        audit.record(Action.PATIENT_VIEW, actor=access.actor(request), obj=patient, detail={"page": "api: assessments"})
        paginator = Pagination()
        rows = paginator.paginate_queryset(selectors.patient_assessments(patient), request, view=self)
        return paginator.get_paginated_response([assessment_summary(a) for a in rows])

    def _start(self, request: Request, patient: Patient) -> Response:
        body = AssessmentCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        assessment = assessment_services.assessment_create(
            patient=patient, version=body.validated_data["template"], actor=access.actor(request),
            start_from_previous=body.validated_data["start_from_previous"])
        data, _ = assessment_detail(assessment)
        return Response(data, status=status.HTTP_201_CREATED,
                        headers={"Location": reverse("interop:api:assessment-detail", args=[assessment.pk])})
