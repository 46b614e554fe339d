"""Follow-up: what changed between the previous signed visit and this one.

Both visits are read from what their reports show (the signed snapshot, or a
draft's one evaluation), so the comparison never evaluates a visit again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..engine import CompiledTemplate
from ..layout import answer_text
from ..models import Assessment


@dataclass(frozen=True)
class Visit:
    """What a comparison needs of one visit."""

    answers: dict[str, Any]
    red_flags: dict[str, str]  # code -> title
    mrc_sum: int | None
    # Red flags that neither fired nor were ruled out: their answers were not recorded.
    undetermined_red_flags: frozenset[str] = frozenset()

    @classmethod
    def from_output(cls, answers: dict[str, Any], output: dict[str, Any]) -> Visit:
        """From engine output in the snapshot shape (``Evaluation.snapshot()``)."""
        return cls(
            answers=answers,
            red_flags={rec["code"]: rec["title"] for rec in output.get("red_flags", [])},
            mrc_sum=output.get("mrc_sum"),
            undetermined_red_flags=frozenset(code for kind, code in output.get("undetermined", [])
                                             if kind == "red_flag"),
        )


@dataclass(frozen=True)
class Change:
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class Comparison:
    new_red_flags: list[str] = field(default_factory=list)
    resolved_red_flags: list[str] = field(default_factory=list)
    # Present before, and their answers not recorded this time: neither resolved nor current.
    not_reassessed: list[str] = field(default_factory=list)
    mrc_before: int | None = None
    mrc_after: int | None = None
    weaker_muscles: list[Change] = field(default_factory=list)
    symptom_changes: list[Change] = field(default_factory=list)

    @property
    def mrc_change(self) -> int | None:
        if self.mrc_before is None or self.mrc_after is None:
            return None
        return self.mrc_after - self.mrc_before

    @property
    def strength_worse(self) -> bool:
        return bool(self.weaker_muscles) or (self.mrc_change is not None and self.mrc_change < 0)


@dataclass(frozen=True)
class FollowUp:
    previous: Assessment
    comparison: Comparison


def compare(compiled: CompiledTemplate, before: Visit, after: Visit) -> Comparison:
    """Compare two visits of the same patient; items are matched by code, and worded as ``compiled`` words
    them (the page's language; a red flag the template no longer has keeps the title it was signed with)."""
    unknown_now = after.undetermined_red_flags

    def title(code: str, signed_title: str) -> str:
        return compiled.rule_documents.get(("red_flag", code), {}).get("title") or signed_title

    return Comparison(
        new_red_flags=[title(code, t) for code, t in after.red_flags.items() if code not in before.red_flags],
        resolved_red_flags=[title(code, t) for code, t in before.red_flags.items()
                            if code not in after.red_flags and code not in unknown_now],
        not_reassessed=[title(code, t) for code, t in before.red_flags.items() if code in unknown_now],
        mrc_before=before.mrc_sum,
        mrc_after=after.mrc_sum,
        weaker_muscles=_weaker_muscles(compiled, before, after),
        symptom_changes=_symptom_changes(compiled, before, after),
    )


def _weaker_muscles(compiled: CompiledTemplate, before: Visit, after: Visit) -> list[Change]:
    weaker = []
    for code in (code for code, item in compiled.items.items() if item.type == "mrc"):
        old, new = before.answers.get(code), after.answers.get(code)
        if old is not None and new is not None and new < old:
            weaker.append(Change(compiled.items[code].label, f"{old}/5", f"{new}/5"))
    return weaker


def _symptom_changes(compiled: CompiledTemplate, before: Visit, after: Visit) -> list[Change]:
    changes = []
    compared = compiled.flagged_sections["compare_on_follow_up"]
    for code, item in compiled.items.items():
        if item.section not in compared or item.type == "mrc":
            continue
        old, new = before.answers.get(code), after.answers.get(code)
        if old != new:
            changes.append(Change(item.label, answer_text(item, old), answer_text(item, new)))
    return changes


def previous_visit(previous: Assessment) -> Visit:
    """The earlier visit as it was signed (never an amendment in progress)."""
    signature = previous.latest_signature
    if signature is not None:
        return Visit.from_output(signature.content["answers"], signature.content["output"])
    # Only a visit signed before follow-ups existed can lack a signature here.
    evaluation = previous.evaluate()
    return Visit.from_output(evaluation.answers, evaluation.snapshot())


def follow_up(assessment: Assessment, compiled: CompiledTemplate, current: Visit) -> FollowUp | None:
    """The comparison with the previous visit, when there is one of the same template."""
    previous = assessment.previous
    if previous is None or previous.version.template_id != assessment.version.template_id:
        return None
    return FollowUp(previous, compare(compiled, previous_visit(previous), current))
