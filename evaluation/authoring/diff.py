"""What changed between two template documents, in the words a reviewer reads before publishing.

Pure: two documents in (as ``TemplateVersion.to_document`` writes them), a
``DocumentDiff`` out. Parts are matched by their code (rules by kind and code,
test cases by name). Each change is either *behaviour* (what is asked, when a
question shows, when a rule fires) or *wording* (labels, titles, help and
patient texts), so the review page can list wording on its own. Changed translations
are listed string by string, with the English they translate.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import get_language_info, gettext_lazy
from django.utils.translation import gettext as _

from ..engine import translations as wording
from .describe import Vocabulary, describe

KIND_NAMES = {"red_flag": gettext_lazy("Red flag"), "test": gettext_lazy("Test"), "referral": gettext_lazy("Referral"),
              "pattern": gettext_lazy("Pattern"), "advice": gettext_lazy("Advice")}


@dataclass(frozen=True)
class FieldChange:
    name: str
    old: str
    new: str
    wording: bool = False


@dataclass(frozen=True)
class PartChange:
    """One part of the template (question, rule, section, finding, test case) and how it changed."""

    key: str
    name: str
    where: str = ""
    changes: tuple[FieldChange, ...] = ()

    @property
    def behaviour(self) -> tuple[FieldChange, ...]:
        return tuple(c for c in self.changes if not c.wording)

    @property
    def wording(self) -> tuple[FieldChange, ...]:
        return tuple(c for c in self.changes if c.wording)


@dataclass(frozen=True)
class PartDiff:
    added: tuple[PartChange, ...] = ()
    removed: tuple[PartChange, ...] = ()
    changed: tuple[PartChange, ...] = ()

    @property
    def behaviour_changed(self) -> tuple[PartChange, ...]:
        return tuple(p for p in self.changed if p.behaviour)

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)


@dataclass(frozen=True)
class DocumentDiff:
    version: tuple[FieldChange, ...] = ()
    sections: PartDiff = field(default_factory=PartDiff)
    items: PartDiff = field(default_factory=PartDiff)
    rules: PartDiff = field(default_factory=PartDiff)
    findings: PartDiff = field(default_factory=PartDiff)
    cases: PartDiff = field(default_factory=PartDiff)
    # One change per translated string whose translation changed: key "language part key field", name its English.
    translations: tuple[PartChange, ...] = ()

    @property
    def wording(self) -> tuple[PartChange, ...]:
        """Every part whose wording changed, with only its wording changes."""
        parts = [PartChange(p.key, p.name, p.where, p.wording)
                 for diff in (self.sections, self.items, self.rules, self.findings) for p in diff.changed if p.wording]
        version_wording = tuple(c for c in self.version if c.wording)
        if version_wording:
            parts.insert(0, PartChange("version", _("This version"), "", version_wording))
        return tuple(parts)

    @property
    def is_empty(self) -> bool:
        return not (self.version or self.sections or self.items or self.rules or self.findings or self.cases
                    or self.translations)


# ---------------------------------------------------------------- comparing


def diff_documents(old: Mapping[str, Any], new: Mapping[str, Any]) -> DocumentDiff:
    """The changes from ``old`` to ``new``."""
    words = (Vocabulary.from_document(old), Vocabulary.from_document(new))
    old_version, new_version = old.get("version") or {}, new.get("version") or {}
    version = _fields(old_version, new_version, [("title", _("Title"), True), ("source_document", _("Source document"), True)])
    return DocumentDiff(
        version=version,
        sections=_compare(_sections(old), _sections(new), lambda o, n: _section_changes(o, n),
                          name=lambda s: s.get("title", "")),
        items=_compare(_items(old), _items(new), lambda o, n: _item_changes(o, n, words),
                       name=lambda i: i.get("label", ""), where=lambda i: i.get("_section_title", "")),
        rules=_compare(_rules(old), _rules(new), lambda o, n: _rule_changes(o, n, words),
                       name=lambda r: r.get("title", ""), where=lambda r: str(KIND_NAMES.get(r.get("kind"), ""))),
        findings=_compare(_keyed(old.get("findings"), "code"), _keyed(new.get("findings"), "code"),
                          lambda o, n: _finding_changes(o, n, words), name=lambda f: f.get("title", "")),
        cases=_compare(_keyed(old.get("cases"), "name"), _keyed(new.get("cases"), "name"), _case_changes,
                       name=lambda c: c.get("name", "")),
        translations=_translation_changes(old, new),
    )


def _compare(
    old: dict[str, Mapping[str, Any]], new: dict[str, Mapping[str, Any]],
    changes: Callable[[Mapping[str, Any], Mapping[str, Any]], list[FieldChange]], *,
    name: Callable[[Mapping[str, Any]], Any], where: Callable[[Mapping[str, Any]], Any] = lambda part: "",
) -> PartDiff:
    def part(key: str, raw: Mapping[str, Any], found: list[FieldChange] | None = None) -> PartChange:
        return PartChange(key, str(name(raw) or key), str(where(raw) or ""), tuple(found or ()))

    added = tuple(part(key, raw) for key, raw in new.items() if key not in old)
    removed = tuple(part(key, raw) for key, raw in old.items() if key not in new)
    changed = []
    for key, raw in new.items():
        if key in old:
            found = changes(old[key], raw)
            if found:
                changed.append(part(key, raw, found))
    return PartDiff(added, removed, tuple(changed))


def _keyed(parts: Any, key: str) -> dict[str, Mapping[str, Any]]:
    return {str(p[key]): p for p in parts or () if isinstance(p, Mapping) and key in p}


def _sections(document: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return {code: {**section, "_position": position,
                   "_items": [i.get("code") for i in section.get("items") or () if isinstance(i, Mapping)]}
            for position, (code, section) in enumerate(_keyed(document.get("sections"), "code").items())}


def _items(document: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    items = {}
    for section in document.get("sections") or ():
        for raw in section.get("items") or ():
            if isinstance(raw, Mapping) and "code" in raw:
                items[raw["code"]] = {**raw, "_section": section.get("code"),
                                      "_section_title": section.get("title", "")}
    return items


def _rules(document: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return {f"{r.get('kind')}:{r['code']}": r for r in document.get("rules") or ()
            if isinstance(r, Mapping) and "code" in r}


# ---------------------------------------------------------------- the changes of each part


def _fields(old: Mapping[str, Any], new: Mapping[str, Any], spec: list[tuple[str, str, bool]]) -> tuple[FieldChange, ...]:
    """Changes of plain fields: (key, name shown, is wording)."""
    return tuple(FieldChange(name, _text(old.get(key)), _text(new.get(key)), wording)
                 for key, name, wording in spec if old.get(key) != new.get(key))


def _section_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[FieldChange]:
    found = list(_fields(old, new, [
        ("title", _("Title"), True),
        ("reassess_each_visit", _("Asked again at each visit"), False),
        ("compare_on_follow_up", _("Compared at follow-up"), False),
    ]))
    if old["_position"] != new["_position"]:
        found.append(FieldChange(_("Position"), f"{old['_position'] + 1}", f"{new['_position'] + 1}"))
    common = [code for code in new["_items"] if code in old["_items"]]
    if common != [code for code in old["_items"] if code in new["_items"]]:
        found.append(FieldChange(_("Order of questions changed"), "", ""))
    return found


def _item_changes(old: Mapping[str, Any], new: Mapping[str, Any], words: tuple[Vocabulary, Vocabulary]) -> list[FieldChange]:
    found = list(_fields(old, new, [
        ("label", _("Label"), True), ("help_text", _("Help text"), True), ("type", _("Type"), False),
        ("required", _("Required"), False), ("min", _("Minimum"), False), ("max", _("Maximum"), False),
        ("grid", _("Strength grid place"), False),
    ]))
    if old["_section"] != new["_section"]:
        found.append(FieldChange(_("Section"), old["_section_title"], new["_section_title"]))
    old_choices, new_choices = dict(_pairs(old.get("choices"))), dict(_pairs(new.get("choices")))
    if list(old_choices) != list(new_choices):
        found.append(FieldChange(_("Choices"), _choices_text(old_choices), _choices_text(new_choices)))
    elif old_choices != new_choices:
        found.append(FieldChange(_("Choice labels"), _choices_text(old_choices), _choices_text(new_choices), True))
    found += _condition_change(_("Shown when"), old.get("shown_when"), new.get("shown_when"), words)
    return found


def _rule_changes(old: Mapping[str, Any], new: Mapping[str, Any], words: tuple[Vocabulary, Vocabulary]) -> list[FieldChange]:
    found = list(_fields(old, new, [
        ("title", _("Title"), True), ("detail", _("Detail"), True), ("patient_text", _("Patient text"), True),
        ("priority", _("Priority"), False), ("role", _("Handout role"), False),
    ]))
    found += _condition_change(_("Fires when"), old.get("condition"), new.get("condition"), words)
    found += _condition_change(_("Urgent when"), old.get("urgent_when"), new.get("urgent_when"), words)
    old_source, new_source = old.get("source") or {}, new.get("source") or {}
    if old_source != new_source:
        found.append(FieldChange(_("Source"), _source_text(old_source), _source_text(new_source), True))
    return found


def _finding_changes(old: Mapping[str, Any], new: Mapping[str, Any], words: tuple[Vocabulary, Vocabulary]) -> list[FieldChange]:
    found = list(_fields(old, new, [("title", _("Title"), True), ("absent_reason", _("When absent"), True)]))
    return found + _condition_change(_("True when"), old.get("condition"), new.get("condition"), words)


def _translation_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> tuple[PartChange, ...]:
    """Each string of ``new`` whose translation differs from ``old``'s: what Spanish-speaking clinicians and
    patients read changes as much as when the English does. ``where`` is the language's code."""
    old_tables, new_tables = old.get("translations") or {}, new.get("translations") or {}
    found = []
    for language in sorted(set(old_tables) | set(new_tables)):
        name = str(get_language_info(language)["name_translated"]) if language in wording.LANGUAGES else language
        for entry in wording.wording(new):
            before = wording.translation_of(old_tables.get(language) or {}, entry)
            after = wording.translation_of(new_tables.get(language) or {}, entry)
            if before != after:
                key = " ".join((language, entry.part, entry.key, entry.field))
                found.append(PartChange(key, entry.text, language, (FieldChange(name, before or "—", after or "—", True),)))
    return tuple(found)


def _case_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[FieldChange]:
    found = []
    if old.get("answers") != new.get("answers"):
        found.append(FieldChange(_("Answers changed"), "", ""))
    if old.get("expect") != new.get("expect"):
        found.append(FieldChange(_("Expected suggestions changed"), "", ""))
    return found


def _condition_change(name: str, old: Any, new: Any, words: tuple[Vocabulary, Vocabulary]) -> list[FieldChange]:
    if old == new:
        return []
    return [FieldChange(name, describe(old, words[0]) if old is not None else "—",
                        describe(new, words[1]) if new is not None else "—")]


def _pairs(choices: Any) -> list[tuple[str, str]]:
    return [(str(c[0]), str(c[1])) for c in choices or () if isinstance(c, (list, tuple)) and len(c) == 2]


def _choices_text(choices: Mapping[str, str]) -> str:
    return ", ".join(choices.values()) or "—"


def _source_text(source: Mapping[str, Any]) -> str:
    return f"{source.get('section', '')}: “{source.get('quote', '')}”" if source else "—"


def _text(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, Mapping):
        if "row" in value:
            counted = "" if value.get("in_sum", True) else _(", not in the MRC sum")
            return f"{value.get('row')}, {value.get('column')}{counted}"
        return json.dumps(value, ensure_ascii=False)
    return str(value)
