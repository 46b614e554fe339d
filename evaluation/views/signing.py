"""Review (a decision on every suggested test and referral) and signing, each with its own endpoint."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import authenticate
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from .. import audit, engine
from ..audit import Actor
from ..decisions import Decisions
from ..forms import DecisionsForm
from ..models import Assessment, AuditEvent
from ..services import assessments as assessment_services
from .access import CHANGE_ASSESSMENT, SEE_PATIENTS, SIGN_ASSESSMENT, get_assessment_for_user
from .assessments import panel_context

CONFLICT_MESSAGE = ("Someone else changed this assessment since you opened it. Nothing was saved: reload the page, "
                    "check their changes, then record your decisions again.")


def _review_page(request: HttpRequest, assessment: Assessment, form: DecisionsForm, evaluation: engine.Evaluation,
                 problems: list[str] | None = None, status: int = 200) -> HttpResponse:
    return render(request, "evaluation/assessment_review.html", {
        "assessment": assessment, "patient": assessment.patient, "form": form,
        "problems": problems or [], **panel_context(evaluation), "live": False,
    }, status=status)


def _bound_review(request: HttpRequest, pk: Any) -> tuple[Assessment, engine.Evaluation, DecisionsForm]:
    assessment = get_assessment_for_user(request, pk)
    evaluation = assessment.evaluate()
    form = DecisionsForm(request.POST or None, evaluation=evaluation,
                         decisions=Decisions.from_json(assessment.decisions),
                         initial={"revision": assessment.revision})
    return assessment, evaluation, form


@require_http_methods(["GET", "POST"])
@permission_required([SEE_PATIENTS, CHANGE_ASSESSMENT], raise_exception=True)
def assessment_review(request: HttpRequest, pk: Any) -> HttpResponse:
    """Decisions on every suggested test and referral; saving them here, signing at assessment_sign."""
    assessment, evaluation, form = _bound_review(request, pk)
    if not assessment.is_editable:
        return redirect(assessment)
    actor = Actor.from_request(request)
    if request.method == "GET":
        audit.record(AuditEvent.Action.ASSESSMENT_VIEW, actor=actor, obj=assessment, detail={"page": "review"})
        return _review_page(request, assessment, form, evaluation)
    if not form.is_valid():
        return _review_page(request, assessment, form, evaluation,
                            ["Some decisions need correcting; nothing was saved."], status=400)
    try:
        assessment_services.assessment_save_decisions(assessment=assessment, decisions=form.decisions(),
                                                      expected_revision=form.cleaned_data["revision"], actor=actor)
    except assessment_services.ConflictError:
        return _review_page(request, assessment, form, evaluation, [CONFLICT_MESSAGE], status=409)
    except assessment_services.NotEditableError as exc:
        messages.error(request, str(exc))
        return redirect(assessment)
    messages.success(request, "Decisions saved.")
    return redirect("evaluation:assessment_review", pk=assessment.pk)


def _password_confirms(request: HttpRequest, password: str) -> bool:
    """Signing is a re-authentication: the signer's own password, checked like a sign-in."""
    if not password:
        return False
    user = authenticate(request, username=request.user.get_username(), password=password)
    return user is not None and user.pk == request.user.pk


@require_POST
@permission_required([SEE_PATIENTS, CHANGE_ASSESSMENT, SIGN_ASSESSMENT], raise_exception=True)
def assessment_sign(request: HttpRequest, pk: Any) -> HttpResponse:
    """Sign with the decisions on the review page and the signer's password."""
    assessment, evaluation, form = _bound_review(request, pk)
    if not assessment.is_editable:
        return redirect(assessment)
    if not form.is_valid():
        return _review_page(request, assessment, form, evaluation,
                            ["Some decisions need correcting; nothing was saved."], status=400)
    if not _password_confirms(request, form.cleaned_data.get("password") or ""):
        form.add_error("password", "The password is not correct. Signing needs your own password.")
        return _review_page(request, assessment, form, evaluation,
                            ["Not signed: re-enter your password to sign."], status=400)
    try:
        outcome = assessment_services.assessment_sign(
            assessment=assessment, actor=Actor.from_request(request),
            expected_revision=form.cleaned_data["revision"], decisions=form.decisions())
    except assessment_services.ConflictError:
        return _review_page(request, assessment, form, evaluation, [CONFLICT_MESSAGE], status=409)
    except assessment_services.NotEditableError as exc:
        messages.error(request, str(exc))
        return redirect(assessment)
    if not outcome.signed:
        # The decisions were kept; the next submit must carry the revision they were saved as.
        form.data = form.data.copy()
        form.data["revision"] = str(outcome.assessment.revision)
        return _review_page(request, outcome.assessment, form, evaluation, ["Not signed yet:", *outcome.problems],
                            status=400)
    messages.success(request, "Assessment signed. The record is now read-only.")
    return redirect(assessment)
