"""Starting, reading, filling and amending an assessment; live suggestions while it is filled."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import audit, engine, selectors
from ..audit import Actor
from ..forms import AmendForm, AssessmentForm, NewAssessmentForm, VisitForm, posted_answers
from ..layout import answer_text, form_layout, grouped_output, with_reasons_in_language
from ..models import Assessment, AuditEvent, Signature
from ..reports.content import report_for, signed_follow_up
from ..services import assessments as assessment_services
from .access import (
    ADD_ASSESSMENT,
    CHANGE_ASSESSMENT,
    SEE_PATIENTS,
    SIGN_ASSESSMENT,
    get_assessment_for_user,
    get_patient_for_user,
)
from .form_page import form_sections_html
from .fragments import kept_summary_columns, summary_columns, with_recommendation_markup

Action = AuditEvent.Action


@require_POST
@permission_required([SEE_PATIENTS, ADD_ASSESSMENT], raise_exception=True)
def assessment_create(request: HttpRequest, pk: Any) -> HttpResponse:
    patient = get_patient_for_user(request, pk)
    form = NewAssessmentForm(request.POST, has_previous=selectors.has_signed_assessment(patient))
    if not form.is_valid():
        messages.error(request, _("Choose a published checklist to start the assessment."))
        return redirect(patient)
    try:
        assessment = assessment_services.assessment_create(
            patient=patient, version=form.cleaned_data["version"], actor=Actor.from_request(request),
            start_from_previous=form.cleaned_data.get("start_from_previous", False),
        )
    except assessment_services.OpenDraftError as open_draft:
        draft = open_draft.draft
        messages.warning(request, _("%(patient)s already has a draft begun on %(day)s by %(clinician)s. "
                                    "It is open below: continue it, or sign it before starting another.") % {
            "patient": patient.display_name, "day": formats.date_format(draft.created_at, "j M Y"),
            "clinician": draft.clinician.get_full_name() or draft.clinician.get_username()})
        return redirect("evaluation:assessment_edit", pk=draft.pk)
    return redirect("evaluation:assessment_edit", pk=assessment.pk)


@require_GET
@permission_required(SEE_PATIENTS, raise_exception=True)
def assessment_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    assessment = get_assessment_for_user(request, pk, selectors.SUMMARY_RELATED)
    # One query for the revisions list and the latest of them (``latest_signature`` would be another).
    signatures = selectors.signatures_of(assessment)
    signature = None if assessment.is_editable or not signatures else signatures[-1]
    audit.record(Action.ASSESSMENT_VIEW, actor=Actor.from_request(request), obj=assessment)
    return render(request, "evaluation/assessment_detail.html", summary_page_context(assessment, signature, signatures))


@require_GET
@permission_required(SEE_PATIENTS, raise_exception=True)
def assessment_revision(request: HttpRequest, pk: Any, number: int) -> HttpResponse:
    assessment = get_assessment_for_user(request, pk, selectors.SUMMARY_RELATED)
    signature = selectors.signature_of(assessment, number)
    if signature is None:
        raise Http404(_("No such signed revision."))
    audit.record(Action.ASSESSMENT_VIEW, actor=Actor.from_request(request), obj=assessment,
                 detail={"revision": number})
    context = {**summary_page_context(assessment, signature), "viewing_revision": True}
    return render(request, "evaluation/assessment_detail.html", context)


def summary_page_context(assessment: Assessment, signature: Signature | None,
                         signatures: list[Signature] | None = None) -> dict[str, Any]:
    """The summary page's context, with its two columns rendered. A signed revision's columns are kept
    once rendered (fragments.summary_columns); when they are, the rest of its report is not built, as the
    page shows nothing else of it but the comparison with the previous visit."""
    kept = kept_summary_columns(signature) if signature is not None else None
    if kept is not None:
        return {
            "assessment": assessment, "patient": assessment.patient, "signature": signature,
            "signatures": selectors.signatures_of(assessment) if signatures is None else signatures,
            "follow_up": signed_follow_up(signature, assessment),
            "summary_suggestions": kept[0], "summary_answers": kept[1],
        }
    report = report_for(assessment, signature, signatures)
    suggestions, answers = summary_columns(report)
    return {**report.context(), "summary_suggestions": suggestions, "summary_answers": answers}


# ---------------------------------------------------------------- the form


def compiled_for(assessment: Assessment) -> engine.CompiledTemplate:
    """The assessment's template worded in the page's language (English where not translated)."""
    return assessment.version.compiled(get_language())


def panel_context(evaluation: engine.Evaluation) -> dict[str, Any]:
    """The live suggestions panel (and the review page's) for one evaluation."""
    return {
        "groups": with_recommendation_markup(grouped_output(with_reasons_in_language(evaluation.as_dict()))),
        "mrc_sum": evaluation.mrc_sum,
        "mrc_max": evaluation.mrc_max,
        "missing_required": len(evaluation.missing_required),
        "waiting": len(evaluation.undetermined),
        "hidden_codes": sorted(evaluation.hidden),
        "live": True,
    }


def _render_form(request: HttpRequest, assessment: Assessment, form: AssessmentForm,
                 evaluation: engine.Evaluation, status: int = 200, **extra: Any) -> HttpResponse:
    context = {
        "assessment": assessment,
        "patient": assessment.patient,
        "form": form,
        **form_layout(compiled_for(assessment), form),
        "hidden": evaluation.hidden,
        **panel_context(evaluation),
        **extra,
    }
    return render(request, "evaluation/assessment_form.html", context, status=status)


def _render_first_form(request: HttpRequest, assessment: Assessment, compiled: engine.CompiledTemplate) -> HttpResponse:
    """The form as first shown: nothing posted, so no errors, and the questions come from the version's
    stored markup with this draft's answers filled in (form_page.py), not from ~60 template renders."""
    evaluation = compiled.evaluate(assessment.answers, assessment.context)
    return render(request, "evaluation/assessment_form.html", {
        "assessment": assessment,
        "patient": assessment.patient,
        "form": VisitForm(initial={"revision": assessment.revision, "visit_date": assessment.visit_date}),
        "form_sections_html": form_sections_html(compiled, assessment.answers, evaluation),
        "hidden": evaluation.hidden,
        **panel_context(evaluation),
    })


@require_http_methods(["GET", "POST"])
@permission_required([SEE_PATIENTS, CHANGE_ASSESSMENT], raise_exception=True)
def assessment_edit(request: HttpRequest, pk: Any) -> HttpResponse:
    assessment = get_assessment_for_user(request, pk, selectors.FORM_RELATED)
    if not assessment.is_editable:
        messages.info(request, _("This assessment is signed. To change it, start an amendment."))
        return redirect(assessment)
    compiled = compiled_for(assessment)
    actor = Actor.from_request(request)
    if request.method == "GET":
        audit.record(Action.ASSESSMENT_VIEW, actor=actor, obj=assessment, detail={"page": "edit"})
        return _render_first_form(request, assessment, compiled)
    # Bound on every POST, even an empty one, so an empty post is an invalid form, not a blank page.
    form = AssessmentForm(request.POST, compiled=compiled, answers=assessment.answers,
                          initial={"revision": assessment.revision, "visit_date": assessment.visit_date})
    if form.is_valid():
        try:
            assessment_services.assessment_save(assessment=assessment, answers=form.answers(),
                                                expected_revision=form.cleaned_data["revision"], actor=actor,
                                                visit_date=form.cleaned_data.get("visit_date"))
        except assessment_services.ConflictError as conflict:
            return _render_conflict(request, assessment, form, conflict.current)
        except assessment_services.NotEditableError as exc:
            messages.error(request, str(exc))
            return redirect(assessment)
        except engine.AnswerError as exc:
            for error in exc.errors:
                form.add_error(None, error)
        else:
            messages.success(request, _("Draft saved."))
            return redirect("evaluation:assessment_review" if "review" in request.POST else "evaluation:assessment_edit",
                            pk=assessment.pk)
    messages.error(request, _("Some answers need correcting; nothing was saved. Your other answers are kept below."))
    evaluation = compiled.evaluate(form.valid_answers(), assessment.context)
    return _render_form(request, assessment, form, evaluation, status=400)


def _render_conflict(request: HttpRequest, assessment: Assessment, form: AssessmentForm,
                     current: Assessment) -> HttpResponse:
    """Keep what this user typed, say who saved in between and which answers differ."""
    compiled = compiled_for(assessment)
    mine, theirs = form.answers(), current.answers
    differing = [
        {"label": item.label, "mine": answer_text(item, mine.get(code)), "theirs": answer_text(item, theirs.get(code))}
        for code, item in compiled.items.items() if mine.get(code) != theirs.get(code)
    ]
    data = request.POST.copy()
    data["revision"] = str(current.revision)
    rebound = AssessmentForm(data, compiled=compiled)
    conflict = {"by": current.updated_by, "at": current.updated_at, "differing": differing}
    return _render_form(request, current, rebound, compiled.evaluate(rebound.valid_answers(), current.context), status=409,
                        conflict=conflict)


@require_POST
@permission_required(SEE_PATIENTS, raise_exception=True)
def assessment_suggest(request: HttpRequest, pk: Any) -> HttpResponse:
    """Live suggestions for the answers on screen; computes, never saves."""
    assessment = get_assessment_for_user(request, pk, selectors.FORM_RELATED)
    compiled = compiled_for(assessment)
    # Validated item by item against the version's shared fields: no form is built for a keystroke.
    evaluation = compiled.evaluate(posted_answers(compiled, request.POST), assessment.context)
    return render(request, "evaluation/_suggestions.html", {**panel_context(evaluation), "oob": True})


# ---------------------------------------------------------------- amend


@require_http_methods(["GET", "POST"])
@permission_required([SEE_PATIENTS, SIGN_ASSESSMENT], raise_exception=True)
def assessment_amend(request: HttpRequest, pk: Any) -> HttpResponse:
    assessment = get_assessment_for_user(request, pk)
    if assessment.is_editable:
        return redirect("evaluation:assessment_edit", pk=assessment.pk)
    form = AmendForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            assessment_services.assessment_amend(assessment=assessment, reason=form.cleaned_data["reason"],
                                                 actor=Actor.from_request(request))
        except (ValidationError, assessment_services.NotEditableError) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
            return redirect(assessment)
        messages.info(request, _("Amendment started. Make the changes, then sign again."))
        return redirect("evaluation:assessment_edit", pk=assessment.pk)
    if request.method == "GET":
        audit.record(Action.ASSESSMENT_VIEW, actor=Actor.from_request(request), obj=assessment, detail={"page": "amend"})
    return render(request, "evaluation/assessment_amend.html",
                  {"assessment": assessment, "patient": assessment.patient, "form": form},
                  status=400 if form.is_bound else 200)
