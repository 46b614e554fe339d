"""Follow-up: what changed between an earlier visit and this one. Pure functions."""

from __future__ import annotations

from dataclasses import dataclass, field

from .rules import CompiledTemplate, Evaluation

COMPARED_SECTIONS = ("symptoms", "red_flags")


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


def compare(compiled: CompiledTemplate, before: Evaluation, after: Evaluation) -> Comparison:
    """Compare two evaluations of the same patient; items are matched by code."""
    flags_before = {r.code: r.title for r in before.of_kind("red_flag")}
    flags_after = {r.code: r.title for r in after.of_kind("red_flag")}
    unknown_now = {code for kind, code in after.undetermined if kind == "red_flag"}
    weaker = []
    for code in compiled.mrc_codes:
        old, new = before.answers.get(code), after.answers.get(code)
        if old is not None and new is not None and new < old:
            item = compiled.items[code]
            weaker.append(Change(item.label, f"{old}/5", f"{new}/5"))
    changes = []
    for code, item in compiled.items.items():
        if item.section not in COMPARED_SECTIONS:
            continue
        old, new = before.answers.get(code), after.answers.get(code)
        if old != new:
            changes.append(Change(item.label, item.value_text(old), item.value_text(new)))
    return Comparison(
        new_red_flags=[title for code, title in flags_after.items() if code not in flags_before],
        resolved_red_flags=[title for code, title in flags_before.items()
                            if code not in flags_after and code not in unknown_now],
        not_reassessed=[title for code, title in flags_before.items() if code in unknown_now],
        mrc_before=before.mrc_sum,
        mrc_after=after.mrc_sum,
        weaker_muscles=weaker,
        symptom_changes=changes,
    )
