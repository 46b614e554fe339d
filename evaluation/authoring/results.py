"""A draft's test cases run, each with its result and, on failure, expected against actual by title.

Pure: a template document in, a ``CaseReport`` out. Whether a case passes is
the engine's test-case runner's verdict (``engine.run_case``, the same one
publishing uses); this module only says *what* differs in the words of the
suggestions' titles, never their codes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from .. import engine

EXPECT_NAMES = {"red_flags": gettext_lazy("Red flags"), "tests": gettext_lazy("Tests"),
                "referrals": gettext_lazy("Referral"), "patterns": gettext_lazy("Patterns"),
                "advice": gettext_lazy("Advice")}
KIND_OF = {key: kind for kind, key in engine.OUTPUT_KEYS.items()}
MODE_WORDS = {"exactly": gettext_lazy("exactly %(suggestions)s"), "includes": gettext_lazy("at least %(suggestions)s"),
              "excludes": gettext_lazy("none of %(suggestions)s")}
# The code of "no referral" in a case's expectations, and as the engine's priority when nothing is suggested.
NONE = "none"
# Priorities are codes in the expectations; they are shown in words.
PRIORITY_WORDS = {"urgent": pgettext_lazy("priority", "urgent"), "routine": pgettext_lazy("priority", "routine"),
                  NONE: pgettext_lazy("no suggestion", "none")}


@dataclass(frozen=True)
class Mismatch:
    """One expectation that did not hold: what was expected, what the engine suggested."""

    what: str
    expected: str
    actual: str


@dataclass(frozen=True)
class CaseResult:
    name: str
    passed: bool
    mismatches: tuple[Mismatch, ...] = ()


@dataclass(frozen=True)
class CaseReport:
    results: tuple[CaseResult, ...] = ()
    # Faults in the template itself, which stop the cases from running at all.
    problems: tuple[str, ...] = ()

    @property
    def passed(self) -> int:
        return sum(r.passed for r in self.results)

    @property
    def failed(self) -> int:
        return len(self.results) - self.passed

    @property
    def all_pass(self) -> bool:
        return not self.problems and bool(self.results) and self.failed == 0

    def of(self, name: str) -> CaseResult | None:
        return next((r for r in self.results if r.name == name), None)


def run_cases_by_title(document: Mapping[str, Any]) -> CaseReport:
    """Every test case of ``document`` run, in document order."""
    problems = engine.validate_template(document)
    if problems:
        return CaseReport(problems=tuple(problems))
    compiled = engine.compile_template(document)
    titles = {(raw["kind"], raw["code"]): raw["title"] for raw in document["rules"]}
    results = []
    for case in document.get("cases") or ():
        failures = engine.run_case(compiled, case)
        mismatches = _mismatches(compiled.evaluate(case.get("answers", {})), case.get("expect", {}), titles)
        if failures and not mismatches:
            mismatches = tuple(Mismatch(_("Expectation"), failure, "") for failure in failures)
        results.append(CaseResult(case["name"], not failures, mismatches if failures else ()))
    return CaseReport(tuple(results))


def _mismatches(result: engine.Evaluation, expect: Mapping[str, Any], titles: Mapping[tuple[str, str], str]) -> tuple[Mismatch, ...]:
    found: list[Mismatch] = []
    for key, spec in expect.items():
        if key == "referral_priority":
            referrals = result.of_kind("referral")
            actual = referrals[0].priority if referrals else NONE
            if actual != spec:
                found.append(Mismatch(_("Referral priority"), _priority_words(spec), _priority_words(actual or NONE)))
        elif key == "priorities" and isinstance(spec, Mapping):
            found += _priority_mismatches(result, spec, titles)
        elif key in KIND_OF and isinstance(spec, Mapping):
            found += _list_mismatches(key, spec, result, titles)
    return tuple(found)


def _priority_mismatches(result: engine.Evaluation, spec: Mapping[str, str], titles: Mapping[tuple[str, str], str]) -> list[Mismatch]:
    found = []
    for code, priority in spec.items():
        rec = next((r for r in result.needing_decision() if r.code == code), None)
        actual = rec.priority if rec else None
        if actual != priority:
            title = titles.get(("test", code)) or titles.get(("referral", code)) or code
            shown = _priority_words(actual or NONE) if rec else _("not suggested")
            found.append(Mismatch(_("Priority of %(title)s") % {"title": title}, _priority_words(priority), shown))
    return found


def _priority_words(code: Any) -> str:
    return str(PRIORITY_WORDS.get(code, code))


def _list_mismatches(key: str, spec: Mapping[str, Any], result: engine.Evaluation,
                     titles: Mapping[tuple[str, str], str]) -> list[Mismatch]:
    kind = KIND_OF[key]
    actual_codes = result.codes(kind)
    actual = _titles(actual_codes, kind, titles)
    found = []
    for mode, codes in spec.items():
        codes = [c for c in codes if isinstance(c, str)] if isinstance(codes, list) else []
        holds = {
            "exactly": sorted(codes) == sorted(actual_codes),
            "includes": all(c in actual_codes for c in codes),
            "excludes": not any(c in actual_codes for c in codes),
        }.get(mode, True)
        if not holds:
            expected = _titles(codes, kind, titles)
            found.append(Mismatch(str(EXPECT_NAMES[key]), str(MODE_WORDS[mode]) % {"suggestions": expected}, actual))
    return found


def _titles(codes: list[str], kind: str, titles: Mapping[tuple[str, str], str]) -> str:
    return "; ".join(titles.get((kind, code), code) for code in codes) or _priority_words(NONE)
