"""How a template version lays out on screen and paper: form sections, the MRC grid, answer rows, suggestion groups."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext, pgettext_lazy

from .engine import KINDS, OUTPUT_KEYS, CompiledTemplate

MIN_YES_NO_FOR_SHORTCUT = 5
NOT_RECORDED = _("not recorded")
# How a section's "no" answers are introduced: denied in the history, not found on examination.
DENIED = _("Denied")
FOUND_ABSENT = _("Not found")
# The engine's own words in reasons and answers (the engine is language-neutral: it words them in English).
URGENT_PREFIX = "Urgent: "
ENGINE_WORDS = {"Applies to every assessment": _("Applies to every assessment")}
ANSWER_WORDS = {"yes": _("yes"), "no": _("no"), "none": pgettext_lazy("no choice ticked", "none"),
                "not recorded": NOT_RECORDED}
# A bracketed explanation of three or more words at the end of a label.
LONG_BRACKET = re.compile(r"\s*\((?:[^()\s]+\s+){2,}[^()]*\)\s*$")


@dataclass(frozen=True)
class AnswerRow:
    code: str
    label: str
    text: str
    recorded: bool
    free_text: bool = False  # typed text, printed across the page rather than in a column


@dataclass(frozen=True)
class AnswerSection:
    code: str
    title: str
    rows: tuple[AnswerRow, ...]  # answers that say something: yes, a value, free text
    negatives: tuple[str, ...]  # short labels of the yes/no questions answered no
    not_recorded: tuple[str, ...]  # short labels of the questions left unanswered
    negative_label: str  # DENIED or FOUND_ABSENT
    has_mrc: bool
    mrc_graded: bool = False  # any movement of the section's strength grid graded

    @property
    def short_rows(self) -> tuple[AnswerRow, ...]:
        return tuple(row for row in self.rows if not row.free_text)

    @property
    def text_rows(self) -> tuple[AnswerRow, ...]:
        return tuple(row for row in self.rows if row.free_text)

    @property
    def is_empty(self) -> bool:
        return not (self.has_mrc or self.rows or self.negatives or self.not_recorded)


@dataclass(frozen=True)
class GridCell:
    code: str  # "" where the template has no item for this row and column
    value: Any = None


@dataclass(frozen=True)
class MrcRow:
    movement: str
    cells: tuple[GridCell, ...]
    # False for movements graded but left out of the MRC sum score.
    in_sum: bool = True


@dataclass(frozen=True)
class MrcGrid:
    columns: tuple[str, ...]
    rows: tuple[MrcRow, ...]

    @property
    def has_extra_movements(self) -> bool:
        return any(not row.in_sum for row in self.rows)

    def __iter__(self) -> Any:
        return iter(self.rows)


def mrc_grid(compiled: CompiledTemplate, answers: dict[str, Any] | None = None) -> MrcGrid:
    """The items placed in the strength grid, as rows and columns in template order (with answers when given)."""
    places: dict[str, dict[str, str]] = {}
    columns: list[str] = []
    for code, item in compiled.items.items():
        if item.grid is None:
            continue
        row, column = item.grid
        places.setdefault(row, {})[column] = code
        if column not in columns:
            columns.append(column)
    answers = answers or {}
    rows = tuple(
        MrcRow(row, tuple(GridCell(by_column.get(c, ""), answers.get(by_column.get(c, ""))) for c in columns),
               in_sum=all(compiled.items[code].in_sum for code in by_column.values()))
        for row, by_column in places.items()
    )
    return MrcGrid(tuple(columns), rows)


def mrc_grid_values(compiled: CompiledTemplate, answers: dict[str, Any]) -> MrcGrid:
    return mrc_grid(compiled, answers)


def form_layout(compiled: CompiledTemplate, form: Any) -> dict[str, Any]:
    """The assessment form's sections in template order, with the MRC items as one grid."""
    sections = []
    for section in compiled.document["sections"]:
        codes = [raw["code"] for raw in section["items"] if compiled.items[raw["code"]].grid is None]
        is_mrc = any(compiled.items[raw["code"]].grid is not None for raw in section["items"])
        yes_no = sum(compiled.items[c].type == "bool" for c in codes)
        sections.append({
            "code": section["code"],
            "title": section["title"],
            "is_mrc": is_mrc,
            "fields": [form[c] for c in codes],
            # Long runs of yes/no questions get an "answer the rest No" shortcut.
            "offers_rest_no": yes_no >= MIN_YES_NO_FOR_SHORTCUT,
        })
    grid = mrc_grid(compiled)
    rows = [
        {"movement": r.movement, "in_sum": r.in_sum, "fields": [form[c.code] if c.code else None for c in r.cells]}
        for r in grid.rows
    ]
    return {"sections": sections, "mrc_rows": rows, "mrc_columns": grid.columns,
            "mrc_extra_movements": grid.has_extra_movements}


def answer_sections(compiled: CompiledTemplate, answers: dict[str, Any], hidden: frozenset[str]) -> list[AnswerSection]:
    """History and exam answers by section, for the screen summary and the summary PDF.

    Each section keeps what says something (positives, values, free text) as rows
    and folds the rest into one line each: the yes/no questions answered no
    ("Denied: …") and the questions left unanswered ("Not recorded: …"). Hidden
    items are left out; MRC items are shown as a grid, so they are left out too.
    """
    return [_answer_section(compiled, section, answers, hidden) for section in compiled.document["sections"]]


def _answer_section(compiled: CompiledTemplate, section: dict[str, Any], answers: dict[str, Any],
                    hidden: frozenset[str]) -> AnswerSection:
    rows: list[AnswerRow] = []
    negatives: list[str] = []
    not_recorded: list[str] = []
    codes = [raw["code"] for raw in section["items"]]
    for code in codes:
        item = compiled.items[code]
        if code in hidden or item.grid is not None:
            continue
        value = answers.get(code)
        if value is None:
            # Free text left empty is nothing to add, not a question left unanswered.
            if item.type != "text":
                not_recorded.append(short_label(item.label))
        elif item.type == "bool" and value is False:
            negatives.append(short_label(item.label))
        else:
            rows.append(AnswerRow(code, short_label(item.label), answer_text(item, value), True, item.type == "text"))
    return AnswerSection(
        code=section["code"], title=section["title"], rows=tuple(rows),
        negatives=tuple(negatives), not_recorded=tuple(not_recorded),
        negative_label=FOUND_ABSENT if _is_examination(section) else DENIED,
        has_mrc=any(compiled.items[code].grid is not None for code in codes),
        mrc_graded=any(compiled.items[code].grid is not None and answers.get(code) is not None for code in codes),
    )


def _is_examination(section: dict[str, Any]) -> bool:
    """An examination section: its negatives were looked for and not found, rather than denied by the patient."""
    return any(str(section.get(key, "")).lower().startswith("exam") for key in ("code", "title"))


def short_label(label: str) -> str:
    """A label without a bracketed explanation of several words: "Cramps (sudden, painful …)" is "Cramps".

    A short bracket that names the finding stays: "Change in muscle size (wasting)".
    """
    match = LONG_BRACKET.search(label)
    return label[:match.start()].rstrip() if match and match.start() > 0 else label


def _priority_rank(rec: dict[str, Any]) -> int:
    return 0 if rec.get("priority") == "urgent" else 1


def answer_text(item: Any, value: Any) -> str:
    """An answer in words in the active language (the engine's value_text says yes and no in English)."""
    text = item.value_text(value)
    return str(ANSWER_WORDS.get(text, text)) if item.type in ("bool", "multi") or value is None else text


def reason_text(reason: str) -> str:
    """A reason of a live evaluation with the engine's own words in the active language."""
    if reason.startswith(URGENT_PREFIX):
        urgent = pgettext("reason", "Urgent:")
        return f"{urgent} {reason[len(URGENT_PREFIX):]}"
    if reason.endswith((": yes", ": no")):
        label, _colon, answer = reason.rpartition(": ")
        return f"{label}: {ANSWER_WORDS[answer]}"
    return str(ENGINE_WORDS.get(reason, reason))


def with_reasons_in_language(output: dict[str, Any]) -> dict[str, Any]:
    """A live (unsigned) output with its reasons worded in the active language; a signed one stays as signed."""
    return {key: [{**rec, "reasons": [reason_text(r) for r in rec.get("reasons", [])]} for rec in value]
            if key in OUTPUT_KEYS.values() else value for key, value in output.items()}


def grouped_output(output: dict[str, Any]) -> list[dict[str, Any]]:
    """The engine output (contract shape) in display order: red flags first, then referral, tests and the rest;
    within a group, urgent suggestions first (otherwise in template order)."""
    titles = {
        "red_flag": _("Red flags"),
        "referral": _("Referral"),
        "test": _("Suggested workup"),
        "pattern": _("Patterns"),
        "advice": _("Advice"),
    }
    order = ["red_flag", "referral", "test", "pattern", "advice"]
    assert set(order) == set(KINDS)
    return [
        {"kind": kind, "key": OUTPUT_KEYS[kind], "title": titles[kind],
         "items": sorted(output.get(OUTPUT_KEYS[kind], []), key=_priority_rank)}
        for kind in order
    ]
