"""One question of a draft: add, edit (with its shown-when condition built like a rule's), move, delete."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ...audit import Actor
from ...models import Item, Section, TemplateVersion
from .. import services
from ..faults import item_field
from ..forms import ItemForm
from .common import (
    builder_vocabulary,
    draft_only,
    frame,
    posted,
    readable_field,
    render_page,
    show_faults,
    template_admin_only,
)
from .workspace import MOVES


@require_http_methods(["GET", "POST"])
@template_admin_only
@draft_only
def item_create(request: HttpRequest, version: TemplateVersion, section_pk: int) -> HttpResponse:
    section = get_object_or_404(Section, pk=section_pk, version=version)
    item = Item(version=version, section=section)
    return _edit(request, version, item, section)


@require_http_methods(["GET", "POST"])
@template_admin_only
@draft_only
def item_edit(request: HttpRequest, version: TemplateVersion, item_pk: int) -> HttpResponse:
    item = get_object_or_404(Item.objects.select_related("section"), pk=item_pk, version=version)
    return _edit(request, version, item, item.section)


def _edit(request: HttpRequest, version: TemplateVersion, item: Item, section: Section) -> HttpResponse:
    old_code, old_section_id = item.code or None, item.section_id if item.pk else None
    form = ItemForm(posted(request), instance=item, version=version,
                    initial=None if item.pk else {"section": section.pk})
    if request.method == "POST" and form.is_valid():
        changed = form.save(commit=False)
        try:
            services.item_save(version=version, actor=Actor.from_request(request), item=changed, old_code=old_code,
                               old_section_id=old_section_id)
        except services.DraftEditError as exc:
            show_faults(form, exc, item_field(changed.code))
        else:
            messages.success(request, _("Saved the question “%(label)s”.") % {"label": changed.label})
            return redirect("evaluation:authoring:section", pk=version.pk, section_pk=changed.section_id)
    context = frame(version, active=f"section-{section.pk}")
    context.update({"section": section, "item": item, "form": form,
                    "readable": readable_field(form, "shown_when", context["document"]),
                    "vocabulary": builder_vocabulary(context["document"], findings=False,
                                                     only_items=_earlier(context["document"], old_code, section.code))})
    return render_page(request, "authoring/item.html", context, invalid=request.method == "POST")


def _earlier(document: dict[str, Any], code: str | None, section_code: str) -> set[str]:
    """The questions a shown-when may look at: those before this one (a new one goes last in its section)."""
    earlier: set[str] = set()
    for raw_section in document["sections"]:
        for raw in raw_section["items"]:
            if raw["code"] == code:
                return earlier
            earlier.add(raw["code"])
        if code is None and raw_section["code"] == section_code:
            return earlier
    return earlier


@require_POST
@template_admin_only
@draft_only
def item_move(request: HttpRequest, version: TemplateVersion, item_pk: int) -> HttpResponse:
    item = get_object_or_404(Item, pk=item_pk, version=version)
    try:
        services.item_move(version=version, actor=Actor.from_request(request), item=item,
                           offset=MOVES.get(request.POST.get("direction", ""), 0))
    except services.DraftEditError as exc:
        messages.error(request, f"Not moved: {'; '.join(exc.faults)}.")
    return redirect("evaluation:authoring:section", pk=version.pk, section_pk=item.section_id)


@require_POST
@template_admin_only
@draft_only
def item_delete(request: HttpRequest, version: TemplateVersion, item_pk: int) -> HttpResponse:
    item = get_object_or_404(Item, pk=item_pk, version=version)
    try:
        services.item_delete(version=version, actor=Actor.from_request(request), item=item)
    except services.DraftEditError as exc:
        messages.error(request, f"“{item.label}” was not deleted, because: {'; '.join(exc.faults)}.")
        return redirect("evaluation:authoring:item", pk=version.pk, item_pk=item_pk)
    messages.success(request, f"Deleted the question “{item.label}”.")
    return redirect("evaluation:authoring:section", pk=version.pk, section_pk=item.section_id)
