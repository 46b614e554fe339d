"""Where a template's parts name each other by code, and those names rewritten when a code changes.

Pure: conditions and test-case documents in, new ones out (the input is never
changed). Renaming a question's code in the workspace rewrites every condition
and test case that names it, so a rename alone never breaks a rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..engine import OUTPUT_KEYS


def rename_item_in_condition(condition: Any, old: str, new: str) -> Any:
    """``condition`` with every atom on item ``old`` asking about ``new`` instead."""
    if isinstance(condition, list):
        return [rename_item_in_condition(part, old, new) for part in condition]
    if not isinstance(condition, Mapping):
        return condition
    renamed = {key: rename_item_in_condition(value, old, new) if key in ("all", "any", "not") else value
               for key, value in condition.items()}
    if renamed.get("item") == old:
        renamed["item"] = new
    return renamed


def items_named(condition: Any) -> set[str]:
    """Every item code a condition asks about."""
    if isinstance(condition, list):
        return {code for part in condition for code in items_named(part)}
    if not isinstance(condition, Mapping):
        return set()
    found = {condition["item"]} if isinstance(condition.get("item"), str) else set()
    for key in ("all", "any", "not"):
        if key in condition:
            found |= items_named(condition[key])
    return found


def rename_answer(answers: Mapping[str, Any], old: str, new: str) -> dict[str, Any]:
    return {(new if code == old else code): value for code, value in answers.items()}


def rename_rule_in_expect(expect: Mapping[str, Any], kind: str, old: str, new: str | None) -> dict[str, Any]:
    """A case's expectations with rule ``old`` (of ``kind``) renamed to ``new``, or dropped when ``new`` is None."""
    key = OUTPUT_KEYS.get(kind)
    result: dict[str, Any] = {}
    for name, spec in expect.items():
        if name == key and isinstance(spec, Mapping):
            result[name] = {mode: _renamed_codes(codes, old, new) for mode, codes in spec.items()}
        elif name == "priorities" and isinstance(spec, Mapping) and kind in ("test", "referral"):
            result[name] = {(new if code == old else code): p for code, p in spec.items() if code != old or new}
        else:
            result[name] = spec
    return result


def _renamed_codes(codes: Any, old: str, new: str | None) -> Any:
    if not isinstance(codes, list):
        return codes
    return [new if code == old else code for code in codes if code != old or new]
