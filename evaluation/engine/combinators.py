"""The closures a compiled condition is made of: the evaluation context, atoms over the patient
context, and the three-valued combinators (all, any, grouped and renamed reasons)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .types import COMPARISONS, Outcome


@dataclass
class Context:
    answers: Mapping[str, Any]
    # Patient context (sex, age_years); a missing key is unknown.
    patient: Mapping[str, Any] = field(default_factory=dict)
    findings: dict[str, Outcome] = field(default_factory=dict)
    # Items hidden because their "shown when" is false: not asked, because they cannot apply
    # ("cramps daily" is false when there are no cramps). Hidden for want of an answer is unknown.
    not_applicable: set[str] = field(default_factory=set)


Evaluator = Callable[[Context], Outcome]


def known_context(context: Mapping[str, Any] | None) -> dict[str, Any]:
    """The context values that are known: "unknown" sex and missing values are left out."""
    return {key: value for key, value in (context or {}).items() if value not in (None, "", "unknown")}


def context_atom(cond: Mapping[str, Any]) -> Evaluator:
    name = cond["context"]
    op = next(key for key in cond if key != "context")
    expected = cond[op]
    describe = (lambda v: f"Sex: {v}") if name == "sex" else (lambda v: f"Age {v}")  # noqa: E731

    def evaluate(ctx: Context) -> Outcome:
        value = ctx.patient.get(name)
        if op == "present":
            # Like an item's "present": whether the context is known is itself always known.
            return ((value is not None) is expected), ()
        if value is None:
            return None, ()
        holds = value in expected if op == "in" else COMPARISONS[op](value, expected)
        return (True, (describe(value),)) if holds else (False, ())

    return evaluate


def shortest_first(reasons: Any) -> tuple[str, ...]:
    """Each reason once, shortest first: the quickest to read lead."""
    return tuple(sorted(dict.fromkeys(reasons), key=len))


def in_sentence(reason: str) -> str:
    """A reason continuing a sentence: lower-case first letter, unless it starts an abbreviation (MRC)."""
    return reason[0].lower() + reason[1:] if reason[1:2].islower() else reason


def grouped(inner: Evaluator, title: str) -> Evaluator:
    def evaluate(ctx: Context) -> Outcome:
        truth, why = inner(ctx)
        if truth is not True:
            return truth, ()
        return True, ((f"{title}: {', '.join(in_sentence(r) for r in shortest_first(why))}" if why else title),)

    return evaluate


def all_of(parts: list[Evaluator]) -> Evaluator:
    def evaluate(ctx: Context) -> Outcome:
        reasons: list[str] = []
        unknown = False
        for part in parts:
            truth, why = part(ctx)
            if truth is False:
                return False, ()
            if truth is None:
                unknown = True
            else:
                reasons.extend(why)
        return (None, ()) if unknown else (True, tuple(reasons))

    return evaluate


def renamed(inner: Evaluator, reason: str) -> Evaluator:
    def evaluate(ctx: Context) -> Outcome:
        truth, _ = inner(ctx)
        return truth, ((reason,) if truth is True else ())

    return evaluate


def any_of(parts: list[Evaluator]) -> Evaluator:
    def evaluate(ctx: Context) -> Outcome:
        reasons: list[str] = []
        found = False
        unknown = False
        for part in parts:
            truth, why = part(ctx)
            if truth is True:
                found = True
                reasons.extend(why)
            elif truth is None:
                unknown = True
        if found:
            return True, tuple(reasons)
        return (None, ()) if unknown else (False, ())

    return evaluate
