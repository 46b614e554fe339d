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

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .engine import Evaluation, Recommendation

ORDERED = "ordered"
DECLINED = "declined"
CHOICES = (ORDERED, DECLINED)
NO_DECISION = "no decision yet"
# The words for each choice by the kind of suggestion: a test is ordered, a referral is made. Display only:
# the stored choice is ORDERED or DECLINED for both.
WORDS = {
    "test": {ORDERED: gettext_lazy("ordered"), DECLINED: gettext_lazy("declined")},
    "referral": {ORDERED: gettext_lazy("referred"), DECLINED: gettext_lazy("not referred")},
}


def words_for(kind: str) -> dict[str, str]:
    """The words for ordered and declined on a suggestion of ``kind`` (a test's for any other kind)."""
    return WORDS.get(kind, WORDS["test"])


def kind_of_key(key: str) -> str:
    """``referral`` for ``referral:neurology_referral``."""
    return key.split(":", 1)[0]


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

    def fault(self, title: str, kind: str = "test") -> str | None:
        """What is wrong with this decision on ``title`` (of ``kind``), in words; None when it may be signed."""
        words = words_for(kind)
        if self.choice not in CHOICES:
            return _("Record %(ordered)s or %(declined)s for “%(title)s”.") % {
                "ordered": words[ORDERED], "declined": words[DECLINED], "title": title}
        if self.choice == DECLINED and not self.reason.strip():
            return _("Give a reason for declining “%(title)s”.") % {"title": title}
        return None

    def text(self, kind: str = "test") -> str:
        """As the summary and the report print it: "ordered" or "declined: reason" for a test,
        "referred" or "not referred: reason" for a referral."""
        words = words_for(kind)
        if self.choice == DECLINED:
            reason = self.reason.strip()
            return f"{words[DECLINED]}: {reason}" if reason else words[DECLINED]
        return str(words.get(self.choice, self.choice))

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
        """The decision on ``key`` in words for its kind ("referred" for a referral), or NO_DECISION."""
        decision = self.suggested.get(key)
        return decision.text(kind_of_key(key)) if decision is not None and decision.choice in CHOICES else _(NO_DECISION)

    def choice_for(self, key: str) -> str:
        """The stored choice on ``key`` (ORDERED or DECLINED), or NO_DECISION."""
        decision = self.suggested.get(key)
        return decision.choice if decision is not None and decision.choice in CHOICES else NO_DECISION

    def relevant_to(self, evaluation: Evaluation) -> Decisions:
        """Only decisions on what is still suggested: stale ones from earlier answers are dropped."""
        keys = {key_of(rec) for rec in evaluation.needing_decision()}
        return Decisions({k: v for k, v in self.suggested.items() if k in keys}, self.added)

    def problems(self, suggestions: Iterable[Recommendation]) -> list[str]:
        """Why these decisions cannot be signed: a suggestion without a decision, a decline without a reason."""
        problems = []
        for rec in suggestions:
            fault = self.suggested.get(key_of(rec), Decision("")).fault(rec.title, rec.kind)
            if fault:
                problems.append(fault)
        return problems

    def audit_detail(self) -> dict[str, Any]:
        """What the audit trail keeps of a decisions save: the choices, never the free-text reasons."""
        return {"decisions": {key: d.choice for key, d in self.suggested.items()}, "added": len(self.added)}
