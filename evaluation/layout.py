"""How a template version lays out on screen and paper: form sections, the MRC grid, answer rows, suggestion groups."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .engine import KINDS, OUTPUT_KEYS, CompiledTemplate

MIN_YES_NO_FOR_SHORTCUT = 5
MRC_CODE = re.compile(r"^mrc_(?P<movement>[a-z_]+)_(?P<side>left|right)$")
NOT_RECORDED = "not recorded"


@dataclass(frozen=True)
class AnswerRow:
    code: str
    label: str
    text: str
    recorded: bool


@dataclass(frozen=True)
class MrcRow:
    movement: str
    left: Any
    right: Any
    left_code: str
    right_code: str


def mrc_grid(compiled: CompiledTemplate) -> list[MrcRow]:
    """MRC items as movement rows with left and right columns, in template order."""
    rows: dict[str, dict[str, str]] = {}
    labels: dict[str, str] = {}
    for code in compiled.mrc_codes:
        match = MRC_CODE.match(code)
        if not match:
            continue
        movement = match["movement"]
        rows.setdefault(movement, {})[match["side"]] = code
        labels[movement] = compiled.items[code].label.rsplit(",", 1)[0]
    return [
        MrcRow(labels[m], None, None, sides.get("left", ""), sides.get("right", ""))
        for m, sides in rows.items()
    ]


def mrc_grid_values(compiled: CompiledTemplate, answers: dict[str, Any]) -> list[MrcRow]:
    return [
        MrcRow(r.movement, answers.get(r.left_code), answers.get(r.right_code), r.left_code, r.right_code)
        for r in mrc_grid(compiled)
    ]


def form_layout(compiled: CompiledTemplate, form: Any) -> dict[str, Any]:
    """The assessment form's sections in template order, with the MRC items as one grid."""
    sections = []
    for section in compiled.document["sections"]:
        codes = [raw["code"] for raw in section["items"]]
        is_mrc = bool(codes) and all(compiled.items[c].type == "mrc" for c in codes)
        yes_no = sum(compiled.items[c].type == "bool" for c in codes)
        sections.append({
            "code": section["code"],
            "title": section["title"],
            "is_mrc": is_mrc,
            "fields": [] if is_mrc else [form[c] for c in codes],
            # Long runs of yes/no questions get an "answer the rest No" shortcut.
            "offers_rest_no": yes_no >= MIN_YES_NO_FOR_SHORTCUT,
        })
    grid = [
        {"movement": r.movement, "left": form[r.left_code], "right": form[r.right_code]}
        for r in mrc_grid(compiled)
    ]
    return {"sections": sections, "mrc_rows": grid}


def answer_sections(compiled: CompiledTemplate, answers: dict[str, Any], hidden: frozenset[str]) -> list[dict[str, Any]]:
    """History and exam answers by section; hidden items left out, unanswered as "not recorded".

    MRC items are shown as a grid, so they are left out of the rows here.
    """
    sections = []
    for section in compiled.document["sections"]:
        rows = []
        for raw in section["items"]:
            code = raw["code"]
            item = compiled.items[code]
            if code in hidden or item.type == "mrc":
                continue
            value = answers.get(code)
            rows.append(AnswerRow(code, item.label, item.value_text(value), value is not None))
        has_mrc = any(compiled.items[raw["code"]].type == "mrc" for raw in section["items"])
        sections.append({"code": section["code"], "title": section["title"], "rows": rows, "has_mrc": has_mrc})
    return sections


def grouped_output(output: dict[str, Any]) -> list[dict[str, Any]]:
    """The engine output (contract shape) in display order: red flags first, then the rest."""
    titles = {
        "red_flag": "Red flags",
        "referral": "Referral",
        "test": "Suggested workup",
        "pattern": "Patterns",
        "advice": "Advice",
    }
    order = ["red_flag", "referral", "test", "pattern", "advice"]
    assert set(order) == set(KINDS)
    return [
        {"kind": kind, "key": OUTPUT_KEYS[kind], "title": titles[kind], "items": output.get(OUTPUT_KEYS[kind], [])}
        for kind in order
    ]
