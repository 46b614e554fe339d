"""Thin function views: access check -> form -> service -> redirect."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth import authenticate
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import audit, rules, services
from .forms import (
    AmendForm,
    AssessmentForm,
    DecisionsForm,
    NewAssessmentForm,
    PatientForm,
    PatientSearchForm,
)
from .models import Assessment, AuditEvent, Patient, Signature, fold_for_search
from .permissions import can_view_audit, is_template_admin
from .presentation import form_layout, grouped_output
from .summary import summary_context

Action = AuditEvent.Action
PAGE_SIZE = 25


def clinician_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Clinical records are for clinicians (and superusers); everyone else gets 403."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.has_perm("evaluation.view_patient"):
            raise PermissionDenied("Only clinicians can see patient records.")
        return view(request, *args, **kwargs)

    return wrapper


# One clinic, one team: every clinician may see and continue any patient's record (cover,
# handovers); who did what is in the audit trail, and a signature names its signer. A
# multi-clinic deployment would narrow these two look-ups, and only these.
def _get_patient_for_user(request: HttpRequest, pk: Any) -> Patient:
    return get_object_or_404(Patient, pk=pk)


def _get_assessment_for_user(request: HttpRequest, pk: Any) -> Assessment:
    return get_object_or_404(
        Assessment.objects.select_related("patient", "version__template", "clinician", "updated_by", "previous"),
        pk=pk,
    )


def _require_perm(request: HttpRequest, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


# ---------------------------------------------------------------- patients


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Where signing in lands: each role's own starting page."""
    if request.user.has_perm("evaluation.view_patient"):
        return redirect("evaluation:patient_list")
    if is_template_admin(request.user):
        return redirect("admin:evaluation_templateversion_changelist")
    if can_view_audit(request.user):
        return redirect("evaluation:audit_list")
    raise PermissionDenied("Your account has no role yet. Ask an administrator to add you to a role.")


SEARCH_SESSION_KEY = "patient_search"


@require_http_methods(["GET", "POST"])
@clinician_required
def patient_list(request: HttpRequest) -> HttpResponse:
    """Search is posted and kept in the session, so no MRN or name ever appears in a URL or access log."""
    if request.method == "POST":
        form = PatientSearchForm(request.POST)
        request.session[SEARCH_SESSION_KEY] = form.cleaned_data["q"].strip() if form.is_valid() else ""
        return redirect("evaluation:patient_list")
    query = request.session.get(SEARCH_SESSION_KEY, "")
    form = PatientSearchForm(initial={"q": query})
    patients = Patient.objects.annotate(assessment_count=Count("assessments"))
    for term in fold_for_search(query).split():
        patients = patients.filter(search_text__contains=term)
    page = Paginator(patients.order_by("family_name", "given_name", "mrn"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "evaluation/patient_list.html", {"form": form, "page": page, "query": query})


@require_http_methods(["GET", "POST"])
@clinician_required
def patient_create(request: HttpRequest) -> HttpResponse:
    _require_perm(request, "evaluation.add_patient")
    form = PatientForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        patient = services.patient_create(user=request.user, request=request, **form.cleaned_data)
        messages.success(request, "Patient registered.")
        return redirect(patient)
    return render(request, "evaluation/patient_form.html", {"form": form, "title": "Register a patient"})


@require_http_methods(["GET", "POST"])
@clinician_required
def patient_edit(request: HttpRequest, pk: Any) -> HttpResponse:
    _require_perm(request, "evaluation.change_patient")
    patient = _get_patient_for_user(request, pk)
    form = PatientForm(request.POST or None, instance=Patient.objects.get(pk=patient.pk))
    if request.method == "POST" and form.is_valid():
        services.patient_update(patient=patient, user=request.user, request=request, **form.cleaned_data)
        messages.success(request, "Patient details saved.")
        return redirect(patient)
    if request.method == "GET":
        audit.record(Action.PATIENT_VIEW, request=request, obj=patient, detail={"page": "edit"})
    return render(request, "evaluation/patient_form.html",
                  {"form": form, "title": "Edit patient details", "patient": patient})


@require_GET
@clinician_required
def patient_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    patient = _get_patient_for_user(request, pk)
    assessments = list(
        patient.assessments.select_related("version__template", "clinician").order_by("-created_at")
    )
    has_previous = any(a.status != Assessment.Status.DRAFT for a in assessments)
    audit.record(Action.PATIENT_VIEW, request=request, obj=patient)
    return render(request, "evaluation/patient_detail.html", {
        "patient": patient,
        "assessments": assessments,
        "new_form": NewAssessmentForm(has_previous=has_previous, initial={"start_from_previous": has_previous}),
    })


ACCESS_LOG_PAGE_SIZE = 50


@require_GET
@clinician_required
def patient_access_log(request: HttpRequest, pk: Any) -> HttpResponse:
    """Who accessed this record: every audited action on the patient and their assessments."""
    patient = _get_patient_for_user(request, pk)
    # Recorded first, so this look is itself on the page it shows.
    audit.record(Action.PATIENT_VIEW, request=request, obj=patient, detail={"page": "access log"})
    events = AuditEvent.objects.filter(patient=patient).select_related("user").order_by("-at", "-id")
    page = Paginator(events, ACCESS_LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "evaluation/patient_access_log.html", {"patient": patient, "page": page})


# ---------------------------------------------------------------- assessments


@require_POST
@clinician_required
def assessment_create(request: HttpRequest, pk: Any) -> HttpResponse:
    _require_perm(request, "evaluation.add_assessment")
    patient = _get_patient_for_user(request, pk)
    has_previous = services.latest_signed_assessment(patient) is not None
    form = NewAssessmentForm(request.POST, has_previous=has_previous)
    if not form.is_valid():
        messages.error(request, "Choose a published checklist to start the assessment.")
        return redirect(patient)
    assessment = services.assessment_create(
        patient=patient, version=form.cleaned_data["version"], clinician=request.user,
        start_from_previous=form.cleaned_data.get("start_from_previous", False), request=request,
    )
    return redirect("evaluation:assessment_edit", pk=assessment.pk)


@require_GET
@clinician_required
def assessment_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    assessment = _get_assessment_for_user(request, pk)
    signature = None if assessment.is_editable else assessment.latest_signature
    context = summary_context(assessment, signature)
    audit.record(Action.ASSESSMENT_VIEW, request=request, obj=assessment)
    return render(request, "evaluation/assessment_detail.html", context)


@require_GET
@clinician_required
def assessment_revision(request: HttpRequest, pk: Any, number: int) -> HttpResponse:
    assessment = _get_assessment_for_user(request, pk)
    signature = get_object_or_404(Signature.objects.defer("pdf"), assessment=assessment, number=number)
    context = summary_context(assessment, signature)
    context["viewing_revision"] = True
    audit.record(Action.ASSESSMENT_VIEW, request=request, obj=assessment, detail={"revision": number})
    return render(request, "evaluation/assessment_detail.html", context)


def _form_context(assessment: Assessment, form: AssessmentForm, evaluation: rules.Evaluation) -> dict[str, Any]:
    return {
        "assessment": assessment,
        "patient": assessment.patient,
        "form": form,
        **form_layout(assessment.version.compiled(), form),
        "hidden": evaluation.hidden,
        **_panel_context(evaluation),
    }


def _panel_context(evaluation: rules.Evaluation) -> dict[str, Any]:
    output = evaluation.as_dict()
    return {
        "groups": grouped_output(output),
        "mrc_sum": evaluation.mrc_sum,
        "mrc_max": evaluation.mrc_max,
        "missing_required": len(evaluation.missing_required),
        "waiting": len(evaluation.undetermined),
        "hidden_codes": sorted(evaluation.hidden),
        "live": True,
    }


@require_http_methods(["GET", "POST"])
@clinician_required
def assessment_edit(request: HttpRequest, pk: Any) -> HttpResponse:
    _require_perm(request, "evaluation.change_assessment")
    assessment = _get_assessment_for_user(request, pk)
    if not assessment.is_editable:
        messages.info(request, "This assessment is signed. To change it, start an amendment.")
        return redirect(assessment)
    compiled = assessment.version.compiled()
    # Bound on every POST, even an empty one, so an empty post is an invalid form, not a blank page.
    form = AssessmentForm(
        request.POST if request.method == "POST" else None, compiled=compiled, answers=assessment.answers,
        initial={"revision": assessment.revision},
    )
    if request.method == "GET":
        audit.record(Action.ASSESSMENT_VIEW, request=request, obj=assessment, detail={"page": "edit"})
        return _render_form(request, assessment, form, compiled.evaluate(assessment.answers))
    if form.is_valid():
        try:
            services.assessment_save(
                assessment=assessment, answers=form.answers(),
                expected_revision=form.cleaned_data["revision"], user=request.user, request=request,
            )
        except services.ConflictError as conflict:
            return _render_conflict(request, assessment, form, conflict.current)
        except services.NotEditableError as exc:
            messages.error(request, str(exc))
            return redirect(assessment)
        except rules.AnswerError as exc:
            for error in exc.errors:
                form.add_error(None, error)
        else:
            messages.success(request, "Draft saved.")
            if "review" in request.POST:
                return redirect("evaluation:assessment_review", pk=assessment.pk)
            return redirect("evaluation:assessment_edit", pk=assessment.pk)
    messages.error(request, "Some answers need correcting; nothing was saved. Your other answers are kept below.")
    return _render_form(request, assessment, form, compiled.evaluate(form.valid_answers()), status=400)


def _render_form(request: HttpRequest, assessment: Assessment, form: AssessmentForm,
                 evaluation: rules.Evaluation, status: int = 200) -> HttpResponse:
    return render(request, "evaluation/assessment_form.html", _form_context(assessment, form, evaluation),
                  status=status)


def _render_conflict(request: HttpRequest, assessment: Assessment, form: AssessmentForm,
                     current: Assessment) -> HttpResponse:
    """Keep what this user typed, say who saved in between and which answers differ."""
    mine = form.answers()
    theirs = current.answers
    items = assessment.version.compiled().items
    differing = [
        {"label": items[code].label, "mine": items[code].value_text(mine.get(code)),
         "theirs": items[code].value_text(theirs.get(code))}
        for code in items if mine.get(code) != theirs.get(code)
    ]
    data = request.POST.copy()
    data["revision"] = str(current.revision)
    rebound = AssessmentForm(data, compiled=assessment.version.compiled())
    evaluation = assessment.version.compiled().evaluate(rebound.valid_answers())
    context = _form_context(current, rebound, evaluation)
    context["conflict"] = {"by": current.updated_by, "at": current.updated_at, "differing": differing}
    return render(request, "evaluation/assessment_form.html", context, status=409)


@require_POST
@clinician_required
def assessment_suggest(request: HttpRequest, pk: Any) -> HttpResponse:
    """Live suggestions for the answers on screen; computes, never saves."""
    assessment = _get_assessment_for_user(request, pk)
    compiled = assessment.version.compiled()
    form = AssessmentForm(request.POST, compiled=compiled)
    evaluation = compiled.evaluate(form.valid_answers())
    return render(request, "evaluation/_suggestions.html", {**_panel_context(evaluation), "oob": True})


CONFLICT_MESSAGE = ("Someone else changed this assessment since you opened it. Nothing was saved: reload the page, "
                    "check their changes, then record your decisions again.")


def _decisions_response(request: HttpRequest, assessment: Assessment, form: DecisionsForm,
                        evaluation: rules.Evaluation, problems: list[str] | None = None,
                        status: int = 200) -> HttpResponse:
    return render(request, "evaluation/assessment_review.html", {
        "assessment": assessment, "patient": assessment.patient, "form": form,
        "problems": problems or [], **_panel_context(evaluation), "live": False,
    }, status=status)


@require_http_methods(["GET", "POST"])
@clinician_required
def assessment_review(request: HttpRequest, pk: Any) -> HttpResponse:
    """Decisions on every suggested test and referral, then sign with the password."""
    _require_perm(request, "evaluation.change_assessment")
    assessment = _get_assessment_for_user(request, pk)
    if not assessment.is_editable:
        return redirect(assessment)
    evaluation = assessment.evaluate()
    form = DecisionsForm(request.POST or None, evaluation=evaluation, decisions=assessment.decisions,
                         initial={"revision": assessment.revision})
    if request.method == "GET":
        audit.record(Action.ASSESSMENT_VIEW, request=request, obj=assessment, detail={"page": "review"})
        return _decisions_response(request, assessment, form, evaluation)
    if not form.is_valid():
        return _decisions_response(request, assessment, form, evaluation,
                                   ["Some decisions need correcting; nothing was saved."], status=400)
    decisions = form.decisions()
    revision = form.cleaned_data["revision"]
    try:
        if "sign" in request.POST:
            return _sign(request, assessment, form, evaluation, decisions, revision)
        services.assessment_save_decisions(assessment=assessment, decisions=decisions, expected_revision=revision,
                                           user=request.user, request=request)
    except services.ConflictError:
        return _decisions_response(request, assessment, form, evaluation, [CONFLICT_MESSAGE], status=409)
    except services.NotEditableError as exc:
        messages.error(request, str(exc))
        return redirect(assessment)
    messages.success(request, "Decisions saved.")
    return redirect("evaluation:assessment_review", pk=assessment.pk)


def _sign(request: HttpRequest, assessment: Assessment, form: DecisionsForm, evaluation: rules.Evaluation,
          decisions: dict[str, Any], revision: int) -> HttpResponse:
    _require_perm(request, "evaluation.sign_assessment")
    password = form.cleaned_data.get("password") or ""
    user = authenticate(request, username=request.user.get_username(), password=password) if password else None
    if user is None or user.pk != request.user.pk:
        form.add_error("password", "The password is not correct. Signing needs your own password.")
        return _decisions_response(request, assessment, form, evaluation,
                                   ["Not signed: re-enter your password to sign."], status=400)
    try:
        services.assessment_finalize(assessment=assessment, user=request.user, expected_revision=revision,
                                     decisions=decisions, request=request)
    except services.FinalizeRefused as refused:
        # Keep the decisions already made, so nothing typed is lost; unless someone saved
        # in between, in which case say so rather than overwrite their work on the next save.
        try:
            services.assessment_save_decisions(assessment=assessment, decisions=decisions,
                                               expected_revision=revision, user=request.user, request=request)
        except services.ConflictError:
            return _decisions_response(request, assessment, form, evaluation, [CONFLICT_MESSAGE], status=409)
        fresh = Assessment.objects.get(pk=assessment.pk)
        form.data = form.data.copy()
        form.data["revision"] = str(fresh.revision)
        return _decisions_response(request, fresh, form, evaluation,
                                   ["Not signed yet:", *refused.problems], status=400)
    messages.success(request, "Assessment signed. The record is now read-only.")
    return redirect(assessment)


@require_http_methods(["GET", "POST"])
@clinician_required
def assessment_amend(request: HttpRequest, pk: Any) -> HttpResponse:
    _require_perm(request, "evaluation.sign_assessment")
    assessment = _get_assessment_for_user(request, pk)
    if assessment.is_editable:
        return redirect("evaluation:assessment_edit", pk=assessment.pk)
    form = AmendForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.assessment_amend(assessment=assessment, reason=form.cleaned_data["reason"],
                                      user=request.user, request=request)
        except (ValidationError, services.NotEditableError) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
            return redirect(assessment)
        messages.info(request, "Amendment started. Make the changes, then sign again.")
        return redirect("evaluation:assessment_edit", pk=assessment.pk)
    return render(request, "evaluation/assessment_amend.html",
                  {"assessment": assessment, "patient": assessment.patient, "form": form},
                  status=400 if form.is_bound else 200)
