"""Test cases: the table, the preview that saves its answers as a case, a case's expectations, deleting one."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ... import engine
from ...audit import Actor
from ...forms import AssessmentForm
from ...layout import form_layout, grouped_output
from ...models import TemplateCase, TemplateVersion
from .. import services
from ..case_forms import ExpectationsForm
from ..faults import case_field
from ..forms import CaseForm, CaseFromPreviewForm
from .common import draft_only, frame, get_version, posted, render_page, show_faults, template_admin_only


@require_GET
@template_admin_only
def case_list(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_version(pk)
    context = frame(version, active="cases")
    context["cases"] = list(version.cases.order_by("order", "id"))
    context["rows"] = [{"case": case, "result": context["report"].of(case.name)} for case in context["cases"]]
    return render_page(request, "authoring/cases.html", context)


@require_http_methods(["GET", "POST"])
@template_admin_only
def preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The clinician's form for this version; answers are evaluated, never saved, unless kept as a test case."""
    version = get_version(pk)
    context = frame(version, active="preview")
    try:
        compiled = engine.CompiledTemplate(context["document"])
    except engine.TemplateError as exc:
        context["problems"] = exc.errors
        return render_page(request, "authoring/preview.html", context)
    case = _case_from(request, version)
    form = AssessmentForm(posted(request), compiled=compiled, answers=case.answers if case else None,
                          initial={"revision": 0})
    answers = form.valid_answers() if form.is_bound else (case.answers if case else {})
    evaluation = compiled.evaluate(answers)
    case_form = CaseFromPreviewForm(request.POST if "save_case" in request.POST else None, version=version,
                                    prefix="case")
    if version.is_draft and request.method == "POST":
        response = _keep_answers(request, version, case, case_form, answers, evaluation)
        if response is not None:
            return response
    context.update({"form": form, **form_layout(compiled, form), "hidden": evaluation.hidden,
                    "groups": grouped_output(evaluation.as_dict()), "mrc_sum": evaluation.mrc_sum,
                    "mrc_max": evaluation.mrc_max, "case_form": case_form, "case": case})
    return render_page(request, "authoring/preview.html", context, invalid=case_form.is_bound and not case_form.is_valid())


def _case_from(request: HttpRequest, version: TemplateVersion) -> TemplateCase | None:
    pk = request.POST.get("case") or request.GET.get("case")
    return version.cases.filter(pk=pk).first() if pk and str(pk).isdigit() else None


def _keep_answers(request: HttpRequest, version: TemplateVersion, case: TemplateCase | None, case_form: Any,
                  answers: dict[str, Any], evaluation: engine.Evaluation) -> HttpResponse | None:
    """Save the previewed answers as a new case, or into the case they came from."""
    actor = Actor.from_request(request)
    if "update_case" in request.POST and case is not None:
        case.answers = answers
        saved = _save_case(request, version, case, case_form, actor)
    elif case_form.is_bound and case_form.is_valid():
        exactly = case_form.cleaned_data["expect_mode"] == "exactly"
        new = TemplateCase(version=version, name=case_form.cleaned_data["case_name"], answers=answers,
                           expect=services.expectations_from(evaluation, exactly=exactly))
        saved = _save_case(request, version, new, case_form, actor)
    else:
        return None
    return redirect("evaluation:authoring:cases", pk=version.pk) if saved else None


def _save_case(request: HttpRequest, version: TemplateVersion, case: TemplateCase, form: Any, actor: Actor) -> bool:
    try:
        services.case_save(version=version, actor=actor, case=case)
    except services.DraftEditError as exc:
        show_faults(form, exc, lambda fault: None)
        return False
    messages.success(request, _("Saved the test case “%(name)s”.") % {"name": case.name})
    return True


@require_http_methods(["GET", "POST"])
@template_admin_only
@draft_only
def case_edit(request: HttpRequest, version: TemplateVersion, case_pk: int) -> HttpResponse:
    case = get_object_or_404(TemplateCase, pk=case_pk, version=version)
    rules = list(version.rules.order_by("order", "id").values("kind", "code", "title"))
    name_form = CaseForm(posted(request), instance=case)
    form = ExpectationsForm(posted(request), case=case, rules=rules)
    if request.method == "POST" and name_form.is_valid() and form.is_valid():
        case.name = name_form.cleaned_data["name"]
        case.expect = form.expectations()
        try:
            services.case_save(version=version, actor=Actor.from_request(request), case=case)
        except services.DraftEditError as exc:
            show_faults(name_form, exc, case_field(case.name))
        else:
            messages.success(request, _("Saved the test case “%(name)s”.") % {"name": case.name})
            return redirect("evaluation:authoring:cases", pk=version.pk)
    context = frame(version, active="cases")
    context.update({"case": case, "name_form": name_form, "form": form})
    return render_page(request, "authoring/case.html", context, invalid=request.method == "POST")


@require_POST
@template_admin_only
@draft_only
def case_delete(request: HttpRequest, version: TemplateVersion, case_pk: int) -> HttpResponse:
    case = get_object_or_404(TemplateCase, pk=case_pk, version=version)
    try:
        services.case_delete(version=version, actor=Actor.from_request(request), case=case)
    except services.DraftEditError as exc:
        messages.error(request, _("Not deleted: %(faults)s.") % {"faults": "; ".join(exc.faults)})
    else:
        messages.success(request, _("Deleted the test case “%(name)s”.") % {"name": case.name})
    return redirect("evaluation:authoring:cases", pk=version.pk)
