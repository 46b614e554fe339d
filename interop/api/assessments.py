"""Assessments: read (with ETag once signed), signed revisions, save answers and decisions (optimistic
locking: 409 on a stale revision), sign with password re-entry, amend with a reason."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import signing_limit
from evaluation import audit, selectors
from evaluation.models import Assessment, AuditEvent
from evaluation.services import assessments as assessment_services
from evaluation.views.access import get_assessment_for_user

from . import access
from .errors import with_etag
from .representations import (
    AssessmentDoc,
    ConflictDoc,
    ErrorDoc,
    RevisionDoc,
    SignRefusedDoc,
    assessment_detail,
    etag_for,
    revision_detail,
)
from .serializers import AmendSerializer, AnswersSerializer, DecisionsSerializer, SignSerializer, decisions_from

Action = AuditEvent.Action
READ_ERRORS = {304: None, 401: ErrorDoc, 403: ErrorDoc, 404: ErrorDoc}
WRITE_ERRORS = {400: OpenApiTypes.OBJECT, 401: ErrorDoc, 403: ErrorDoc, 404: ErrorDoc, 409: ConflictDoc}
WRONG_CREDENTIAL = {
    "password": "The password is not correct. Signing needs your own password.",
    "otp_code": "The code from the signer's authenticator app is not correct or has expired.",
}
NO_AUTHENTICATOR = ("Signing needs a code from an authenticator app, and none is set up for this user: set one up "
                    "on the account page (My account), then sign.")


def _detail_response(request: Request, assessment: Assessment, code: int = 200) -> Response:
    data, signed = assessment_detail(assessment)
    return with_etag(request, data, etag_for(signed) if signed else None, code)


class AssessmentViewSet(viewsets.ViewSet):
    """Assessments, with the pages' permissions; every read and write is audited."""

    lookup_value_regex = access.UUID_PATTERN
    permission_classes = [access.HasActionPerms]
    perms = {"answers": access.EDIT_ASSESSMENT, "decisions": access.EDIT_ASSESSMENT, "sign": access.SIGN,
             "amend": access.AMEND}

    @extend_schema(responses={200: AssessmentDoc, **READ_ERRORS})
    def retrieve(self, request: Request, pk: str) -> Response:
        """The draft with its live suggestions, or the latest signed revision exactly as signed."""
        assessment = get_assessment_for_user(request, pk)
        audit.record(Action.ASSESSMENT_VIEW, actor=access.actor(request), obj=assessment, detail={"page": "api"})
        return _detail_response(request, assessment)

    @extend_schema(responses={200: RevisionDoc, **READ_ERRORS})
    @action(detail=True, methods=["get"], url_path=r"revisions/(?P<number>[0-9]{1,9})")
    def revision(self, request: Request, pk: str, number: str) -> Response:
        """One signed revision: the signed content, its hash and its signer."""
        assessment = get_assessment_for_user(request, pk)
        signature = selectors.signature_of(assessment, int(number))
        if signature is None:
            raise Http404("No such signed revision.")
        audit.record(Action.ASSESSMENT_VIEW, actor=access.actor(request), obj=assessment,
                     detail={"page": "api", "revision": signature.number})
        return with_etag(request, revision_detail(assessment, signature), etag_for(signature))

    @extend_schema(request=AnswersSerializer, responses={200: AssessmentDoc, **WRITE_ERRORS})
    @action(detail=True, methods=["put"])
    def answers(self, request: Request, pk: str) -> Response:
        """Replace the draft's answers; ``revision`` must be the one they were read at."""
        assessment = get_assessment_for_user(request, pk)
        body = AnswersSerializer(data=request.data, context={"assessment": assessment})
        body.is_valid(raise_exception=True)
        saved = assessment_services.assessment_save(
            assessment=assessment, answers=body.validated_data["answers"],
            expected_revision=body.validated_data["revision"], actor=access.actor(request))
        return _detail_response(request, saved)

    @extend_schema(request=DecisionsSerializer, responses={200: AssessmentDoc, **WRITE_ERRORS})
    @action(detail=True, methods=["put"])
    def decisions(self, request: Request, pk: str) -> Response:
        """Ordered or declined (with a reason) for suggested tests and referrals, and tests added."""
        assessment = get_assessment_for_user(request, pk)
        body = DecisionsSerializer(data=request.data, context={"evaluation": assessment.evaluate()})
        body.is_valid(raise_exception=True)
        saved = assessment_services.assessment_save_decisions(
            assessment=assessment, decisions=decisions_from(body.validated_data["decisions"]),
            expected_revision=body.validated_data["revision"], actor=access.actor(request))
        return _detail_response(request, saved)

    @extend_schema(request=SignSerializer,
                   responses={200: AssessmentDoc, 400: SignRefusedDoc, 401: ErrorDoc, 403: ErrorDoc, 404: ErrorDoc,
                              409: ConflictDoc, 429: ErrorDoc})
    @action(detail=True, methods=["post"])
    def sign(self, request: Request, pk: str) -> Response:
        """Sign as author: the signer's password (and authenticator code, where signing asks for one), and a
        decision on every suggested test and referral. Wrong passwords and codes count towards signing's own
        limit, as on the review page: past it, signing answers 429 until the time given."""
        assessment = get_assessment_for_user(request, pk)
        if not assessment.is_editable:
            raise assessment_services.NotEditableError("This assessment is already signed.")
        body = SignSerializer(data=request.data, context={"evaluation": assessment.evaluate()})
        body.is_valid(raise_exception=True)
        refusal = signing_limit.refuse_signer(request._request, request.user, body.validated_data["password"],
                                              body.validated_data["otp_code"])
        if refusal is not None:
            return _signing_refused(refusal)
        outcome = assessment_services.assessment_sign(
            assessment=assessment, actor=access.actor(request), expected_revision=body.validated_data["revision"],
            decisions=decisions_from(body.validated_data.get("decisions")))
        if not outcome.signed:
            return Response({"detail": "Not signed yet.", "problems": outcome.problems,
                             "missing_required": list(outcome.assessment.evaluate().missing_required),
                             "current_revision": outcome.assessment.revision}, status=status.HTTP_400_BAD_REQUEST)
        return _detail_response(request, Assessment.objects.get(pk=assessment.pk))

    @extend_schema(request=AmendSerializer, responses={200: AssessmentDoc, **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def amend(self, request: Request, pk: str) -> Response:
        """Reopen a signed assessment as a draft; its signed revisions stay readable as they were."""
        assessment = get_assessment_for_user(request, pk)
        body = AmendSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            amended = assessment_services.assessment_amend(
                assessment=assessment, reason=body.validated_data["reason"], actor=access.actor(request))
        except ValidationError as exc:
            return Response({"reason": exc.messages}, status=status.HTTP_400_BAD_REQUEST)
        return _detail_response(request, amended)


def _signing_refused(refusal: signing_limit.Refusal) -> Response:
    """Signing's own limit and second factor, as on the review page (accounts.signing_limit)."""
    if refusal.reason == "paused":
        response = Response({"detail": "Signing is paused after too many wrong passwords or codes; try again "
                                       "after the time given.", "until": refusal.until.isoformat(timespec="seconds")},
                            status=status.HTTP_429_TOO_MANY_REQUESTS)
        response["Retry-After"] = str(max(1, int((refusal.until - timezone.now()).total_seconds())))
        return response
    if refusal.reason == "no_authenticator":
        return Response({"detail": NO_AUTHENTICATOR}, status=status.HTTP_403_FORBIDDEN)
    return Response({refusal.reason: [WRONG_CREDENTIAL[refusal.reason]]}, status=status.HTTP_400_BAD_REQUEST)
