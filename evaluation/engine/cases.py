"""The test-case runner: a template's own cases, each answers in and expectations out."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .compiler import CompiledTemplate
from .types import OUTPUT_KEYS


def run_case(compiled: CompiledTemplate, case: Mapping[str, Any]) -> list[str]:
    """Which expectations of one test case fail, in words; empty when it passes."""
    result = compiled.evaluate(case.get("answers", {}), case.get("context"))
    got = {key: result.codes(kind) for kind, key in OUTPUT_KEYS.items()}
    failures = []
    for key, spec in case.get("expect", {}).items():
        if key == "referral_priority":
            referrals = result.of_kind("referral")
            actual = referrals[0].priority if referrals else "none"
            if actual != spec:
                failures.append(f"referral priority: expected {spec}, got {actual}")
            continue
        if key == "priorities":
            for code, priority in spec.items():
                rec = next((r for r in result.needing_decision() if r.code == code), None)
                actual = rec.priority if rec else "not suggested"
                if actual != priority:
                    failures.append(f"{code} priority: expected {priority}, got {actual}")
            continue
        for mode, codes in spec.items():
            failures.extend(_compare(key, mode, codes, got[key]))
    return failures


def _compare(key: str, mode: str, expected: list[str], actual: list[str]) -> list[str]:
    if mode == "exactly" and sorted(expected) != sorted(actual):
        return [f"{key}: expected exactly [{', '.join(expected)}], got [{', '.join(actual)}]"]
    if mode == "includes":
        missing = [c for c in expected if c not in actual]
        if missing:
            return [f"{key}: expected to include {', '.join(missing)}, got [{', '.join(actual)}]"]
    if mode == "excludes":
        present = [c for c in expected if c in actual]
        if present:
            return [f"{key}: expected not to include {', '.join(present)}"]
    return []


def run_cases(compiled: CompiledTemplate) -> dict[str, list[str]]:
    """Failures per case name, only for the cases that fail."""
    report = {}
    for case in compiled.document.get("cases", []):
        failures = run_case(compiled, case)
        if failures:
            report[case["name"]] = failures
    return report
