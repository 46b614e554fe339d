"""The test-case runner: which expectations of a template's own cases fail, in words. No database."""

from __future__ import annotations

import copy

import pytest

from evaluation import engine

from .helpers import COMPILED, DOCUMENT, case


def test_it_reports_a_failing_case_with_the_expectation_that_failed():
    document = copy.deepcopy(DOCUMENT)
    document["cases"][1]["expect"]["tests"] = {"exactly": ["electrolytes", "emg"]}
    report = engine.run_cases(engine.CompiledTemplate(document))
    assert report == {
        document["cases"][1]["name"]: ["tests: expected exactly [electrolytes, emg], got [electrolytes]"]
    }


def test_it_passes_a_case_whose_expectations_hold():
    assert engine.run_case(COMPILED, case("Worked example 4")) == []


@pytest.mark.parametrize("expect,failures", [
    ({"tests": {"includes": ["emg", "ncv"]}}, ["tests: expected to include emg, ncv, got [electrolytes]"]),
    ({"tests": {"excludes": ["electrolytes"]}}, ["tests: expected not to include electrolytes"]),
    ({"tests": {"exactly": ["electrolytes"], "excludes": ["emg"]}}, []),
    ({"referral_priority": "urgent"}, ["referral priority: expected urgent, got none"]),
    ({"referral_priority": "none"}, []),
    ({"priorities": {"electrolytes": "urgent"}}, ["electrolytes priority: expected urgent, got routine"]),
    ({"priorities": {"emg": "routine"}}, ["emg priority: expected routine, got not suggested"]),
])
def test_it_compares_each_kind_of_expectation(expect, failures):
    worked_example_2 = {**case("Worked example 2"), "expect": expect}
    assert engine.run_case(COMPILED, worked_example_2) == failures


def test_it_reports_only_the_cases_that_fail():
    document = copy.deepcopy(DOCUMENT)
    document["cases"][0]["expect"] = {"referral_priority": "urgent"}
    report = engine.run_cases(engine.CompiledTemplate(document))
    assert list(report) == [document["cases"][0]["name"]]
