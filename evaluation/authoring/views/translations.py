"""A version's translations into one language: each string of its English wording beside a field for it.

Drafts are edited here (saved through the services, audited like every draft edit); a published or retired
version is shown read-only. ``?missing=1`` shows only the strings that have no translation yet.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ...audit import Actor
from ...engine import translations as wording
from ...models import TemplateVersion
from .. import services
from ..translation_forms import (
    TranslationsForm,
    chapters_of,
    field_name,
    language_name,
    part_links,
    parts_of,
    short_name,
)
from .common import frame, get_version, posted, render_page, show_faults, template_admin_only


@require_http_methods(["GET", "POST"])
@template_admin_only
def translations(request: HttpRequest, pk: int, language: str) -> HttpResponse:
    if language not in wording.LANGUAGES:
        raise Http404("No such language.")
    version = get_version(pk)
    only_missing = request.GET.get("missing") == "1"
    here = reverse("evaluation:authoring:translations", args=[version.pk, language]) + ("?missing=1" if only_missing
                                                                                      else "")
    if request.method == "POST" and not version.is_draft:
        messages.error(request, _("%(version)s is %(status)s and can no longer be changed. Create a new draft from "
                                  "it to make changes.")
                       % {"version": version.label, "status": version.get_status_display().lower()})
        return redirect(here)
    context = frame(version, active="translations")
    form = TranslationsForm(posted(request), document=context["document"], language=language)
    if request.method == "POST" and form.is_valid():
        try:
            services.translations_save(version=version, actor=Actor.from_request(request), language=language,
                                       texts=form.texts())
        except services.DraftEditError as exc:
            show_faults(form, exc, lambda fault: None)
        else:
            messages.success(request, _("Saved the %(language)s translations.") % {"language": language_name(language)})
            return redirect(here)
    context.update(_editor(version, context["document"], form, language, only_missing))
    return render_page(request, "authoring/translations.html", context, invalid=request.method == "POST")


def _editor(version: TemplateVersion, document: dict[str, Any], form: TranslationsForm, language: str,
            only_missing: bool) -> dict[str, Any]:
    """The strings as chapters of parts, each string a row: its English, its field, whether it is translated."""
    entries = list(form.entries.values())
    form.mark_invalid()
    missing = set(wording.missing_wording(document, language))
    shown = [entry for entry in entries if entry in missing] if only_missing else entries
    parts = parts_of(document, shown, part_links(version))
    for part in parts:
        part.rows = [{"entry": entry, "name": short_name(entry), "field": form[field_name(entry)],
                      "missing": entry in missing, "english_id": f"id_{field_name(entry)}-en"} for entry in part.entries]
    return {"form": form, "language": language, "language_name": language_name(language),
            "chapters": chapters_of(document, parts), "only_missing": only_missing,
            "total": len(entries), "missing_count": len(missing)}
