"""Translations of a template document's wording, kept in the document itself.

    "translations": {"es": {
        "template": {"title": ...}, "version": {"title": ...},
        "sections": {section_code: {"title": ...}},
        "items": {item_code: {"label": ..., "help_text": ..., "choices": {choice_code: label},
                              "grid": {"row": ..., "column": ...}}},
        "findings": {finding_code: {"title": ..., "absent_reason": ...}},
        "rules": {"kind:code": {"title": ..., "detail": ..., "patient_text": ...}}
    }}

Codes never change with the language; only wording does. A missing string
falls back to the document's own (English) wording, one string at a time.
Source passages are never translated: they quote the source document.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

LANGUAGES = ("es",)
SECTION_FIELDS = ("title",)
ITEM_FIELDS = ("label", "help_text")
FINDING_FIELDS = ("title", "absent_reason")
RULE_FIELDS = ("title", "detail", "patient_text")


def rule_key(rule: Mapping[str, Any]) -> str:
    return f"{rule['kind']}:{rule['code']}"


def _translatable(document: Mapping[str, Any]) -> Iterator[tuple[str, str, str, str]]:
    """(part, key, field, English text) for every string of the document that has wording to translate."""
    for section in document["sections"]:
        yield "sections", section["code"], "title", section.get("title", "")
        for item in section.get("items") or []:
            for name in ITEM_FIELDS:
                if item.get(name):
                    yield "items", item["code"], name, item[name]
            for code, label in item.get("choices") or []:
                yield "items", item["code"], f"choices.{code}", label
            for place in ("row", "column"):
                if isinstance(item.get("grid"), Mapping) and item["grid"].get(place):
                    yield "items", item["code"], f"grid.{place}", item["grid"][place]
    for finding in document.get("findings", []):
        for name in FINDING_FIELDS:
            if finding.get(name):
                yield "findings", finding["code"], name, finding[name]
    for rule in document["rules"]:
        for name in RULE_FIELDS:
            if rule.get(name):
                yield "rules", rule_key(rule), name, rule[name]


def _lookup(table: Mapping[str, Any], part: str, key: str, name: str) -> Any:
    entry = (table.get(part) or {}).get(key) or {}
    if "." in name:
        group, sub_key = name.split(".", 1)
        return (entry.get(group) or {}).get(sub_key)
    return entry.get(name)


def translation_faults(document: Mapping[str, Any]) -> list[str]:
    """What is wrong with a document's translations: unknown languages or codes, wording that is not text."""
    translations = document.get("translations")
    if translations is None:
        return []
    if not isinstance(translations, Mapping):
        return ["translations must be an object keyed by language"]
    faults = []
    known = {(part, key, name) for part, key, name, _ in _translatable(document)}
    for language, table in translations.items():
        if language not in LANGUAGES:
            faults.append(f"translations: unknown language {language!r}; known: {', '.join(LANGUAGES)}")
            continue
        faults.extend(_table_faults(language, table, known))
    return faults


def _table_faults(language: str, table: Any, known: set[tuple[str, str, str]]) -> list[str]:
    if not isinstance(table, Mapping):
        return [f"translations.{language} must be an object"]
    faults = []
    for part, entries in table.items():
        if part in ("template", "version"):
            if not isinstance(entries, Mapping) or not isinstance(entries.get("title", ""), str):
                faults.append(f"translations.{language}.{part} takes a title")
            continue
        if not isinstance(entries, Mapping):
            faults.append(f"translations.{language}.{part} must be an object")
            continue
        for key, fields in entries.items():
            faults.extend(_entry_faults(language, part, key, fields, known))
    return faults


def _entry_faults(language: str, part: str, key: str, fields: Any, known: set[tuple[str, str, str]]) -> list[str]:
    where = f"translations.{language}.{part}.{key}"
    if not isinstance(fields, Mapping):
        return [f"{where} must be an object"]
    faults = []
    for name, text in fields.items():
        if name in ("choices", "grid") and isinstance(text, Mapping):
            pairs = [(f"{name}.{code}", label) for code, label in text.items()]
        else:
            pairs = [(name, text)]
        for field, value in pairs:
            if (part, key, field) not in known:
                faults.append(f"{where}: nothing to translate at {field}")
            elif not isinstance(value, str) or not value.strip():
                faults.append(f"{where}.{field} must be text")
    return faults


def missing_translations(document: Mapping[str, Any], language: str) -> list[str]:
    """Where ``language`` falls back to English, as "part key field" lines (template and version titles aside)."""
    return [f"{w.part} {w.key} {w.field}" for w in missing_wording(document, language) if w.key]


# ---------------------------------------------------------------- the editor's view of a document's wording

# The two titles that are not a part with a code: stored as table["template"]["title"], table["version"]["title"].
TITLE_PARTS = ("template", "version")


@dataclass(frozen=True)
class Wording:
    """One string of a document that takes a translation: where it is (part, key, field) and its English text.

    ``key`` is a code ("cramps"), a rule's "kind:code", or "" for the template's and the version's title;
    ``field`` is "label", "help_text", "choices.<code>", "grid.row"...
    """

    part: str
    key: str
    field: str
    text: str


def wording(document: Mapping[str, Any]) -> list[Wording]:
    """Every translatable string of ``document``, in document order: the template's and version's titles first."""
    titles = [Wording(part, "", "title", str(document[part]["title"])) for part in TITLE_PARTS
              if isinstance(document.get(part), Mapping) and document[part].get("title")]
    return titles + [Wording(part, key, name, text) for part, key, name, text in _translatable(document)]


def translation_of(table: Mapping[str, Any], entry: Wording) -> str:
    """The translation of ``entry`` in one language's table; "" when there is none."""
    place: Any = table.get(entry.part)
    # Checked at each step: a draft's table may still hold a fault the editor is there to mend.
    steps = ([entry.key] if entry.key else []) + entry.field.split(".", 1)
    for step in steps:
        place = place.get(step) if isinstance(place, Mapping) else None
    return place if isinstance(place, str) else ""


def missing_wording(document: Mapping[str, Any], language: str) -> list[Wording]:
    """The strings that show in English in ``language``, because they have no translation."""
    table = (document.get("translations") or {}).get(language) or {}
    return [entry for entry in wording(document) if not translation_of(table, entry)]


def table_from(entries: Mapping[Wording, str]) -> dict[str, Any]:
    """One language's table holding the given translations (empty texts left out), in the document's shape."""
    table: dict[str, Any] = {}
    for entry, text in entries.items():
        if not text:
            continue
        if not entry.key:
            table.setdefault(entry.part, {})[entry.field] = text
            continue
        fields = table.setdefault(entry.part, {}).setdefault(entry.key, {})
        group, _, sub_key = entry.field.partition(".")
        if sub_key:
            fields.setdefault(group, {})[sub_key] = text
        else:
            fields[entry.field] = text
    return table


def kept_in_step(translations: Mapping[str, Any], document: Mapping[str, Any]) -> dict[str, Any]:
    """``translations`` without what no longer has English wording in ``document`` (a deleted question, a
    removed choice, a cleared help text), so an edit of the English never leaves a translation of nothing."""
    entries = wording(document)
    kept = {}
    for language, table in translations.items():
        if not isinstance(table, Mapping) or language not in LANGUAGES:
            kept[language] = table
            continue
        kept_table = table_from({entry: translation_of(table, entry) for entry in entries})
        if kept_table:
            kept[language] = kept_table
    return kept


def renamed(translations: Mapping[str, Any], part: str, old: str, new: str) -> dict[str, Any]:
    """``translations`` with the entries of ``part`` under key ``old`` moved to ``new`` (a code was renamed)."""
    result = copy.deepcopy(dict(translations))
    for table in result.values():
        entries = table.get(part) if isinstance(table, Mapping) else None
        if isinstance(entries, dict) and old in entries and old != new:
            entries[new] = entries.pop(old)
    return result


def localized(document: Mapping[str, Any], language: str | None) -> dict[str, Any]:
    """The document with its wording in ``language`` where translated (English elsewhere)."""
    table = ((document.get("translations") or {}).get(language) or {}) if language else {}
    if not table:
        return dict(document)
    result = copy.deepcopy(dict(document))
    _overlay_sections(result, table)
    for finding in result.get("findings", []):
        _overlay(finding, table, "findings", finding["code"], FINDING_FIELDS)
    for rule in result["rules"]:
        _overlay(rule, table, "rules", rule_key(rule), RULE_FIELDS)
    for part in ("template", "version"):
        title = (table.get(part) or {}).get("title")
        if title:
            result[part] = {**result[part], "title": title}
    return result


def _overlay(target: dict[str, Any], table: Mapping[str, Any], part: str, key: str, names: tuple[str, ...]) -> None:
    for name in names:
        text = _lookup(table, part, key, name)
        if text and target.get(name):
            target[name] = text


def _overlay_sections(document: dict[str, Any], table: Mapping[str, Any]) -> None:
    for section in document["sections"]:
        _overlay(section, table, "sections", section["code"], SECTION_FIELDS)
        for item in section.get("items") or []:
            _overlay(item, table, "items", item["code"], ITEM_FIELDS)
            if item.get("choices"):
                item["choices"] = [[code, _lookup(table, "items", item["code"], f"choices.{code}") or label]
                                   for code, label in item["choices"]]
            if isinstance(item.get("grid"), Mapping):
                item["grid"] = {**item["grid"], **{place: _lookup(table, "items", item["code"], f"grid.{place}")
                                                   or item["grid"][place] for place in ("row", "column")}}
