"""Template management for template admins, in the Django admin.

A version's page holds its title, status and sections, with a summary of its
contents; its questions, rules and test cases are edited in the authoring
workspace (``evaluation/authoring``), where publishing and retiring also ask for
a review and a confirmation. The object tools on a version offer the workspace,
preview, check, export and new draft, and the version list offers import.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Count, Max, Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from . import audit, engine
from .admin_audit import AuditedReadsAdmin
from .audit import Actor
from .forms import AssessmentForm, TemplateImportForm
from .json_limits import LimitedJSONField
from .layout import form_layout, grouped_output
from .models import (
    Assessment,
    AuditEvent,
    ChecklistTemplate,
    Patient,
    Section,
    Signature,
    TemplateVersion,
)
from .services import templates as template_services

MAX_IMPORT_BYTES = 2 * 1024 * 1024


# A JSON field posted in the admin is read with the nesting limit of every JSON the service reads.
LIMITED_JSON = {models.JSONField: {"form_class": LimitedJSONField}}


class DraftOnlyInline(admin.TabularInline):
    """Inlines are editable only while their version is a draft."""

    formfield_overrides = LIMITED_JSON
    extra = 0
    show_change_link = False

    def _editable(self, obj: TemplateVersion | None) -> bool:
        return obj is None or obj.status == TemplateVersion.Status.DRAFT

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._editable(obj) and super().has_delete_permission(request, obj)


class SectionInline(DraftOnlyInline):
    """Sections only: a version's questions, rules and test cases are edited in the authoring workspace,
    one part at a time (this page once posted over a thousand fields and was refused)."""

    model = Section
    fields = ["order", "code", "title", "reassess_each_visit", "compare_on_follow_up"]


@admin.register(ChecklistTemplate)
class ChecklistTemplateAdmin(admin.ModelAdmin):
    list_display = ["slug", "title", "published_version"]
    search_fields = ["slug", "title"]

    def get_queryset(self, request: HttpRequest) -> Any:
        newest = Max("versions__number", filter=Q(versions__status=TemplateVersion.Status.PUBLISHED))
        return super().get_queryset(request).annotate(newest_published_number=newest)

    @admin.display(description=gettext_lazy("Newest published"), ordering="newest_published_number")
    def published_version(self, obj: ChecklistTemplate) -> str:
        number = obj.newest_published_number
        return f"{obj.slug}@{number}" if number else "—"


@admin.register(TemplateVersion)
class TemplateVersionAdmin(admin.ModelAdmin):
    formfield_overrides = LIMITED_JSON
    list_display = ["__str__", "title", "status", "published_at", "published_by", "item_count"]
    list_filter = ["status", "template"]
    search_fields = ["title", "template__slug"]
    readonly_fields = ["status", "published_at", "published_by", "cloned_from", "created_at", "contents"]
    fieldsets = [
        (None, {"fields": ["template", "number", "title", "source_document"]}),
        (gettext_lazy("Status"), {"fields": ["status", "published_at", "published_by", "cloned_from", "created_at"]}),
        (gettext_lazy("Contents"), {"fields": ["contents"]}),
        (gettext_lazy("Derived findings"), {"classes": ["collapse"], "fields": ["findings"]}),
    ]
    inlines = [SectionInline]
    change_form_template = "admin/evaluation/templateversion/change_form.html"
    view_on_site = False  # the version's page is this one; its workspace is linked in the object tools
    change_list_template = "admin/evaluation/templateversion/change_list.html"
    actions = None

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("template", "published_by").annotate(
            items_total=Count("items", distinct=True))

    @admin.display(description=gettext_lazy("Items"), ordering="items_total")
    def item_count(self, obj: TemplateVersion) -> int:
        return obj.items_total

    @admin.display(description=gettext_lazy("In this version"))
    def contents(self, obj: TemplateVersion) -> str:
        if obj.pk is None:
            return "—"
        questions, rules, cases = obj.items.count(), obj.rules.count(), obj.cases.count()
        summary = ", ".join([
            ngettext("%(count)s question", "%(count)s questions", questions) % {"count": questions},
            ngettext("%(count)s rule", "%(count)s rules", rules) % {"count": rules},
            ngettext("%(count)s test case", "%(count)s test cases", cases) % {"count": cases},
        ])
        link = _("Edit them in the authoring workspace") if obj.is_draft else _("Read them in the authoring workspace")
        return format_html('{}. <a href="{}">{}</a>.', summary, reverse("evaluation:authoring:workspace", args=[obj.pk]),
                           link)

    def has_change_permission(self, request: HttpRequest, obj: TemplateVersion | None = None) -> bool:
        if obj is not None and obj.status != TemplateVersion.Status.DRAFT:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: TemplateVersion | None = None) -> bool:
        if obj is not None and obj.status != TemplateVersion.Status.DRAFT:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: TemplateVersion, form: Any, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def get_urls(self) -> list[Any]:
        wrap = self.admin_site.admin_view
        return [
            path("import/", wrap(self.import_view), name="evaluation_templateversion_import"),
            path("<int:pk>/publish/", wrap(self.publish_view), name="evaluation_templateversion_publish"),
            path("<int:pk>/retire/", wrap(self.retire_view), name="evaluation_templateversion_retire"),
            path("<int:pk>/clone/", wrap(require_POST(self.clone_view)), name="evaluation_templateversion_clone"),
            path("<int:pk>/check/", wrap(require_POST(self.check_view)), name="evaluation_templateversion_check"),
            path("<int:pk>/preview/", wrap(self.preview_view), name="evaluation_templateversion_preview"),
            path("<int:pk>/export/", wrap(self.export_view), name="evaluation_templateversion_export"),
            *super().get_urls(),
        ]

    # -- object tools

    def _version(self, request: HttpRequest, pk: int, *, write: bool) -> TemplateVersion:
        allowed = request.user.has_perm("evaluation.change_templateversion") if write else self.has_view_permission(request)
        if not allowed:
            raise PermissionDenied
        return get_object_or_404(TemplateVersion.objects.select_related("template"), pk=pk)

    def _back(self, version: TemplateVersion) -> HttpResponseRedirect:
        return redirect("admin:evaluation_templateversion_change", version.pk)

    def publish_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Publishing shows what changed and asks for confirmation first: in the workspace."""
        version = self._version(request, pk, write=True)
        return redirect("evaluation:authoring:publish", pk=version.pk)

    def retire_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Retiring asks for confirmation and perhaps a replacement first: in the workspace."""
        version = self._version(request, pk, write=True)
        return redirect("evaluation:authoring:retire", pk=version.pk)

    def clone_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        version = self._version(request, pk, write=True)
        draft = template_services.template_clone(version=version, actor=Actor.from_request(request))
        messages.success(request, _("Draft %(draft)s created from %(version)s. Edit it here, check its test cases, "
                                    "then publish it.") % {"draft": draft.label, "version": version.label})
        return redirect("evaluation:authoring:workspace", pk=draft.pk)

    def check_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        version = self._version(request, pk, write=False)
        problems = template_services.template_check(version=version)
        if problems:
            for problem in problems:
                messages.error(request, problem)
        else:
            count = version.cases.count()
            messages.success(request, ngettext("Checked %(version)s: valid, and its %(count)s test case passes.",
                                               "Checked %(version)s: valid, and all %(count)s test cases pass.", count)
                             % {"version": version.label, "count": count})
        return self._back(version)

    def export_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        version = self._version(request, pk, write=False)
        document = version.to_document()
        audit.record(AuditEvent.Action.TEMPLATE_EXPORT, actor=Actor.from_request(request), obj=version, detail={"version": version.label})
        response = HttpResponse(json.dumps(document, indent=1, ensure_ascii=False), content_type="application/json")
        response["Content-Disposition"] = f'attachment; filename="{version.template.slug}-v{version.number}.json"'
        return response

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm("evaluation.add_templateversion"):
            raise PermissionDenied
        form = TemplateImportForm(request.POST or None, request.FILES or None)
        status = 200
        if request.method == "POST":
            if form.is_valid():
                version = self._import_upload(request, form)
                if version is not None:
                    messages.success(request, _("Imported as draft %(version)s. Check it, then publish.")
                                     % {"version": version.label})
                    return self._back(version)
            status = 400
        context = {**self.admin_site.each_context(request), "form": form, "title": _("Import a template version"),
                   "opts": self.model._meta}
        return TemplateResponse(request, "admin/evaluation/templateversion/import.html", context, status=status)

    def _import_upload(self, request: HttpRequest, form: TemplateImportForm) -> TemplateVersion | None:
        upload = form.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            form.add_error("file", _("The file is larger than 2 MB; a template export is far smaller."))
            return None
        try:
            # Depth-checked before anything recursive reads it: a deeply nested file is a message, not a 500.
            document = template_services.parse_document(upload.read())
        except engine.TemplateError as exc:
            form.add_error("file", _("%(problems)s. Nothing was imported.") % {"problems": "; ".join(exc.errors)})
            return None
        try:
            return template_services.template_import(document=document, actor=Actor.from_request(request))
        except engine.TemplateError as exc:
            for error in exc.errors:
                form.add_error("file", error)
            form.add_error("file", _("Nothing was imported."))
            return None

    def preview_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """The clinician form as it will look; answers posted here are evaluated, never saved."""
        version = self._version(request, pk, write=False)
        document = version.to_document()
        try:
            compiled = engine.CompiledTemplate(document)
        except engine.TemplateError as exc:
            for error in exc.errors:
                messages.error(request, _("Cannot preview: %(problem)s") % {"problem": error})
            return self._back(version)
        form = AssessmentForm(request.POST or None, compiled=compiled, initial={"revision": 0})
        evaluation = compiled.evaluate(form.valid_answers() if form.is_bound else {})
        context = {
            **self.admin_site.each_context(request),
            "title": _("Preview of %(version)s") % {"version": version.label},
            "opts": self.model._meta,
            "original": version,
            "version": version,
            "form": form,
            **form_layout(compiled, form),
            "hidden": evaluation.hidden,
            "groups": grouped_output(evaluation.as_dict()),
            "mrc_sum": evaluation.mrc_sum,
            "mrc_max": evaluation.mrc_max,
        }
        return TemplateResponse(request, "admin/evaluation/templateversion/preview.html", context)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "username", "action", "object_type", "object_id", "ip_address"]
    list_filter = ["action", "at"]
    search_fields = ["username", "object_id"]
    date_hierarchy = "at"
    actions = None

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("user")


@admin.register(Patient)
class PatientAdmin(AuditedReadsAdmin, ReadOnlyAdmin):
    """Visible to superusers for support; clinical work happens in the clinic pages."""

    list_display = ["mrn", "family_name", "given_name", "date_of_birth", "sex"]
    search_fields = ["mrn", "family_name", "given_name"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser


@admin.register(Assessment)
class AssessmentAdmin(AuditedReadsAdmin, ReadOnlyAdmin):
    list_display = ["id", "status", "version", "clinician", "created_at", "link"]
    list_filter = ["status"]

    @admin.display(description=gettext_lazy("Open"))
    def link(self, obj: Assessment) -> str:
        return format_html('<a href="{}">{}</a>', reverse("evaluation:assessment_detail", args=[obj.pk]), _("summary"))

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser


@admin.register(Signature)
class SignatureAdmin(AuditedReadsAdmin, ReadOnlyAdmin):
    list_display = ["assessment", "number", "signer_name", "signed_at", "content_hash"]
    exclude = ["pdf"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser
