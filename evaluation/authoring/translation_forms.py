"""The translations editor and the list of what is missing: a draft's wording beside its translation, by part.

The wording comes from the engine (``engine.translations.wording``): every title, label, help text, choice
label, strength-grid place, finding and rule text, in document order. The form has one field per string,
named by where the string is (hashed ``items|cramps|choices.daily``), so a posted field always lands on the
string it was typed for, even if the draft changed since the page was opened.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.urls import reverse
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from ..engine import translations as wording
from ..engine.translations import Wording
from ..models import ChecklistTemplate, Item, Rule, Section, TemplateVersion
from .diff import KIND_NAMES

FIELD_NAMES = {
    "title": _("Title"), "label": _("Label"), "help_text": _("Help text"), "grid.row": _("Strength grid row"),
    "grid.column": _("Strength grid column"), "absent_reason": _("When absent"), "detail": _("Detail"),
    "patient_text": _("Patient text"),
}
PART_KINDS = {"template": _("Template"), "version": _("Version"), "sections": _("Section"), "items": _("Question"),
              "findings": _("Finding")}
# Texts long enough for a text box rather than a line.
LONG_FIELDS = {"help_text", "detail", "patient_text", "absent_reason"}
# Detail and patient text have no limit in the database; a translation longer than this is a paste gone wrong.
LONG_TEXT_LIMIT = 2000
FINDING_LIMITS = {"title": 300, "absent_reason": 500}


def _model_limit(model: Any, name: str) -> int:
    return model._meta.get_field(name).max_length


# A translation may be as long as the English it stands for may be.
LIMITS = {
    ("template", "title"): _model_limit(ChecklistTemplate, "title"),
    ("version", "title"): _model_limit(TemplateVersion, "title"),
    ("sections", "title"): _model_limit(Section, "title"),
    ("items", "label"): _model_limit(Item, "label"), ("items", "help_text"): _model_limit(Item, "help_text"),
    ("items", "choices"): _model_limit(Item, "label"), ("items", "grid.row"): _model_limit(Item, "grid_row"),
    ("items", "grid.column"): _model_limit(Item, "grid_column"),
    ("findings", "title"): FINDING_LIMITS["title"], ("findings", "absent_reason"): FINDING_LIMITS["absent_reason"],
    ("rules", "title"): _model_limit(Rule, "title"),
}


def language_name(code: str) -> str:
    return str(get_language_info(code)["name_translated"])


def field_name(entry: Wording) -> str:
    """The form field of a string: named by where the string is, hashed, so that codes stay out of the page."""
    where = "|".join((entry.part, entry.key, entry.field))
    return "t" + hashlib.sha256(where.encode()).hexdigest()[:12]


def short_name(entry: Wording) -> str:
    """What the string is within its part: "Label", "Help text", "Choice"."""
    if entry.field.startswith("choices."):
        return str(_("Choice"))
    return str(FIELD_NAMES.get(entry.field, entry.field))


def limit_of(entry: Wording) -> int:
    group = "choices" if entry.field.startswith("choices.") else entry.field
    return LIMITS.get((entry.part, group), LONG_TEXT_LIMIT)


# ---------------------------------------------------------------- parts: the strings of one question, rule...


@dataclass
class Part:
    """One part of the template (a question, a rule...) and its strings, in document order."""

    part: str
    key: str
    kind: str
    name: str
    link: str = ""
    entries: list[Wording] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return "part-" + hashlib.sha256(f"{self.part}|{self.key}".encode()).hexdigest()[:12]


@dataclass
class Chapter:
    """A heading of the editor: the titles, one section with its questions, the findings, the rules."""

    title: str
    anchor: str
    parts: list[Part] = field(default_factory=list)


def _names(document: Mapping[str, Any]) -> dict[tuple[str, str], tuple[str, str]]:
    """(part, key) -> (kind, English name) for every part that has wording."""
    names = {("template", ""): (str(PART_KINDS["template"]), document["template"].get("title", "")),
             ("version", ""): (str(PART_KINDS["version"]), document["version"].get("title", ""))}
    for section in document["sections"]:
        names[("sections", section["code"])] = (str(PART_KINDS["sections"]), section.get("title", ""))
        for item in section.get("items") or []:
            names[("items", item["code"])] = (str(PART_KINDS["items"]), item.get("label", item["code"]))
    for finding in document.get("findings") or []:
        names[("findings", finding["code"])] = (str(PART_KINDS["findings"]), finding.get("title", finding["code"]))
    for rule in document["rules"]:
        names[("rules", wording.rule_key(rule))] = (str(KIND_NAMES.get(rule["kind"], rule["kind"])), rule["title"])
    return names


def parts_of(document: Mapping[str, Any], entries: Iterable[Wording], links: Mapping[tuple[str, str], str]) -> list[Part]:
    """``entries`` gathered by the part they belong to, parts in the order their first string comes."""
    names = _names(document)
    parts: dict[tuple[str, str], Part] = {}
    for entry in entries:
        where = (entry.part, entry.key)
        if where not in parts:
            kind, name = names.get(where, ("", entry.key))
            parts[where] = Part(entry.part, entry.key, kind, name, links.get(where, ""))
        parts[where].entries.append(entry)
    return list(parts.values())


def chapters_of(document: Mapping[str, Any], parts: list[Part]) -> list[Chapter]:
    """The editor's headings: titles, each section (its title and questions), findings, rules."""
    section_of = {item["code"]: section["code"] for section in document["sections"] for item in section.get("items") or []}
    titles = {section["code"]: section.get("title", "") for section in document["sections"]}
    chapters: dict[str, Chapter] = {}

    def chapter(key: str, title: str) -> Chapter:
        anchor = "chapter-" + hashlib.sha256(key.encode()).hexdigest()[:12]
        return chapters.setdefault(key, Chapter(title, anchor))

    for part in parts:
        if part.part in ("template", "version"):
            chapter("titles", str(_("Template and version titles"))).parts.append(part)
        elif part.part in ("sections", "items"):
            code = part.key if part.part == "sections" else section_of.get(part.key, "")
            chapter(f"section-{code}", titles.get(code, code)).parts.append(part)
        elif part.part == "findings":
            chapter("findings", str(_("Findings"))).parts.append(part)
        else:
            chapter("rules", str(_("Rules"))).parts.append(part)
    return list(chapters.values())


def part_links(version: TemplateVersion) -> dict[tuple[str, str], str]:
    """Where each section, question and rule is edited (read, for a version that is no longer a draft)."""
    pk, draft = version.pk, version.is_draft
    links: dict[tuple[str, str], str] = {}
    section_urls = {}
    for section_pk, code in version.sections.values_list("pk", "code"):
        section_urls[section_pk] = reverse("evaluation:authoring:section", args=[pk, section_pk])
        links[("sections", code)] = section_urls[section_pk]
    for item_pk, code, section_pk in version.items.values_list("pk", "code", "section_id"):
        links[("items", code)] = (reverse("evaluation:authoring:item", args=[pk, item_pk]) if draft
                                  else f"{section_urls.get(section_pk, '')}#question-{code}")
    rules_url = reverse("evaluation:authoring:rules", args=[pk])
    for rule_pk, kind, code in version.rules.values_list("pk", "kind", "code"):
        links[("rules", f"{kind}:{code}")] = (reverse("evaluation:authoring:rule", args=[pk, rule_pk]) if draft
                                              else f"{rules_url}#rule-{rule_pk}")
    return links


def languages_of(document: Mapping[str, Any]) -> list[str]:
    """The languages a version is translated into: those its document declares, and Spanish always."""
    declared = set((document.get("translations") or {}).keys())
    return [code for code in wording.LANGUAGES if code in declared or code == "es"]


def missing_summary(version: TemplateVersion, document: Mapping[str, Any]) -> list[dict[str, Any]]:
    """For the workspace: per language, how many strings have no translation, and which, by part."""
    links = part_links(version)
    total = len(wording.wording(document))
    summary = []
    for code in languages_of(document):
        missing = wording.missing_wording(document, code)
        editor = reverse("evaluation:authoring:translations", args=[version.pk, code])
        parts = parts_of(document, missing, links)
        for part in parts:
            part.rows = [{"name": short_name(entry), "anchor": f"{editor}#id_{field_name(entry)}"}
                         for entry in part.entries]
        summary.append({"code": code, "name": language_name(code), "total": total, "missing": len(missing),
                        "parts": parts, "editor": editor})
    return summary


# ---------------------------------------------------------------- the form


class TranslationsForm(forms.Form):
    """One optional field per translatable string of a version; an empty field means "no translation"."""

    def __init__(self, data: Any, *, document: Mapping[str, Any], language: str):
        super().__init__(data)
        table = (document.get("translations") or {}).get(language) or {}
        names = _names(document)
        self.entries = {field_name(entry): entry for entry in wording.wording(document)}
        for name, entry in self.entries.items():
            part_name = names.get((entry.part, entry.key), ("", entry.key))[1]
            self.fields[name] = forms.CharField(
                label=f"{part_name} · {short_name(entry)}", required=False, max_length=limit_of(entry),
                initial=wording.translation_of(table, entry), widget=self._widget(name, entry, language),
            )

    @staticmethod
    def _widget(name: str, entry: Wording, language: str) -> forms.Widget:
        # lang: screen readers read, and spell checkers check, the field in the language typed into it;
        # the English it translates describes it.
        attrs = {"lang": language, "class": "form-control form-control-sm", "spellcheck": "true",
                 "aria-describedby": f"id_{name}-en"}
        if entry.field in LONG_FIELDS:
            return forms.Textarea(attrs={**attrs, "rows": 2})
        return forms.TextInput(attrs=attrs)

    def mark_invalid(self) -> None:
        """Fields with an error are drawn as such and described by their error too."""
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["class"] += " is-invalid"
                attrs["aria-describedby"] += f" id_{name}-errors"

    def texts(self) -> dict[Wording, str]:
        """The posted translations (call after is_valid()): only the strings whose field was on the page, so a
        string added to the draft since the page was opened keeps the translation it has."""
        return {entry: self.cleaned_data[name] for name, entry in self.entries.items() if name in self.data}
