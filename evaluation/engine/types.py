"""The engine's vocabulary: constants, errors, and the value types it hands out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

KINDS = ("red_flag", "test", "referral", "pattern", "advice")
OUTPUT_KEYS = {
    "red_flag": "red_flags",
    "test": "tests",
    "referral": "referrals",
    "pattern": "patterns",
    "advice": "advice",
}
PRIORITIES = ("routine", "urgent")
# The suggestions a clinician must order or decline before signing; they also carry a priority.
DECISION_KINDS = ("test", "referral")
ITEM_TYPES = ("bool", "choice", "multi", "int", "mrc", "text")
TEXT_MAX_LENGTH = 2000
MRC_MIN, MRC_MAX = 0, 5
COMPARISONS = {
    "gte": lambda a, b: a >= b,
    "gt": lambda a, b: a > b,
    "lte": lambda a, b: a <= b,
    "lt": lambda a, b: a < b,
}
ITEM_OPERATORS = ("is", "includes", "in", "present", *COMPARISONS)
OPERATOR_TYPES = {
    "is": ("bool",),
    "includes": ("multi",),
    "in": ("choice",),
    "present": ITEM_TYPES,
    **{op: ("int", "mrc") for op in COMPARISONS},
}
# The patient context a condition may read ({"context": "sex", "in": ["female"]}, {"context": "age_years", "gte": 60}).
# Missing context is unknown, like an unanswered item; "unknown" sex counts as missing.
SEX_VALUES = ("female", "male", "other")
CONTEXT_OPERATORS = {"sex": ("in", "present"), "age_years": ("present", *COMPARISONS)}
AGE_LIMITS = (0, 130)
CASE_EXPECT_KINDS = ("red_flags", "tests", "referrals", "patterns", "advice")
CASE_EXPECT_MODES = ("exactly", "includes", "excludes")
MAX_CONDITION_DEPTH = 32

# (truth, reasons): truth is True, False or None (unknown).
Outcome = tuple[bool | None, tuple[str, ...]]


class _Faults(ValueError):
    """A document that does not fit; ``errors`` lists every fault."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


class TemplateError(_Faults):
    """The template document is not valid; ``errors`` lists every fault."""


class AnswerError(_Faults):
    """The answers do not fit the template; ``errors`` lists every fault."""


# ---------------------------------------------------------------- items


@dataclass(frozen=True)
class ItemSpec:
    """One question of a template, as the engine sees it."""

    code: str
    type: str
    label: str
    section: str
    required: bool = False
    choices: tuple[tuple[str, str], ...] = ()
    min_value: int | None = None
    max_value: int | None = None
    shown_when: Any = None
    help_text: str = ""
    # Strength-grid place (row, column) of an MRC item, and whether it counts in the MRC sum.
    grid: tuple[str, str] | None = None
    in_sum: bool = True

    @classmethod
    def from_document(cls, raw: Mapping[str, Any], section: str) -> ItemSpec:
        """The item of a template document's section (``raw`` is one entry of its ``items``)."""
        return cls(
            code=raw["code"],
            type=raw["type"],
            label=raw["label"],
            section=section,
            required=bool(raw.get("required", False)),
            choices=tuple((c[0], c[1]) for c in raw.get("choices") or ()),
            min_value=raw.get("min"),
            max_value=raw.get("max"),
            shown_when=raw.get("shown_when"),
            help_text=raw.get("help_text") or "",
            grid=_grid_place(raw.get("grid")),
            in_sum=raw["type"] == "mrc" and not (isinstance(raw.get("grid"), Mapping) and raw["grid"].get("in_sum") is False),
        )

    @property
    def choice_labels(self) -> dict[str, str]:
        return dict(self.choices)

    def describe(self) -> str:
        return f'{self.code} ("{self.label}")'

    def value_text(self, value: Any) -> str:
        """The answer in words, as a reason or a printed summary shows it."""
        if value is None:
            return "not recorded"
        if self.type == "bool":
            return "yes" if value else "no"
        if self.type == "choice":
            return self.choice_labels.get(value, str(value))
        if self.type == "multi":
            return ", ".join(self.choice_labels.get(v, str(v)) for v in value) or "none"
        if self.type == "mrc":
            return f"{value}/5"
        return str(value)

    def reason(self, value: Any) -> str:
        if self.type == "bool" and value is True:
            return self.label
        if self.type == "mrc":
            return f"MRC {self.label.replace(',', '').lower()} {value}/5"
        return f"{self.label}: {self.value_text(value)}"


def _grid_place(grid: Any) -> tuple[str, str] | None:
    """(row, column) of a well-formed grid entry; a malformed one is reported by validation, not here."""
    if isinstance(grid, Mapping) and isinstance(grid.get("row"), str) and isinstance(grid.get("column"), str):
        return grid["row"], grid["column"]
    return None


# ---------------------------------------------------------------- results


@dataclass(frozen=True)
class Recommendation:
    code: str
    kind: str
    title: str
    priority: str | None
    reasons: tuple[str, ...]
    source: dict[str, str]
    detail: str = ""

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"code": self.code, "title": self.title}
        if self.priority:
            data["priority"] = self.priority
        data["reasons"] = list(self.reasons)
        data["source"] = dict(self.source)
        if self.detail:
            data["detail"] = self.detail
        return data


@dataclass(frozen=True)
class Evaluation:
    template: str
    recommendations: tuple[Recommendation, ...]
    findings: frozenset[str]
    hidden: frozenset[str]
    answers: dict[str, Any]
    mrc_sum: int | None
    mrc_max: int
    missing_required: tuple[str, ...]
    # Rules that neither fire nor are ruled out: their answers are missing.
    undetermined: frozenset[tuple[str, str]] = frozenset()

    def of_kind(self, kind: str) -> list[Recommendation]:
        return [r for r in self.recommendations if r.kind == kind]

    def codes(self, kind: str) -> list[str]:
        return [r.code for r in self.of_kind(kind)]

    def needing_decision(self) -> list[Recommendation]:
        return [r for r in self.recommendations if r.kind in DECISION_KINDS]

    def get(self, kind: str, code: str) -> Recommendation | None:
        return next((r for r in self.recommendations if r.kind == kind and r.code == code), None)

    def as_dict(self) -> dict[str, Any]:
        """The shape of the ``suggest_workup`` contract."""
        data: dict[str, Any] = {"template": self.template}
        for kind, key in OUTPUT_KEYS.items():
            data[key] = [r.as_dict() for r in self.of_kind(kind)]
        return data

    def snapshot(self) -> dict[str, Any]:
        """The engine output as stored at signing and shown on reports: the suggest_workup contract
        plus mrc_sum, the true findings and the rules left undetermined by missing answers."""
        data = self.as_dict()
        data["mrc_sum"] = self.mrc_sum
        data["findings"] = sorted(self.findings)
        data["undetermined"] = sorted([kind, code] for kind, code in self.undetermined)
        return data
