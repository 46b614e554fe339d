"""Conditions in words, from the template's own labels (no database)."""

from __future__ import annotations

import pytest

from evaluation.authoring.describe import Vocabulary, describe, outline

DOCUMENT = {
    "sections": [{"code": "s", "title": "Symptoms", "items": [
        {"code": "rf_weakness", "type": "bool", "label": "Muscle weakness"},
        {"code": "exam_reflexes", "type": "choice", "label": "Tendon reflexes",
         "choices": [["normal", "Normal"], ["reduced", "Reduced or absent"], ["brisk", "Brisk"]]},
        {"code": "cramp_timing", "type": "multi", "label": "When they happen",
         "choices": [["at_night", "At night"], ["at_rest", "At rest"]]},
        {"code": "symptom_weeks", "type": "int", "label": "Weeks since the symptoms began"},
        {"code": "med_other", "type": "text", "label": "Other medicines"},
        {"code": "mrc_x", "type": "mrc", "label": "MRC grade"},
    ]}],
    "findings": [{"code": "any_red_flag", "title": "Any red flag"},
                 {"code": "objective_weakness", "title": "MRC grade below 5"}],
}
WORDS = Vocabulary.from_document(DOCUMENT)


@pytest.mark.parametrize("condition,text", [
    ({"all": [{"item": "rf_weakness", "is": True}, {"finding": "any_red_flag"}]},
     "Muscle weakness is Yes AND any red flag"),
    ({"item": "rf_weakness", "is": False}, "Muscle weakness is No"),
    ({"item": "exam_reflexes", "in": ["reduced", "brisk"]}, "Tendon reflexes is Reduced or absent or Brisk"),
    ({"item": "exam_reflexes", "in": ["normal", "reduced", "brisk"]}, "Tendon reflexes is Normal, Reduced or absent or Brisk"),
    ({"item": "cramp_timing", "includes": "at_night"}, "When they happen includes At night"),
    ({"item": "symptom_weeks", "gte": 12}, "Weeks since the symptoms began is at least 12"),
    ({"item": "mrc_x", "lt": 5}, "MRC grade is less than 5"),
    ({"item": "med_other", "present": True}, "Other medicines is answered"),
    ({"item": "med_other", "present": False}, "Other medicines is not answered"),
    ({"finding": "objective_weakness"}, "MRC grade below 5"),
    ({"not": {"finding": "any_red_flag"}}, "NOT any red flag"),
    ({"any": [{"item": "rf_weakness", "is": True},
              {"all": [{"item": "symptom_weeks", "gt": 4}, {"not": {"item": "rf_weakness", "is": True}}]}]},
     "Muscle weakness is Yes OR (Weeks since the symptoms began is more than 4 AND NOT Muscle weakness is Yes)"),
    ({"not": {"any": [{"finding": "any_red_flag"}, {"item": "rf_weakness", "is": True}]}},
     "NOT (any red flag OR Muscle weakness is Yes)"),
    ({"all": [{"item": "rf_weakness", "is": True}]}, "Muscle weakness is Yes"),
    ({"all": []}, "Always"),
    ({"any": []}, "Never"),
])
def test_it_reads_a_condition_with_the_templates_labels(condition, text):
    assert describe(condition, WORDS) == text


def test_it_reads_the_patient_context():
    condition = {"all": [{"context": "sex", "in": ["female", "unknown"]}, {"context": "age_years", "gte": 60}]}
    assert describe(condition, WORDS) == "Sex is Female or Unknown AND Age is at least 60 years"
    assert describe({"context": "age_years", "present": False}, WORDS) == "Age is not known"


def test_it_names_what_it_does_not_know_instead_of_failing():
    assert describe({"item": "ghost", "is": True}, WORDS) == "Unknown question “ghost” is Yes"
    assert describe({"finding": "ghost"}, WORDS) == "Unknown finding “ghost”"
    assert describe({"context": "postcode", "in": ["x"]}, WORDS) == "Unknown patient detail “postcode” is x"
    assert describe({"item": "rf_weakness", "matches": "x"}, WORDS).startswith("(not understood:")
    assert describe([1, 2], WORDS) == "(not understood: [1, 2])"


def test_it_says_always_when_there_is_no_condition():
    assert describe(None, WORDS) == "Always"


def test_it_reads_every_rule_and_finding_of_the_default_template(default_document):
    words = Vocabulary.from_document(default_document)
    texts = [describe(r["condition"], words) for r in default_document["rules"]]
    texts += [describe(f["condition"], words) for f in default_document["findings"]]
    assert not [t for t in texts if "not understood" in t or "nknown" in t]
    rule = next(r for r in default_document["rules"] if r["code"] == "benign_fasciculation_pattern")
    assert "NOT red flag or abnormal examination" in describe(rule["condition"], words)


def test_it_outlines_a_long_group_as_one_line_per_part():
    condition = {"any": [{"item": "rf_weakness", "is": True}, {"finding": "any_red_flag"},
                         {"all": [{"item": "symptom_weeks", "gte": 12}, {"item": "med_other", "present": True}]}]}
    assert outline(condition, WORDS) == ("Any of these", [
        "Muscle weakness is Yes", "Any red flag",
        "Weeks since the symptoms began is at least 12 AND Other medicines is answered"])
    short = {"all": [{"item": "rf_weakness", "is": True}, {"finding": "any_red_flag"}]}
    assert outline(short, WORDS) == ("", ["Muscle weakness is Yes AND any red flag"])
