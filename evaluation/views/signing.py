"""Review (a decision on every suggested test and referral) and signing, each with its own endpoint."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from accounts import signing_limit, two_factor

from .. import audit, engine, selectors
from ..audit import Actor
from ..decisions import Decisions
from ..forms import DecisionsForm
from ..models import Assessment, AuditEvent
from ..services import assessments as assessment_services
from ..services.reports import RedirectThenStoreReports
from .access import CHANGE_ASSESSMENT, SEE_PATIENTS, SIGN_ASSESSMENT, get_assessment_for_user
from .assessments import compiled_for, panel_context
from .review_page import decision_rows_html

CONFLICT_MESSAGE = gettext_lazy("Someone else changed this assessment since you opened it. Nothing was saved: "
                                "reload the page, check their changes, then record your decisions again.")


def _review_page(request: HttpRequest, assessment: Assessment, form: DecisionsForm, evaluation: engine.Evaluation,
                 problems: list[str] | None = None, status: int = 200) -> HttpResponse:
    return render(request, "evaluation/assessment_review.html", {
        "assessment": assessment, "patient": assessment.patient, "form": form,
        "problems": problems or [], **panel_context(evaluation), "live": False, "decision_rows": decision_rows_html(form),
        "needs_code": two_factor.signing_requires_code(request.user),
    }, status=status)


def _bound_review(request: HttpRequest, pk: Any) -> tuple[Assessment, engine.Evaluation, DecisionsForm]:
    assessment = get_assessment_for_user(request, pk, selectors.FORM_RELATED)
    evaluation = compiled_for(assessment).evaluate(assessment.answers, assessment.context)
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
                            [_("Some decisions need correcting; nothing was saved.")], status=400)
    try:
        assessment_services.assessment_save_decisions(assessment=assessment, decisions=form.decisions(),
                                                      expected_revision=form.cleaned_data["revision"], actor=actor)
    except assessment_services.ConflictError:
        return _review_page(request, assessment, form, evaluation, [CONFLICT_MESSAGE], status=409)
    except assessment_services.NotEditableError as exc:
        messages.error(request, str(exc))
        return redirect(assessment)
    messages.success(request, _("Decisions saved."))
    return redirect("evaluation:assessment_review", pk=assessment.pk)


NO_AUTHENTICATOR_MESSAGE = gettext_lazy(
    "Signing needs a code from an authenticator app, and none is set up for you. Set one up on your account "
    "page (My account, Authenticator for signing), then sign.")


# What the review page says of each refused credential.
WRONG_CREDENTIAL = {
    "password": gettext_lazy("The password is not correct. Signing needs your own password."),
    "otp_code": gettext_lazy("The code from your authenticator app is not correct or has expired."),
}


def _reauthentication_refusal(request: HttpRequest, assessment: Assessment, form: DecisionsForm,
                              evaluation: engine.Evaluation) -> HttpResponse | None:
    """Signing's own password (and code) check, with its own limit (accounts/signing_limit.py); None to sign."""
    refusal = signing_limit.refuse_signer(request, request.user, form.cleaned_data.get("password") or "",
                                          form.cleaned_data.get("otp_code") or "")
    if refusal is None:
        return None
    if refusal.reason == "paused":
        return _signing_paused(request, assessment, refusal.until)
    if refusal.reason == "no_authenticator":
        return _review_page(request, assessment, form, evaluation, [str(NO_AUTHENTICATOR_MESSAGE)], status=403)
    form.add_error(refusal.reason, str(WRONG_CREDENTIAL[refusal.reason]))
    return _review_page(request, assessment, form, evaluation,
                        [_("Not signed: re-enter your password to sign.")], status=400)


def _signing_paused(request: HttpRequest, assessment: Assessment, until: Any) -> HttpResponse:
    return render(request, "accounts/signing_paused.html", {
        "until": until, "back_url": reverse("evaluation:assessment_review", args=[assessment.pk]),
    }, status=429)


@sensitive_post_parameters("password", "otp_code")
@require_POST
@permission_required([SEE_PATIENTS, CHANGE_ASSESSMENT, SIGN_ASSESSMENT], raise_exception=True)
def assessment_sign(request: HttpRequest, pk: Any) -> HttpResponse:
    """Sign with the decisions on the review page and the signer's password."""
    assessment, evaluation, form = _bound_review(request, pk)
    if not assessment.is_editable:
        return redirect(assessment)
    until = signing_limit.paused_until(request.user)
    if until is not None:
        return _signing_paused(request, assessment, until)
    if not form.is_valid():
        return _review_page(request, assessment, form, evaluation,
                            [_("Some decisions need correcting; nothing was saved.")], status=400)
    refusal = _reauthentication_refusal(request, assessment, form, evaluation)
    if refusal is not None:
        return refusal
    try:
        outcome = assessment_services.assessment_sign(
            assessment=assessment, actor=Actor.from_request(request),
            expected_revision=form.cleaned_data["revision"], decisions=form.decisions(), store_reports=False)
    except assessment_services.ConflictError:
        return _review_page(request, assessment, form, evaluation, [CONFLICT_MESSAGE], status=409)
    except assessment_services.NotEditableError as exc:
        messages.error(request, str(exc))
        return redirect(assessment)
    if not outcome.signed:
        # The decisions were kept; the next submit must carry the revision they were saved as.
        form.data = form.data.copy()
        form.data["revision"] = str(outcome.assessment.revision)
        return _review_page(request, outcome.assessment, form, evaluation, [_("Not signed yet:"), *outcome.problems],
                            status=400)
    messages.success(request, _("Assessment signed. The record is now read-only."))
    # Committed by now: the PDFs are rendered once the signer has this answer, not before.
    return RedirectThenStoreReports(assessment.get_absolute_url(), outcome.signature.pk)
