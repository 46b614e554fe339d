"""What is wrong with a template document, an answers document, or a template's test cases.

Only what the engine itself needs: a document that passes compiles and evaluates
without error. Limits of storage (column sizes, characters a database refuses)
belong to whoever stores the document.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .conditions import _check_finding_cycles, _condition_faults, context_faults
from .document import format_faults
from .translations import translation_faults
from .types import (
    CASE_EXPECT_KINDS,
    CASE_EXPECT_MODES,
    ITEM_TYPES,
    KINDS,
    MRC_MAX,
    MRC_MIN,
    OUTPUT_KEYS,
    PRIORITIES,
    TEXT_MAX_LENGTH,
    ItemSpec,
)

# ---------------------------------------------------------------- answer validation


def validate_answers(items: Mapping[str, ItemSpec], answers: Any) -> list[str]:
    """Every fault in an answers document, each naming the item's code and label.

    ``items`` maps item code to its spec, e.g. ``CompiledTemplate.items``.
    """
    if not isinstance(answers, Mapping):
        return ["answers must be a JSON object keyed by item code"]
    errors = []
    for code, value in answers.items():
        item = items.get(code)
        if item is None:
            errors.append(f"{code}: unknown item code")
            continue
        fault = value_fault(item, value)
        if fault:
            errors.append(f"{item.describe()}: {fault}")
    return errors


def value_fault(item: ItemSpec, value: Any) -> str | None:
    """What is wrong with one answer, or None when it fits the item."""
    if value is None:
        return None
    kind = item.type
    if kind == "bool":
        return None if isinstance(value, bool) else f"expected true, false or null, got {value!r}"
    if kind in ("int", "mrc"):
        if isinstance(value, bool) or not isinstance(value, int):
            return f"expected a whole number, got {value!r}"
        low, high = (MRC_MIN, MRC_MAX) if kind == "mrc" else (item.min_value, item.max_value)
        if (low is not None and value < low) or (high is not None and value > high):
            return f"{value} is out of range {low}–{high}"
        return None
    if kind == "choice":
        if not isinstance(value, str):
            return f"expected one of {', '.join(item.choice_labels)}, got {value!r}"
        return None if value in item.choice_labels else f"{value!r} is not one of {', '.join(item.choice_labels)}"
    if kind == "multi":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return f"expected a list of codes, got {value!r}"
        unknown = [v for v in value if v not in item.choice_labels]
        if unknown:
            return f"{', '.join(map(repr, unknown))} not among {', '.join(item.choice_labels)}"
        if len(set(value)) != len(value):
            return "lists a choice twice"
        return None
    if kind == "text":
        if not isinstance(value, str):
            return f"expected text, got {value!r}"
        return None if len(value) <= TEXT_MAX_LENGTH else f"longer than {TEXT_MAX_LENGTH} characters"
    return f"unsupported item type {kind!r}"


# ---------------------------------------------------------------- template validation


def validate_template(document: Any) -> list[str]:
    """Every fault in a template document, each naming where it is."""
    try:
        return _template_faults(document)
    except RecursionError:
        # Conditions are depth-checked, but a document can nest anywhere (answers, expectations).
        return ["the document is nested too deeply to be a template"]


def _template_faults(document: Any) -> list[str]:
    if not isinstance(document, Mapping):
        return ["the template document must be a JSON object"]
    errors: list[str] = []
    for key in ("template", "version", "sections", "rules"):
        if key not in document:
            errors.append(f"missing top-level key {key!r}")
    if errors:
        return errors
    if not isinstance(document["template"], Mapping) or not document["template"].get("slug"):
        errors.append("template.slug is required")
    version = document["version"]
    if not isinstance(version, Mapping) or not isinstance(version.get("number"), int) or version["number"] < 1:
        errors.append("version.number must be a whole number from 1")
    items = _validate_sections(document["sections"], errors)
    findings = document.get("findings", [])
    finding_codes = _validate_findings(findings, items, errors)
    _validate_rules(document["rules"], items, finding_codes, errors)
    if not errors:
        errors.extend(format_faults(document) + translation_faults(document))
    if not errors:
        _check_finding_cycles(findings, errors)
        _validate_cases(document, items, errors)
    return errors


def _validate_sections(sections: Any, errors: list[str]) -> dict[str, ItemSpec]:
    """The items of every section by code, in template order; faults go to ``errors``."""
    items: dict[str, ItemSpec] = {}
    if not isinstance(sections, list) or not sections:
        errors.append("sections must be a non-empty list")
        return items
    section_codes: set[str] = set()
    for s_index, section in enumerate(sections):
        where = f"section {s_index + 1}"
        if not isinstance(section, Mapping) or not _is_code(section.get("code")):
            errors.append(f"{where}: needs a code of lower-case letters, digits and underscores")
            continue
        where = f"section {section['code']}"
        _note_unique(section["code"], section_codes, f"{where}: duplicate section code", errors)
        if not section.get("title"):
            errors.append(f"{where}: needs a title")
        section_items = section.get("items") or []
        if not isinstance(section_items, list):
            errors.append(f"{where}: items must be a list")
            continue
        for raw in section_items:
            item = _validate_item(raw, section["code"], items, errors)
            if item is not None:
                items[item.code] = item
    return items


def _validate_item(raw: Any, section: str, earlier: dict[str, ItemSpec], errors: list[str]) -> ItemSpec | None:
    fault = _item_fault(raw, section, earlier)
    if fault:
        errors.append(fault)
        return None
    code = raw["code"]
    choices = raw.get("choices") or []
    if raw["type"] in ("choice", "multi"):
        if not choices:
            errors.append(f"item {code}: a {raw['type']} item needs choices")
        if len({c[0] for c in choices}) != len(choices):
            errors.append(f"item {code}: duplicate choice code")
        if not all(isinstance(c[1], str) for c in choices):
            errors.append(f"item {code}: each choice label must be text")
    elif choices:
        errors.append(f"item {code}: only choice and multi items take choices")
    if raw["type"] == "int":
        low, high = raw.get("min"), raw.get("max")
        if not isinstance(low, int) or not isinstance(high, int) or low > high:
            errors.append(f"item {code}: an int item needs whole-number min and max with min ≤ max")
    item = ItemSpec.from_document(raw, section)
    if item.shown_when is not None:
        for fault in _condition_faults(item.shown_when, earlier, set(), allow_findings=False):
            errors.append(f"item {code} shown-when: {fault}")
    return item


def _item_fault(raw: Any, section: str, earlier: Mapping[str, ItemSpec]) -> str | None:
    """The fault that stops an item from being read at all, if any."""
    if not isinstance(raw, Mapping) or not _is_code(raw.get("code")):
        return f"section {section}: an item needs a code of lower-case letters, digits and underscores"
    code = raw["code"]
    if code in earlier:
        return f"item {code}: duplicate item code"
    if raw.get("type") not in ITEM_TYPES:
        return f"item {code}: type must be one of {', '.join(ITEM_TYPES)}"
    if not raw.get("label"):
        return f"item {code}: needs a label"
    if not isinstance(raw["label"], str):
        return f"item {code}: label must be text"
    choices = raw.get("choices") or []
    if not isinstance(choices, list):
        return f"item {code}: choices must be a list of [code, label]"
    if raw["type"] in ("choice", "multi"):
        choice_codes = [c[0] if isinstance(c, (list, tuple)) and len(c) == 2 else None for c in choices]
        if None in choice_codes or not all(_is_code(c) for c in choice_codes):
            return f"item {code}: each choice must be [code, label]"
    return None


def _validate_findings(findings: Any, items: dict[str, ItemSpec], errors: list[str]) -> set[str]:
    if not isinstance(findings, list):
        errors.append("findings must be a list")
        return set()
    codes: set[str] = set()
    for raw in findings:
        if not isinstance(raw, Mapping) or not _is_code(raw.get("code")):
            errors.append("a finding needs a code of lower-case letters, digits and underscores")
            continue
        if raw["code"] in codes:
            errors.append(f"finding {raw['code']}: duplicate finding code")
        codes.add(raw["code"])
    for raw in findings:
        if isinstance(raw, Mapping) and _is_code(raw.get("code")):
            if not raw.get("title"):
                errors.append(f"finding {raw['code']}: needs a title")
            elif not isinstance(raw["title"], str):
                errors.append(f"finding {raw['code']}: title must be text")
            if raw.get("absent_reason") is not None and not isinstance(raw["absent_reason"], str):
                errors.append(f"finding {raw['code']}: absent_reason must be text")
            for fault in _condition_faults(raw.get("condition"), items, codes):
                errors.append(f"finding {raw['code']}: {fault}")
    return codes


def _validate_rules(rules: Any, items: dict[str, ItemSpec], findings: set[str], errors: list[str]) -> None:
    if not isinstance(rules, list):
        errors.append("rules must be a list")
        return
    seen: set[tuple[str, str]] = set()
    for index, raw in enumerate(rules):
        if not isinstance(raw, Mapping) or not _is_code(raw.get("code")):
            errors.append(f"rule {index + 1}: needs a code of lower-case letters, digits and underscores")
            continue
        name = f"rule {raw['code']}"
        if raw.get("kind") not in KINDS:
            errors.append(f"{name}: kind must be one of {', '.join(KINDS)}")
            continue
        if (raw["kind"], raw["code"]) in seen:
            errors.append(f"{name}: duplicate {raw['kind']} code")
        seen.add((raw["kind"], raw["code"]))
        if not raw.get("title"):
            errors.append(f"{name}: needs a title")
        if raw.get("priority") not in (None, *PRIORITIES):
            errors.append(f"{name}: priority must be routine or urgent")
        if raw.get("urgent_when") is not None and raw.get("priority") is None:
            errors.append(f"{name}: urgent_when needs a priority")
        source = raw.get("source")
        if not _is_passage(source):
            errors.append(f"{name}: needs a source passage (section and quote)")
        elif not isinstance(source.get("also", []), list) or not all(_is_passage(p) for p in source.get("also", [])):
            errors.append(f"{name}: source.also must be a list of passages (section and quote)")
        for fault in _condition_faults(raw.get("condition"), items, findings):
            errors.append(f"{name}: {fault}")
        if raw.get("urgent_when") is not None:
            for fault in _condition_faults(raw["urgent_when"], items, findings):
                errors.append(f"{name} urgent_when: {fault}")


def _is_passage(value: Any) -> bool:
    return (
        isinstance(value, Mapping)
        and isinstance(value.get("section"), str)
        and isinstance(value.get("quote"), str)
        and bool(value["section"].strip())
        and bool(value["quote"].strip())
    )


def _is_code(value: Any) -> bool:
    return (
        isinstance(value, str)
        and 0 < len(value) <= 64
        and value[0].isalpha()
        and all(ch.islower() or ch.isdigit() or ch == "_" for ch in value)
    )


# ---------------------------------------------------------------- template test cases


def _validate_cases(document: Mapping[str, Any], items: Mapping[str, ItemSpec], errors: list[str]) -> None:
    """Faults in the document's test cases; ``items`` are the validated items of its sections."""
    cases = document.get("cases", [])
    if not isinstance(cases, list):
        errors.append("cases must be a list")
        return
    known: dict[str, set[str]] = {OUTPUT_KEYS[r["kind"]]: set() for r in document["rules"]}
    for r in document["rules"]:
        known[OUTPUT_KEYS[r["kind"]]].add(r["code"])
    names: set[str] = set()
    for index, case in enumerate(cases):
        if not isinstance(case, Mapping) or not case.get("name") or not isinstance(case["name"], str):
            errors.append(f"case {index + 1}: needs a name")
            continue
        name = f"case {case['name']!r}"
        _note_unique(case["name"], names, f"{name}: duplicate case name", errors)
        for fault in validate_answers(items, case.get("answers", {})) + context_faults(case.get("context")):
            errors.append(f"{name}: {fault}")
        expect = case.get("expect", {})
        if not isinstance(expect, Mapping):
            errors.append(f"{name}: expect must be an object")
            continue
        for key, spec in expect.items():
            errors.extend(_expectation_faults(name, key, spec, known))


def _expectation_faults(name: str, key: str, spec: Any, known: Mapping[str, set[str]]) -> list[str]:
    if key == "referral_priority":
        return [] if spec in ("urgent", "routine", "none") else [f"{name}: referral_priority must be urgent, routine or none"]
    if key == "priorities":
        if not isinstance(spec, Mapping) or not all(p in PRIORITIES for p in spec.values()):
            return [f"{name}: priorities maps a test or referral code to routine or urgent"]
        return []
    if key not in CASE_EXPECT_KINDS:
        return [f"{name}: unknown expectation {key!r}"]
    if not isinstance(spec, Mapping) or not set(spec) <= set(CASE_EXPECT_MODES):
        return [f"{name}: {key} takes exactly, includes or excludes"]
    faults = []
    for mode, codes in spec.items():
        if not isinstance(codes, list):
            faults.append(f"{name}: {key}.{mode} must be a list of codes")
            continue
        for code in codes:
            if not isinstance(code, str) or code not in known.get(key, set()):
                faults.append(f"{name}: {key}.{mode} names unknown code {code!r}")
    return faults


def _note_unique(key: str, seen: set[str], fault: str, errors: list[str]) -> None:
    """Record ``key`` as seen, and ``fault`` if it was seen before."""
    if key in seen:
        errors.append(fault)
    seen.add(key)
