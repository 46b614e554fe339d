"""Test cases run by title, the source document's passages, and renaming codes (no database)."""

from __future__ import annotations

import copy

from evaluation.authoring import references
from evaluation.authoring.results import run_cases_by_title
from evaluation.authoring.source import parse_source, quote_fault, source_document


def test_it_passes_every_case_of_the_default_template(default_document):
    report = run_cases_by_title(default_document)
    assert report.all_pass and report.passed == len(default_document["cases"]) and report.failed == 0


def test_it_names_expected_and_actual_suggestions_by_title(default_document):
    document = copy.deepcopy(default_document)
    case = document["cases"][0]
    case["expect"]["patterns"] = {"exactly": []}
    case["expect"]["tests"] = {"includes": ["emg"]}
    case["expect"]["advice"] = {"excludes": ["reassurance"]}
    report = run_cases_by_title(document)
    result = report.of(case["name"])
    assert not result.passed and report.failed == 1 and not report.all_pass
    assert [(m.what, m.expected, m.actual) for m in result.mismatches] == [
        ("Tests", "at least Electromyography (EMG)", "none"),
        ("Patterns", "exactly none", "Pattern consistent with benign fasciculation syndrome"),
        ("Advice", "none of Reassure: most fasciculations and cramps are benign",
         "Reassure: most fasciculations and cramps are benign; Reduce caffeine; "
         "Discuss triggers: stress, anxiety, fatigue and sleep; "
         "Come back if weakness, numbness, wasting, worsening symptoms or persistent pain appear"),
    ]
    assert not any("_" in m.expected + m.actual for m in result.mismatches)  # titles, never codes


def test_it_names_priorities_by_title(default_document):
    document = copy.deepcopy(default_document)
    case = next(c for c in document["cases"] if "priorities" in c["expect"])
    case["expect"]["priorities"] = {"emg": "routine"}
    case["expect"]["referral_priority"] = "routine"
    result = run_cases_by_title(document).of(case["name"])
    assert ("Priority of Electromyography (EMG)", "routine", "urgent") in [
        (m.what, m.expected, m.actual) for m in result.mismatches]
    assert ("Referral priority", "routine", "urgent") in [(m.what, m.expected, m.actual) for m in result.mismatches]


def test_it_reports_a_broken_template_instead_of_running_its_cases(default_document):
    document = copy.deepcopy(default_document)
    document["rules"][0]["condition"] = {"item": "ghost", "is": True}
    report = run_cases_by_title(document)
    assert report.results == () and any("ghost" in p for p in report.problems) and not report.all_pass


def test_it_reads_the_source_document_as_sections_of_passages():
    document = source_document()
    assert document.title.startswith("Understanding Fasciculations and Cramps")
    section = document.section("When should you consider seeing a specialist?")
    assert "Muscle weakness." in section.passages
    assert len(document.sections) == 6


def test_it_accepts_every_passage_the_default_template_cites(default_document):
    document = source_document()
    for rule in default_document["rules"]:
        for passage in [rule["source"], *rule["source"].get("also", [])]:
            assert quote_fault(document, passage["section"], passage["quote"]) is None, rule["code"]


def test_it_refuses_a_quote_that_is_not_in_its_section():
    document = parse_source("Title\nFirst?\nOne sentence here. Another one.\n- A list entry.\nSecond?\nElse.")
    assert quote_fault(document, "First?", "one  sentence HERE. … A list entry.") is None
    assert "is not in the section" in quote_fault(document, "First?", "Else.")
    assert "not a section" in quote_fault(document, "Third?", "Else.")


def test_it_renames_an_item_everywhere_in_a_condition():
    condition = {"all": [{"item": "a", "is": True}, {"not": {"any": [{"item": "a", "gte": 2}, {"finding": "a"}]}}]}
    renamed = references.rename_item_in_condition(condition, "a", "b")
    assert renamed == {"all": [{"item": "b", "is": True}, {"not": {"any": [{"item": "b", "gte": 2}, {"finding": "a"}]}}]}
    assert condition["all"][0]["item"] == "a"  # the input is left as it was
    assert references.items_named(renamed) == {"b"}
    assert references.rename_item_in_condition(None, "a", "b") is None


def test_it_renames_or_drops_a_rule_in_expectations():
    expect = {"tests": {"exactly": ["emg", "ncv"]}, "priorities": {"emg": "urgent"}, "advice": {"includes": ["emg"]}}
    assert references.rename_rule_in_expect(expect, "test", "emg", "emg2") == {
        "tests": {"exactly": ["emg2", "ncv"]}, "priorities": {"emg2": "urgent"}, "advice": {"includes": ["emg"]}}
    assert references.rename_rule_in_expect(expect, "test", "emg", None) == {
        "tests": {"exactly": ["ncv"]}, "priorities": {}, "advice": {"includes": ["emg"]}}
