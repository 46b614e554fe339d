"""The list of templates, a version's workspace, and its sections one at a time."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ...audit import Actor
from ...models import ChecklistTemplate, Section, TemplateVersion
from ...services import templates as template_services
from .. import services
from ..describe import describe
from ..faults import section_field
from ..forms import SectionForm, VersionForm
from ..translation_forms import missing_summary
from .common import draft_only, frame, get_version, posted, render_page, show_faults, template_admin_only

MOVES = {"up": -1, "down": 1}


@require_GET
@template_admin_only
def index(request: HttpRequest) -> HttpResponse:
    templates = ChecklistTemplate.objects.prefetch_related("versions__cloned_from").order_by("slug")
    return render_page(request, "authoring/index.html", {"templates": templates})


@require_POST
@template_admin_only
def clone(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_version(pk)
    draft = template_services.template_clone(version=version, actor=Actor.from_request(request))
    messages.success(request, _("Draft %(draft)s created from %(version)s. Edit it, check its test cases, then "
                                "publish it.") % {"draft": draft.label, "version": version.label})
    return redirect("evaluation:authoring:workspace", pk=draft.pk)


@require_http_methods(["GET", "POST"])
@template_admin_only
def workspace(request: HttpRequest, pk: int) -> HttpResponse:
    """The version's overview: its title, its sections (with their follow-up behaviour), a new section."""
    version = get_version(pk)
    version_form = VersionForm(request.POST if "save_version" in request.POST else None, instance=version)
    section_form = SectionForm(request.POST if "add_section" in request.POST else None, version=version,
                               prefix="new")
    if request.method == "POST":
        if not version.is_draft:
            return redirect("evaluation:authoring:workspace", pk=version.pk)
        response = _save_version(request, version, version_form) or _add_section(request, version, section_form)
        if response is not None:
            return response
    context = {**frame(version, active="overview"), "version_form": version_form, "section_form": section_form}
    context["translation_status"] = missing_summary(version, context["document"])
    return render_page(request, "authoring/workspace.html", context, invalid=request.method == "POST")


def _save_version(request: HttpRequest, version: TemplateVersion, form: VersionForm) -> HttpResponse | None:
    if not form.is_bound or not form.is_valid():
        return None
    try:
        services.version_update(version=version, actor=Actor.from_request(request), **form.cleaned_data)
    except services.DraftEditError as exc:
        show_faults(form, exc, lambda fault: None)
        return None
    messages.success(request, _("Saved the version's title."))
    return redirect("evaluation:authoring:workspace", pk=version.pk)


def _add_section(request: HttpRequest, version: TemplateVersion, form: SectionForm) -> HttpResponse | None:
    if not form.is_bound or not form.is_valid():
        return None
    section = form.save(commit=False)
    section.code = form.cleaned_data["code"]
    try:
        services.section_save(version=version, actor=Actor.from_request(request), section=section)
    except services.DraftEditError as exc:
        show_faults(form, exc, section_field(section.code))
        return None
    messages.success(request, _("Added the section “%(title)s”. Add its questions here.") % {"title": section.title})
    return redirect("evaluation:authoring:section", pk=version.pk, section_pk=section.pk)


@require_http_methods(["GET", "POST"])
@template_admin_only
def section(request: HttpRequest, pk: int, section_pk: int) -> HttpResponse:
    """One section: its settings and its questions, each with its condition in words."""
    version = get_version(pk)
    current = get_object_or_404(Section, pk=section_pk, version=version)
    form = SectionForm(posted(request), instance=current, version=version)
    if request.method == "POST" and version.is_draft and form.is_valid():
        changed = form.save(commit=False)
        changed.code = form.cleaned_data["code"]
        try:
            services.section_save(version=version, actor=Actor.from_request(request), section=changed)
        except services.DraftEditError as exc:
            show_faults(form, exc, section_field(changed.code))
        else:
            messages.success(request, _("Saved the section “%(title)s”.") % {"title": changed.title})
            return redirect("evaluation:authoring:section", pk=version.pk, section_pk=current.pk)
    context = frame(version, active=f"section-{current.pk}")
    items = [{"item": item, "shown_when": describe(item.shown_when, context["words"]) if item.shown_when else ""}
             for item in current.items.order_by("order", "id")]
    context.update({"section": current, "form": form, "items": items})
    return render_page(request, "authoring/section.html", context, invalid=request.method == "POST")


@require_POST
@template_admin_only
@draft_only
def section_move(request: HttpRequest, version: TemplateVersion, section_pk: int) -> HttpResponse:
    current = get_object_or_404(Section, pk=section_pk, version=version)
    try:
        services.section_move(version=version, actor=Actor.from_request(request), section=current,
                              offset=MOVES.get(request.POST.get("direction", ""), 0))
    except services.DraftEditError as exc:
        messages.error(request, " ".join(exc.faults))
    return redirect("evaluation:authoring:workspace", pk=version.pk)


@require_POST
@template_admin_only
@draft_only
def section_delete(request: HttpRequest, version: TemplateVersion, section_pk: int) -> HttpResponse:
    current = get_object_or_404(Section, pk=section_pk, version=version)
    try:
        services.section_delete(version=version, actor=Actor.from_request(request), section=current)
    except services.DraftEditError as exc:
        messages.error(request, _("The section was not deleted: %(faults)s.") % {"faults": "; ".join(exc.faults)})
        return redirect("evaluation:authoring:section", pk=version.pk, section_pk=current.pk)
    messages.success(request, _("Deleted the section “%(title)s”.") % {"title": current.title})
    return redirect("evaluation:authoring:workspace", pk=version.pk)
