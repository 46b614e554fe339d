"""Template document formats: what format 2 adds, its faults, and the upgrade from format 1.

Format 2 puts into the document what format 1 left to code keyed on the default
template's codes:

- sections: ``reassess_each_visit`` (answers start empty at a follow-up) and
  ``compare_on_follow_up`` (changes are listed in the comparison);
- MRC items: ``grid: {"row": movement, "column": side, "in_sum": bool}``, where
  the item sits in the strength grid and whether it counts in the MRC sum score;
- rules: ``patient_text`` (plain words for the patient handout) and ``role``:
  ``safety_net`` (an advice rule whose handout entry lists the red flags the
  patient does not have), ``referral`` (named first in the handout, with its
  urgency), ``blood_test`` (tests grouped on one handout line).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any

CURRENT_FORMAT = 2
FORMATS = (1, 2)
SECTION_FLAGS = ("reassess_each_visit", "compare_on_follow_up")
# Each role and the kind of rule it belongs to.
ROLE_KINDS = {"safety_net": "advice", "referral": "referral", "blood_test": "test"}
GRID_TEXT_LIMITS = {"row": 100, "column": 40}
# Items the service fills, never the clinician: visit_type is "initial" or "follow_up" by whether
# the assessment follows a signed visit. A template that has such an item gets it filled.
SERVICE_SET_ITEMS = ("visit_type",)
# Format 1 placed MRC items in the grid by their code: mrc_<movement>_<side>.
FORMAT_1_MRC_CODE = re.compile(r"^mrc_(?P<movement>[a-z_]+)_(?P<side>left|right)$")


def format_of(document: Mapping[str, Any]) -> Any:
    return document.get("format", 1)


def format_faults(document: Mapping[str, Any]) -> list[str]:
    """Faults in the format-2 parts of a document whose sections and rules are lists."""
    if format_of(document) not in FORMATS:
        return [f"format must be one of {', '.join(map(str, FORMATS))}, got {format_of(document)!r}"]
    errors: list[str] = []
    for section in document["sections"]:
        if not isinstance(section, Mapping):
            continue
        for flag in SECTION_FLAGS:
            if flag in section and not isinstance(section[flag], bool):
                errors.append(f"section {section.get('code')}: {flag} must be true or false")
        for item in section.get("items") or []:
            if isinstance(item, Mapping) and "grid" in item:
                errors.extend(f"item {item.get('code')}: {fault}" for fault in _grid_faults(item))
    errors.extend(_rule_format_faults(document["rules"]))
    return errors


def _grid_faults(item: Mapping[str, Any]) -> list[str]:
    grid = item["grid"]
    if item.get("type") != "mrc":
        return ["only MRC items take a grid place"]
    if not isinstance(grid, Mapping):
        return ['grid must be {"row": ..., "column": ..., "in_sum": true or false}']
    faults = []
    for key, limit in GRID_TEXT_LIMITS.items():
        value = grid.get(key)
        if not isinstance(value, str) or not value.strip():
            faults.append(f"grid {key} must be text")
        elif len(value) > limit:
            faults.append(f"grid {key} is longer than {limit} characters")
    if not isinstance(grid.get("in_sum", True), bool):
        faults.append("grid in_sum must be true or false")
    return faults


def _rule_format_faults(rules: list[Any]) -> list[str]:
    faults = []
    safety_nets = 0
    for rule in rules:
        if not isinstance(rule, Mapping):
            continue
        name = f"rule {rule.get('code')}"
        if "patient_text" in rule and not isinstance(rule["patient_text"], str):
            faults.append(f"{name}: patient_text must be text")
        role = rule.get("role")
        if role is None:
            continue
        if not isinstance(role, str) or role not in ROLE_KINDS:
            faults.append(f"{name}: role must be one of {', '.join(ROLE_KINDS)}")
        elif rule.get("kind") != ROLE_KINDS[role]:
            faults.append(f"{name}: the {role} role belongs to a rule of kind {ROLE_KINDS[role]}")
        safety_nets += role == "safety_net"
    if safety_nets > 1:
        faults.append("only one rule may have the safety_net role")
    return faults


def upgrade_document(document: Mapping[str, Any], behaviour: Mapping[str, Any]) -> dict[str, Any]:
    """A format-1 document as format 2; a format-2 document is returned as a copy.

    ``behaviour`` is what format 1 kept in code: the section codes reassessed and
    compared at follow-up, and patient texts and roles by rule code. MRC items
    are placed in the grid by their format-1 code pattern and all count in the sum.
    """
    upgraded = copy.deepcopy(dict(document))
    if format_of(document) != 1:
        return upgraded
    upgraded["format"] = CURRENT_FORMAT
    for section in upgraded.get("sections") or []:
        if not isinstance(section, dict):
            continue
        for flag in SECTION_FLAGS:
            section.setdefault(flag, section.get("code") in behaviour.get(flag, ()))
        for item in section.get("items") or []:
            if isinstance(item, dict) and item.get("type") == "mrc" and "grid" not in item:
                _place_format_1_mrc(item)
    for rule in upgraded.get("rules") or []:
        if isinstance(rule, dict):
            _add_rule_behaviour(rule, behaviour)
    return upgraded


def _place_format_1_mrc(item: dict[str, Any]) -> None:
    match = FORMAT_1_MRC_CODE.match(str(item.get("code", "")))
    if match:
        row = str(item.get("label", match["movement"])).rsplit(",", 1)[0].strip()
        item["grid"] = {"row": row, "column": match["side"].capitalize(), "in_sum": True}


def _add_rule_behaviour(rule: dict[str, Any], behaviour: Mapping[str, Any]) -> None:
    code = rule.get("code")
    text = behaviour.get("patient_text", {}).get(code)
    if text and "patient_text" not in rule:
        rule["patient_text"] = text
    role = behaviour.get("role", {}).get(code)
    if role and "role" not in rule and rule.get("kind") == ROLE_KINDS.get(role):
        rule["role"] = role
