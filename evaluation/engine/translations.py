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
    """Where ``language`` falls back to English, as "part key field" lines for the authoring page."""
    table = (document.get("translations") or {}).get(language) or {}
    return [f"{part} {key} {name}" for part, key, name, _ in _translatable(document)
            if not _lookup(table, part, key, name)]


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
