"""What every workspace page shares: who may use it, the version it edits, and the frame around it.

Each page is for template admins only (the permission to change template
versions, which the "Template admins" group and superusers hold). The frame is
the section list on the left and the test-case table on the right, run afresh
on every page, so the result of every save is in view.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from ...engine.translations import LANGUAGES
from ...models import TemplateVersion
from ..describe import CONTEXT_SUBJECTS, Vocabulary, outline
from ..results import run_cases_by_title
from ..services import DraftEditError

CHANGE_TEMPLATES = "evaluation.change_templateversion"
INVALID_STATUS = 400


def template_admin_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    return permission_required(CHANGE_TEMPLATES, raise_exception=True)(view)


def get_version(pk: int) -> TemplateVersion:
    return get_object_or_404(TemplateVersion.objects.select_related("template", "cloned_from"), pk=pk)


def draft_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """For pages that change a version: a published or retired one goes back to its workspace, unchanged."""

    @wraps(view)
    def wrapper(request: HttpRequest, pk: int, *args: Any, **kwargs: Any) -> HttpResponse:
        version = get_version(pk)
        if not version.is_draft:
            messages.error(request, _("%(version)s is %(status)s and can no longer be changed. Create a new draft "
                                      "from it to make changes.")
                           % {"version": version.label, "status": version.get_status_display().lower()})
            return redirect("evaluation:authoring:workspace", pk=version.pk)
        return view(request, version, *args, **kwargs)

    return wrapper


def builder_vocabulary(document: Mapping[str, Any], *, only_items: set[str] | None = None,
                       findings: bool = True) -> dict[str, Any]:
    """What the rule builder offers: questions by section, findings, patient details."""
    sections = []
    for section in document.get("sections") or ():
        items = [{"code": raw["code"], "label": raw.get("label", raw["code"]), "type": raw.get("type"),
                  "choices": raw.get("choices") or []}
                 for raw in section.get("items") or () if only_items is None or raw["code"] in only_items]
        if items:
            sections.append({"title": section.get("title", ""), "items": items})
    return {
        "sections": sections,
        "findings": [{"code": f["code"], "title": f.get("title", f["code"])} for f in document.get("findings") or ()]
        if findings else [],
        # str(): the patient details' words are translated lazily; the builder reads them as JSON.
        "context": [{"code": code, "label": str(s.label), "type": s.type,
                     "choices": [[value, str(label)] for value, label in s.choices], "unit": str(s.unit)}
                    for code, s in CONTEXT_SUBJECTS.items()],
    }


def frame(version: TemplateVersion, *, active: str, document: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The workspace frame: the version, its sections for the left list, the case table for the right."""
    document = document if document is not None else version.to_document()
    sections = list(version.sections.annotate(item_total=Count("items")).order_by("order", "id"))
    for section in sections:
        section.nav_key = f"section-{section.pk}"
    return {
        "version": version,
        "document": document,
        "active": active,
        "nav_sections": sections,
        "report": run_cases_by_title(document),
        "words": Vocabulary.from_document(document),
        # The editor the workspace's menu opens: the first language a template may be translated into.
        "translation_language": LANGUAGES[0],
    }


def readable_field(form: Any, name: str, document: Mapping[str, Any]) -> tuple[str, list[str]]:
    """A condition field's value (as typed, when the form was posted) in words, outlined; nothing when it is
    empty or not JSON yet."""
    value = form[name].value()
    if isinstance(value, str):
        try:
            value = json.loads(value) if value.strip() else None
        except (json.JSONDecodeError, RecursionError):
            return "", []
    return outline(value, Vocabulary.from_document(document)) if value else ("", [])


def show_faults(form: Any, error: DraftEditError, field_of: Callable[[str], str | None]) -> None:
    """Put each fault of a refused edit on the field it is about, or above the form."""
    for fault in error.faults:
        field = field_of(fault)
        form.add_error(field if field in form.fields else None, _plain(fault))


def _plain(fault: str) -> str:
    return fault[:1].upper() + fault[1:]


def posted(request: HttpRequest) -> Any:
    """The posted data for a form, even when empty (an empty QueryDict is falsy: ``POST or None`` would not bind)."""
    return request.POST if request.method == "POST" else None


def render_page(request: HttpRequest, template: str, context: dict[str, Any], *, invalid: bool = False) -> HttpResponse:
    return render(request, template, context, status=INVALID_STATUS if invalid else 200)
