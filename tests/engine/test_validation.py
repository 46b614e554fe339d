"""Answer and template validation: each fault named, in words. No database."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from evaluation import engine

from .helpers import COMPILED, DOCUMENT, broken, rule

# ---------------------------------------------------------------- answer validation


@pytest.mark.parametrize("answers,message", [
    ({"nonsense": True}, "nonsense: unknown item code"),
    ({"cramps": "yes"}, 'cramps ("Cramps (sudden, painful contraction of a whole muscle)"): expected true, false or null'),
    ({"symptom_weeks": 2601}, 'symptom_weeks ("Weeks since the symptoms began"): 2601 is out of range 0–2600'),
    ({"symptom_weeks": -1}, "out of range"),
    ({"symptom_weeks": 3.5}, "expected a whole number"),
    ({"symptom_weeks": True}, "expected a whole number"),
    ({"mrc_hip_flexion_left": 6}, 'mrc_hip_flexion_left ("Hip flexion, left"): 6 is out of range 0–5'),
    ({"exam_reflexes": "hyper"}, "exam_reflexes (\"Tendon reflexes\"): 'hyper' is not one of normal, reduced_or_absent, brisk"),
    ({"exam_reflexes": 3}, "expected one of"),
    ({"cramp_timing": "at_night"}, "expected a list of codes"),
    ({"cramp_timing": ["at_noon"]}, "'at_noon' not among"),
    ({"cramp_timing": ["at_night", "at_night"]}, "lists a choice twice"),
    ({"exam_notes": 42}, "expected text"),
    ({"exam_notes": "x" * 2001}, "longer than 2000 characters"),
])
def test_it_reports_each_kind_of_bad_answer_with_code_and_label(answers, message):
    errors = engine.validate_answers(COMPILED.items, answers)
    assert len(errors) == 1
    assert message in errors[0]


def test_it_reports_every_bad_answer_at_once():
    errors = engine.validate_answers(COMPILED.items, {"a": 1, "cramps": 2, "symptom_weeks": "many"})
    assert len(errors) == 3


def test_it_accepts_null_for_any_item():
    assert engine.validate_answers(COMPILED.items, {code: None for code in COMPILED.items}) == []


def test_it_refuses_answers_that_are_not_an_object():
    assert engine.validate_answers(COMPILED.items, ["cramps"]) == ["answers must be a JSON object keyed by item code"]


# ---------------------------------------------------------------- template validation


def test_it_accepts_the_default_template():
    assert engine.validate_template(DOCUMENT) == []


@pytest.mark.parametrize("mutate,fault", [
    (lambda d: d["rules"].append({**rule(d, "emg"), "condition": {"item": "nope", "is": True}}),
     "refers to unknown item 'nope'"),
    (lambda d: rule(d, "emg").update(condition={"item": "cramps", "equals": True}),
     "rule emg: item 'cramps': unknown operator equals"),
    (lambda d: rule(d, "emg").update(condition={"xor": []}), "rule emg: unknown operator"),
    (lambda d: rule(d, "emg").update(condition={"item": "cramps", "gte": 1}),
     "operator 'gte' does not apply to bool item cramps"),
    (lambda d: rule(d, "emg").update(condition={"item": "exam_reflexes", "in": ["loud"]}),
     "'loud' is not a choice of exam_reflexes"),
    (lambda d: rule(d, "emg").update(condition={"finding": "ghost"}), "rule emg: unknown finding 'ghost'"),
    (lambda d: rule(d, "emg").update(source={"section": "", "quote": ""}), "rule emg: needs a source passage"),
    (lambda d: rule(d, "emg").update(kind="opinion"), "rule emg: kind must be one of"),
    (lambda d: rule(d, "emg").update(priority="soon"), "rule emg: priority must be routine or urgent"),
    (lambda d: d["rules"].append(copy.deepcopy(rule(d, "emg"))), "rule emg: duplicate test code"),
    (lambda d: d["sections"][0]["items"].append(copy.deepcopy(d["sections"][0]["items"][0])),
     "item fasciculations: duplicate item code"),
    (lambda d: d["sections"].append(copy.deepcopy(d["sections"][0]) | {"items": []}),
     "section symptoms: duplicate section code"),
    (lambda d: d["sections"][0]["items"][0].update(type="slider"), "item fasciculations: type must be one of"),
    (lambda d: d["sections"][0]["items"][2].update(choices=[]), "item fasciculation_frequency: a choice item needs choices"),
    (lambda d: d["sections"][0]["items"][0].update(shown_when={"item": "cramps", "is": True}),
     "item fasciculations shown-when: refers to unknown item 'cramps'"),
    (lambda d: d["findings"][0].update(condition={"finding": "any_red_flag"}),
     "cycle between findings"),
    (lambda d: d["cases"][0]["expect"].update(tests={"exactly": ["mri"]}), "names unknown code 'mri'"),
    (lambda d: d["cases"][0]["answers"].update(cramps="often"), "expected true, false or null"),
])
def test_it_refuses_each_kind_of_invalid_template(mutate, fault):
    errors = broken(mutate)
    assert any(fault in error for error in errors), errors


def test_it_never_evaluates_python_from_a_condition():
    document = copy.deepcopy(DOCUMENT)
    rule(document, "emg")["condition"] = {"item": "__import__('os').system('true')", "is": True}
    assert any("unknown item" in e for e in engine.validate_template(document))


def test_it_refuses_conditions_nested_too_deeply():
    document = copy.deepcopy(DOCUMENT)
    condition: dict[str, Any] = {"item": "cramps", "is": True}
    for _ in range(40):
        condition = {"not": condition}
    rule(document, "emg")["condition"] = condition
    assert any("nested more than 32 levels" in e for e in engine.validate_template(document))
    for _ in range(2000):
        condition = {"not": condition}
    document["cases"][0]["answers"] = {"cramps": True}
    rule(document, "emg")["condition"] = condition
    assert engine.validate_template(document)




def test_it_refuses_a_document_nested_too_deeply_to_walk_without_raising():
    document = copy.deepcopy(DOCUMENT)
    deep: list[Any] = []
    for _ in range(100_000):
        deep = [deep]
    document["cases"][0]["expect"] = {"tests": {"exactly": [deep]}}
    assert engine.validate_template(document) == ["the document is nested too deeply to be a template"]


@pytest.mark.parametrize("document,fault", [
    (["not", "an", "object"], "the template document must be a JSON object"),
    ({"template": {"slug": "x"}}, "missing top-level key 'version'"),
    ({"template": {}, "version": {"number": 0}, "sections": [], "rules": []}, "template.slug is required"),
    ({"template": {"slug": "x"}, "version": {"number": "1"}, "sections": [], "rules": []},
     "version.number must be a whole number from 1"),
    ({"template": {"slug": "x"}, "version": {"number": 1}, "sections": [], "rules": []},
     "sections must be a non-empty list"),
    ({"template": {"slug": "x"}, "version": {"number": 1}, "sections": [{"code": "s", "title": "S"}], "rules": {}},
     "rules must be a list"),
])
def test_it_refuses_documents_of_the_wrong_shape(document, fault):
    assert fault in engine.validate_template(document)


# ---------------------------------------------------------------- odd types: refused, never raised


@pytest.mark.parametrize("mutate,fault", [
    (lambda d: d["sections"][0].update(items=5), "section symptoms: items must be a list"),
    (lambda d: d["sections"][0].update(items="fasciculations"), "section symptoms: items must be a list"),
    (lambda d: d["sections"][0]["items"][0].update(label=["a", "list"]), "item fasciculations: label must be text"),
    (lambda d: d["sections"][0]["items"][0].update(choices=True), "item fasciculations: choices must be a list"),
    (lambda d: d["sections"][0]["items"][1].update(choices=[["face", 1]]),
     "item fasciculation_regions: each choice label must be text"),
    (lambda d: d["sections"][0]["items"][1].update(choices=[["face"]]),
     "item fasciculation_regions: each choice must be [code, label]"),
    (lambda d: d["findings"][0].update(title=["not", "text"]), "finding objective_weakness: title must be text"),
    (lambda d: d["findings"][0].update(absent_reason=["x"]), "finding objective_weakness: absent_reason must be text"),
    (lambda d: rule(d, "emg").update(condition={"item": ["fasciculations"], "is": True}),
     "rule emg: refers to unknown item ['fasciculations']"),
    (lambda d: rule(d, "emg").update(condition={"finding": ["any_red_flag"]}), "rule emg: unknown finding"),
    (lambda d: rule(d, "emg").update(source={"section": ["a"], "quote": 1}), "rule emg: needs a source passage"),
    (lambda d: rule(d, "emg")["source"].update(also="a passage"), "rule emg: source.also must be a list"),
    (lambda d: d["cases"][0].update(name=["not", "text"]), "case 1: needs a name"),
    (lambda d: d["cases"][0].update(expect=[]), "expect must be an object"),
    (lambda d: d["cases"][0]["expect"].update(tests={"exactly": "emg"}), "tests.exactly must be a list of codes"),
    (lambda d: d["cases"][0].update(answers=["cramps"]), "answers must be a JSON object keyed by item code"),
])
def test_it_refuses_values_of_the_wrong_type_without_raising(mutate, fault):
    document = copy.deepcopy(DOCUMENT)
    mutate(document)
    with pytest.raises(engine.TemplateError) as raised:
        engine.CompiledTemplate(document)
    assert any(fault in error for error in raised.value.errors), raised.value.errors


def test_it_raises_a_template_error_listing_every_fault_when_compiling_an_invalid_document():
    document = copy.deepcopy(DOCUMENT)
    document["sections"][0]["items"][0]["label"] = ["a", "list"]
    rule(document, "emg")["priority"] = "soon"
    with pytest.raises(engine.TemplateError) as raised:
        engine.CompiledTemplate(document)
    assert raised.value.errors == engine.validate_template(document)
    assert {"item fasciculations: label must be text", "rule emg: priority must be routine or urgent"} <= set(
        raised.value.errors)
    assert str(raised.value) == "; ".join(raised.value.errors)


def test_it_leaves_storage_limits_to_whoever_stores_the_document():
    document = copy.deepcopy(DOCUMENT)
    document["sections"][0]["items"][0].update(label="x" * 5000, help_text=None)
    document["sections"][0]["title"] = "a\x00b"
    document["version"]["number"] = 2**40
    assert engine.validate_template(document) == []
    assert engine.run_cases(engine.CompiledTemplate(document)) == {}


def test_it_validates_answers_against_any_mapping_of_item_specs():
    items = {"cramps": COMPILED.items["cramps"]}
    assert engine.validate_answers(items, {"cramps": True}) == []
    assert engine.validate_answers(items, {"fasciculations": True}) == ["fasciculations: unknown item code"]
    assert engine.value_fault(items["cramps"], "often") == "expected true, false or null, got 'often'"
