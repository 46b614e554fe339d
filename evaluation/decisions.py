"""The clinician's decisions on an assessment's suggestions, as one typed value.

Stored (and signed) as JSON of this shape, which never changes because signed
content hashes depend on it::

    {"suggested": {"test:emg": {"decision": "ordered"},
                   "referral:neurology_referral": {"decision": "declined", "reason": "..."}},
     "added": [{"title": "Creatine kinase", "reason": "..."}]}

This module is the one place that builds the keys, parses and writes that
shape, and knows that a decline needs a reason. Pure Python: forms, services,
reports, the demo clinic and the tests all go through it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .engine import Evaluation, Recommendation

ORDERED = "ordered"
DECLINED = "declined"
CHOICES = (ORDERED, DECLINED)
NO_DECISION = "no decision yet"


def decision_key(kind: str, code: str) -> str:
    """``test:emg``: a suggestion's key, unique within an assessment."""
    return f"{kind}:{code}"


def key_of(recommendation: Recommendation | Mapping[str, Any], kind: str | None = None) -> str:
    """The key of an engine recommendation, or of a stored one (a dict, whose kind is its group's)."""
    if isinstance(recommendation, Recommendation):
        return decision_key(recommendation.kind, recommendation.code)
    return decision_key(kind or "", recommendation["code"])


@dataclass(frozen=True)
class Decision:
    choice: str
    reason: str = ""

    def fault(self, title: str) -> str | None:
        """What is wrong with this decision on ``title``, in words; None when it may be signed."""
        if self.choice not in CHOICES:
            return f"Record ordered or declined for “{title}”."
        if self.choice == DECLINED and not self.reason.strip():
            return f"Give a reason for declining “{title}”."
        return None

    def text(self) -> str:
        """"ordered", or "declined: reason", as the summary and the report print it."""
        if self.choice == DECLINED:
            reason = self.reason.strip()
            return f"{DECLINED}: {reason}" if reason else DECLINED
        return self.choice

    def to_json(self) -> dict[str, str]:
        data = {"decision": self.choice}
        if self.choice == DECLINED and self.reason.strip():
            data["reason"] = self.reason.strip()
        return data


@dataclass(frozen=True)
class AddedTest:
    """A test the clinician ordered that was not suggested, with why."""

    title: str
    reason: str = ""

    def to_json(self) -> dict[str, str]:
        return {"title": self.title, "reason": self.reason}


@dataclass(frozen=True)
class Decisions:
    suggested: Mapping[str, Decision] = field(default_factory=dict)
    added: tuple[AddedTest, ...] = ()

    @classmethod
    def from_json(cls, data: Any) -> Decisions:
        """Read the stored shape; anything malformed reads as "no decision" rather than failing."""
        data = data if isinstance(data, Mapping) else {}
        suggested = data.get("suggested") if isinstance(data.get("suggested"), Mapping) else {}
        added = data.get("added") if isinstance(data.get("added"), list) else []
        return cls(
            suggested={
                str(key): Decision(str(value.get("decision", "")), str(value.get("reason", "")))
                for key, value in suggested.items() if isinstance(value, Mapping)
            },
            added=tuple(
                AddedTest(str(row.get("title", "")), str(row.get("reason", "")))
                for row in added if isinstance(row, Mapping) and row.get("title")
            ),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "suggested": {key: decision.to_json() for key, decision in self.suggested.items()},
            "added": [test.to_json() for test in self.added],
        }

    @classmethod
    def ordering_everything(cls, evaluation: Evaluation) -> Decisions:
        """Every suggested test and referral ordered (the demo clinic and tests use this)."""
        return cls(suggested={key_of(rec): Decision(ORDERED) for rec in evaluation.needing_decision()})

    def get(self, key: str) -> Decision | None:
        return self.suggested.get(key)

    def text_for(self, key: str) -> str:
        decision = self.suggested.get(key)
        return decision.text() if decision is not None and decision.choice in CHOICES else NO_DECISION

    def relevant_to(self, evaluation: Evaluation) -> Decisions:
        """Only decisions on what is still suggested: stale ones from earlier answers are dropped."""
        keys = {key_of(rec) for rec in evaluation.needing_decision()}
        return Decisions({k: v for k, v in self.suggested.items() if k in keys}, self.added)

    def problems(self, suggestions: Iterable[Recommendation]) -> list[str]:
        """Why these decisions cannot be signed: a suggestion without a decision, a decline without a reason."""
        problems = []
        for rec in suggestions:
            fault = self.suggested.get(key_of(rec), Decision("")).fault(rec.title)
            if fault:
                problems.append(fault)
        return problems

    def audit_detail(self) -> dict[str, Any]:
        """What the audit trail keeps of a decisions save: the choices, never the free-text reasons."""
        return {"decisions": {key: d.choice for key, d in self.suggested.items()}, "added": len(self.added)}
