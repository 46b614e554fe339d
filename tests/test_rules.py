"""The suggestion engine, over plain data: no database anywhere in this file."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from evaluation import rules

ROOT = Path(__file__).resolve().parent.parent
DOCUMENT = json.loads((ROOT / "evaluation" / "data" / "fasciculation-cramp-v1.json").read_text(encoding="utf-8"))
SOURCE_CANDIDATES = [ROOT.parent / "shared" / "source" / "000_9f81124d5672c174.txt"]
COMPILED = rules.CompiledTemplate(DOCUMENT)

RF_CODES = ["rf_weakness", "rf_sensory_loss", "rf_atrophy", "rf_progressive", "rf_persistent_pain", "rf_bulbar"]
MRC_CODES = [
    f"mrc_{m}_{side}"
    for m in ("shoulder_abduction", "elbow_flexion", "wrist_extension", "hip_flexion", "knee_extension",
              "ankle_dorsiflexion")
    for side in ("left", "right")
]
NO_RED_FLAGS = {code: False for code in RF_CODES}
CAUSES = ["trigger_stress", "trigger_fatigue", "trigger_exercise", "trigger_caffeine", "dehydration", "med_diuretic",
          "med_statin", "pregnancy", "inactivity", "kidney_disease", "diabetes", "circulatory_disease",
          "thyroid_disease", "liver_disease"]
# History asked and examination recorded, all normal: the baseline for "not any_red_flag" and "no cause".
NORMAL = {
    **NO_RED_FLAGS, **{code: 5 for code in MRC_CODES}, **{code: False for code in CAUSES},
    "exam_fasciculations": False, "exam_atrophy": False, "exam_reflexes": "normal", "exam_plantar": "flexor",
    "exam_sensation": "normal",
}


def run(**answers: Any) -> rules.Evaluation:
    return COMPILED.evaluate(answers)


def codes(result: rules.Evaluation, kind: str) -> list[str]:
    return result.codes(kind)


def case(prefix: str) -> dict[str, Any]:
    return next(c for c in DOCUMENT["cases"] if c["name"].startswith(prefix))


# ---------------------------------------------------------------- the template itself


SPEC_ITEMS = {
    "fasciculations": "bool", "fasciculation_regions": "multi", "fasciculation_frequency": "choice",
    "cramps": "bool", "cramp_regions": "multi", "cramp_frequency": "choice", "cramp_duration": "choice",
    "cramp_timing": "multi", "post_cramp_soreness": "bool", "symptom_weeks": "int",
    "trigger_stress": "bool", "trigger_fatigue": "bool", "trigger_exercise": "bool", "trigger_caffeine": "bool",
    "dehydration": "bool", "med_diuretic": "bool", "med_statin": "bool", "med_other": "text", "pregnancy": "bool",
    "inactivity": "bool", "kidney_disease": "bool", "diabetes": "bool", "circulatory_disease": "bool",
    "thyroid_disease": "bool", "liver_disease": "bool",
    **{code: "bool" for code in RF_CODES},
    **{code: "mrc" for code in MRC_CODES},
    "exam_fasciculations": "bool", "exam_fasciculation_regions": "multi", "exam_atrophy": "bool",
    "exam_atrophy_regions": "multi", "exam_reflexes": "choice", "exam_plantar": "choice",
    "exam_sensation": "choice", "exam_notes": "text",
}
SPEC_REQUIRED = {"fasciculations", "cramps", "symptom_weeks", "rf_weakness", "rf_sensory_loss", "rf_atrophy",
                 "rf_progressive", "rf_persistent_pain"}


def test_it_has_every_spec_item_with_its_type_and_nothing_else():
    assert {code: item.type for code, item in COMPILED.items.items()} == SPEC_ITEMS


def test_it_requires_exactly_the_spec_required_items():
    assert {code for code, item in COMPILED.items.items() if item.required} == SPEC_REQUIRED


def test_it_uses_the_spec_choice_codes():
    items = COMPILED.items
    assert list(items["fasciculation_regions"].choice_labels) == [
        "face", "tongue", "neck", "arms", "hands", "trunk", "legs", "feet"]
    assert list(items["cramp_frequency"].choice_labels) == ["less_than_weekly", "weekly", "daily", "several_daily"]
    assert list(items["cramp_timing"].choice_labels) == ["during_exercise", "after_exercise", "at_rest", "at_night"]
    assert list(items["exam_reflexes"].choice_labels) == ["normal", "reduced_or_absent", "brisk"]
    assert list(items["exam_plantar"].choice_labels) == ["flexor", "extensor", "equivocal"]
    assert (items["symptom_weeks"].min_value, items["symptom_weeks"].max_value) == (0, 2600)


def test_it_covers_every_recommendation_of_the_spec():
    by_kind: dict[str, set[str]] = {}
    for rule in DOCUMENT["rules"]:
        by_kind.setdefault(rule["kind"], set()).add(rule["code"])
    assert by_kind == {
        "red_flag": {*RF_CODES, "objective_weakness", "exam_atrophy"},
        "test": {"electrolytes", "kidney_panel", "thyroid_panel", "liver_panel", "emg", "ncv"},
        "referral": {"neurology_referral"},
        "pattern": {"benign_fasciculation_pattern", "cramp_fasciculation_pattern", "exercise_associated_cramps"},
        "advice": {"reassurance", "reduce_caffeine", "hydration", "stretching", "electrolyte_intake",
                   "trigger_review", "medication_review", "supervised_drug_treatment", "safety_net"},
    }


def _source_text() -> str | None:
    for path in SOURCE_CANDIDATES:
        if path.exists():
            return " ".join(path.read_text(encoding="utf-8").split())
    return None


def test_it_quotes_every_passage_verbatim_from_the_source_document():
    source = _source_text()
    if source is None:
        pytest.skip("the shared source document is not beside this checkout")
    headings = set(re.findall(r"^(.+\?)$", "\n".join(p.read_text(encoding="utf-8") for p in SOURCE_CANDIDATES
                                                     if p.exists()), re.M))
    for rule in DOCUMENT["rules"]:
        for passage in [rule["source"], *rule["source"].get("also", [])]:
            assert passage["section"] in headings, (rule["code"], passage["section"])
            for fragment in passage["quote"].split(" … "):
                fragment = fragment.strip().lstrip("- ")
                assert fragment in source, (rule["code"], fragment)


def test_it_ships_the_four_worked_examples_and_at_least_eight_more_cases():
    names = [c["name"] for c in DOCUMENT["cases"]]
    assert sum(name.startswith("Worked example") for name in names) == 4
    assert len(names) >= 12


def test_it_passes_every_shipped_case():
    assert rules.run_cases(COMPILED) == {}


def test_it_fires_every_rule_in_at_least_one_shipped_case():
    fired = set()
    for c in DOCUMENT["cases"]:
        result = COMPILED.evaluate(c["answers"])
        fired |= {(r.kind, r.code) for r in result.recommendations}
    assert fired == {(r["kind"], r["code"]) for r in DOCUMENT["rules"]}


# ---------------------------------------------------------------- worked examples


def test_it_gives_worked_example_1_exactly():
    result = COMPILED.evaluate(case("Worked example 1")["answers"])
    assert codes(result, "pattern") == ["benign_fasciculation_pattern"]
    assert {"reassurance", "reduce_caffeine", "trigger_review", "safety_net"} <= set(codes(result, "advice"))
    assert codes(result, "test") == []
    assert codes(result, "referral") == []


def test_it_gives_worked_example_2_exactly():
    result = COMPILED.evaluate(case("Worked example 2")["answers"])
    assert codes(result, "test") == ["electrolytes"]
    assert codes(result, "pattern") == ["exercise_associated_cramps"]
    assert {"hydration", "stretching", "electrolyte_intake"} <= set(codes(result, "advice"))
    assert codes(result, "referral") == []


def test_it_gives_worked_example_3_exactly():
    result = COMPILED.evaluate(case("Worked example 3")["answers"])
    assert sorted(codes(result, "test")) == ["electrolytes", "kidney_panel"]
    assert {"medication_review", "stretching"} <= set(codes(result, "advice"))
    assert codes(result, "pattern") == []


def test_it_gives_worked_example_4_exactly():
    result = COMPILED.evaluate(case("Worked example 4")["answers"])
    assert sorted(codes(result, "red_flag")) == sorted(
        ["rf_weakness", "rf_atrophy", "rf_progressive", "objective_weakness", "exam_atrophy"])
    assert sorted(codes(result, "test")) == sorted(
        ["electrolytes", "kidney_panel", "thyroid_panel", "liver_panel", "emg", "ncv"])
    assert result.get("test", "emg").priority == "urgent"
    assert result.get("referral", "neurology_referral").priority == "urgent"
    assert codes(result, "pattern") == []
    assert "reassurance" not in codes(result, "advice")


# ---------------------------------------------------------------- reasons and sources


def test_it_gives_reasons_in_words():
    result = run(cramps=True, med_diuretic=True)
    assert "Takes a diuretic" in result.get("test", "electrolytes").reasons
    result = COMPILED.evaluate(case("Worked example 4")["answers"])
    assert "MRC wrist extension right 4/5" in result.get("red_flag", "objective_weakness").reasons
    assert any(r.startswith("Urgent: Fasciculations with weakness") for r in result.get("test", "emg").reasons)


def test_it_carries_the_source_passage_with_every_recommendation():
    result = COMPILED.evaluate(case("Worked example 4")["answers"])
    referral = result.get("referral", "neurology_referral").as_dict()
    assert referral["source"]["section"] == "When should you consider seeing a specialist?"
    assert "neurology specialist" in referral["source"]["quote"]
    assert all(r.source["quote"] for r in result.recommendations)


def test_it_explains_negated_findings():
    result = COMPILED.evaluate(case("Worked example 1")["answers"])
    assert "No red flag and no abnormal examination finding" in result.get("advice", "reassurance").reasons


def test_it_gives_always_on_advice_a_reason():
    assert run().get("advice", "safety_net").reasons == ("Applies to every assessment",)


# ---------------------------------------------------------------- every rule, firing and not


@pytest.mark.parametrize("code", RF_CODES)
def test_it_raises_each_red_flag_only_when_answered_yes(code):
    assert code in codes(run(**{code: True}), "red_flag")
    assert code not in codes(run(**{code: False}), "red_flag")
    assert code not in codes(run(), "red_flag")


def test_it_raises_objective_weakness_for_any_grade_below_5():
    assert "objective_weakness" in codes(run(mrc_hip_flexion_left=3), "red_flag")
    assert "objective_weakness" not in codes(run(**{c: 5 for c in MRC_CODES}), "red_flag")


def test_it_raises_exam_atrophy_from_the_examination():
    assert "exam_atrophy" in codes(run(exam_atrophy=True), "red_flag")
    assert "exam_atrophy" not in codes(run(exam_atrophy=False), "red_flag")


@pytest.mark.parametrize("answers", [
    {"cramps": True, "trigger_exercise": True},
    {"cramps": True, "cramp_timing": ["after_exercise"]},
    {"cramps": True, "dehydration": True},
    {"cramps": True, "med_diuretic": True},
    {"cramps": True, "pregnancy": True},
    {"cramps": True, "kidney_disease": True},
    {"rf_sensory_loss": True},
    {"exam_plantar": "extensor"},
])
def test_it_suggests_electrolytes(answers):
    assert "electrolytes" in codes(run(**answers), "test")


@pytest.mark.parametrize("answers", [
    {"cramps": False, "dehydration": True},
    {"cramps": True, "diabetes": True},
    {"cramps": True, "cramp_timing": ["at_night"]},
    {"exam_plantar": "equivocal"},
])
def test_it_does_not_suggest_electrolytes(answers):
    assert "electrolytes" not in codes(run(**answers), "test")


@pytest.mark.parametrize("answers,fires", [
    ({"kidney_disease": True}, True),
    ({"med_diuretic": True}, True),
    ({"diabetes": True, "cramps": True}, True),
    ({"diabetes": True, "cramps": False}, False),
    ({"diabetes": True}, False),
    ({"rf_atrophy": True}, True),
    ({"med_statin": True}, False),
])
def test_it_suggests_kidney_function_when_the_spec_says(answers, fires):
    assert ("kidney_panel" in codes(run(**answers), "test")) is fires


@pytest.mark.parametrize("answers,fires", [
    ({"thyroid_disease": True}, True),
    ({**NORMAL, "fasciculations": True, "cramps": True}, True),
    ({"fasciculations": True, "cramps": True}, False),  # causes never asked: a cause is not ruled out
    ({**NORMAL, "fasciculations": True, "cramps": True, "trigger_stress": True}, False),
    ({**NORMAL, "fasciculations": True, "cramps": True, "med_other": "amitriptyline"}, False),
    ({"fasciculations": True, "cramps": False}, False),
    ({"exam_reflexes": "brisk"}, True),
])
def test_it_suggests_thyroid_function_when_the_spec_says(answers, fires):
    assert ("thyroid_panel" in codes(run(**answers), "test")) is fires


@pytest.mark.parametrize("answers,fires", [
    ({"med_statin": True}, True),
    ({"liver_disease": True}, True),
    ({"exam_sensation": "reduced"}, True),
    ({"med_diuretic": True}, False),
])
def test_it_suggests_liver_function_when_the_spec_says(answers, fires):
    assert ("liver_panel" in codes(run(**answers), "test")) is fires


@pytest.mark.parametrize("answers,priority", [
    ({"rf_weakness": True}, "routine"),
    ({"rf_progressive": True}, "routine"),
    ({"rf_bulbar": True}, "routine"),
    ({"exam_reflexes": "brisk"}, "routine"),
    ({"exam_plantar": "extensor"}, "routine"),
    ({"exam_atrophy": True}, "routine"),
    ({"mrc_knee_extension_left": 4}, "routine"),
    ({"rf_weakness": True, "fasciculations": True}, "urgent"),
    ({"exam_atrophy": True, "exam_fasciculations": True}, "urgent"),
    ({"rf_bulbar": True, "fasciculations": True}, "urgent"),
    ({"rf_sensory_loss": True}, None),
    ({"rf_persistent_pain": True}, None),
    ({"exam_reflexes": "reduced_or_absent"}, None),
])
def test_it_suggests_emg_with_its_priority(answers, priority):
    emg = run(**answers).get("test", "emg")
    assert (emg.priority if emg else None) == priority


@pytest.mark.parametrize("answers,fires", [
    ({"rf_sensory_loss": True}, True),
    ({"exam_sensation": "reduced"}, True),
    ({"exam_reflexes": "reduced_or_absent"}, True),
    ({"rf_weakness": True}, True),
    ({"rf_atrophy": True}, True),
    ({"mrc_ankle_dorsiflexion_right": 2}, True),
    ({"exam_reflexes": "brisk"}, False),
    ({"rf_progressive": True}, False),
])
def test_it_suggests_nerve_conduction_when_the_spec_says(answers, fires):
    assert ("ncv" in codes(run(**answers), "test")) is fires


@pytest.mark.parametrize("answers,priority", [
    ({"rf_persistent_pain": True}, "routine"),
    ({"exam_reflexes": "reduced_or_absent"}, "routine"),
    ({"rf_bulbar": True}, "urgent"),
    ({"fasciculations": True, "rf_weakness": True}, "urgent"),
    ({"fasciculations": True, "mrc_elbow_flexion_left": 4}, "urgent"),
    ({"fasciculations": True, "rf_sensory_loss": True}, "routine"),
    ({**NO_RED_FLAGS}, None),
])
def test_it_refers_to_neurology_with_its_priority(answers, priority):
    referral = run(**answers).get("referral", "neurology_referral")
    assert (referral.priority if referral else None) == priority


def test_it_finds_the_benign_fasciculation_pattern_only_without_cramps_or_red_flags():
    assert "benign_fasciculation_pattern" in codes(run(**NORMAL, fasciculations=True, cramps=False), "pattern")
    assert "benign_fasciculation_pattern" not in codes(run(**NORMAL, fasciculations=True, cramps=True), "pattern")
    assert "benign_fasciculation_pattern" not in codes(
        run(**{**NORMAL, "rf_weakness": True}, fasciculations=True, cramps=False), "pattern")
    # Red flags not asked, or no examination recorded: a benign pattern cannot be claimed.
    assert codes(run(fasciculations=True, cramps=False), "pattern") == []
    assert codes(run(**NO_RED_FLAGS, fasciculations=True, cramps=False), "pattern") == []


def test_it_finds_the_fasciculation_cramp_pattern_only_without_a_cause():
    assert "cramp_fasciculation_pattern" in codes(run(**NORMAL, fasciculations=True, cramps=True), "pattern")
    assert "cramp_fasciculation_pattern" not in codes(
        run(**{**NORMAL, "inactivity": True}, fasciculations=True, cramps=True), "pattern")
    assert "cramp_fasciculation_pattern" not in codes(
        run(**{**NORMAL, "exam_sensation": "reduced"}, fasciculations=True, cramps=True), "pattern")
    unasked = {k: v for k, v in NORMAL.items() if k != "inactivity"}
    assert "cramp_fasciculation_pattern" not in codes(run(**unasked, fasciculations=True, cramps=True), "pattern")


def test_it_finds_exercise_associated_cramps_only_without_red_flags():
    assert "exercise_associated_cramps" in codes(
        run(**NORMAL, cramps=True, cramp_timing=["during_exercise"]), "pattern")
    assert "exercise_associated_cramps" not in codes(
        run(**{**NORMAL, "rf_progressive": True}, cramps=True, cramp_timing=["during_exercise"]), "pattern")
    assert "exercise_associated_cramps" not in codes(
        run(**{**NORMAL, "trigger_exercise": True}, cramps=False), "pattern")


@pytest.mark.parametrize("code,answers,fires", [
    ("reassurance", NORMAL, True),
    ("reassurance", {}, False),
    ("reassurance", NO_RED_FLAGS, False),  # examination not recorded
    ("reassurance", {**NORMAL, "mrc_hip_flexion_left": None}, False),  # one muscle not tested
    ("reassurance", {**NORMAL, "rf_atrophy": True}, False),
    ("reduce_caffeine", {"trigger_caffeine": True}, True),
    ("reduce_caffeine", {"trigger_caffeine": False}, False),
    ("hydration", {"cramps": True, "dehydration": True}, True),
    ("hydration", {"cramps": True, "trigger_exercise": True}, True),
    ("hydration", {"cramps": True}, False),
    ("hydration", {"cramps": False, "dehydration": True}, False),
    ("stretching", {"cramps": True}, True),
    ("stretching", {"cramps": False}, False),
    ("electrolyte_intake", {"cramps": True}, True),
    ("electrolyte_intake", {}, False),
    ("trigger_review", {"trigger_stress": True}, True),
    ("trigger_review", {"trigger_fatigue": True}, True),
    ("trigger_review", {"trigger_caffeine": True}, False),
    ("medication_review", {"med_diuretic": True}, True),
    ("medication_review", {"med_statin": True}, True),
    ("medication_review", {"med_other": "quinine"}, True),
    ("medication_review", {"med_other": ""}, False),
    ("supervised_drug_treatment", {"cramps": True, "cramp_frequency": "daily"}, True),
    ("supervised_drug_treatment", {"cramps": True, "cramp_frequency": "several_daily"}, True),
    ("supervised_drug_treatment", {"cramps": True, "cramp_frequency": "weekly"}, False),
    ("supervised_drug_treatment", {"rf_persistent_pain": True}, True),
    ("safety_net", {}, True),
    ("safety_net", {"rf_weakness": True}, True),
])
def test_it_gives_advice_when_the_spec_says(code, answers, fires):
    assert (code in codes(run(**answers), "advice")) is fires


# ---------------------------------------------------------------- null and hidden items


def test_it_never_fires_on_unanswered_items():
    result = run()
    assert codes(result, "red_flag") == []
    assert codes(result, "test") == []
    assert codes(result, "pattern") == []
    assert codes(result, "referral") == []


def test_it_treats_null_as_unanswered_not_as_no():
    # "not cramps" needs cramps answered no; null leaves the pattern unknown, so it does not fire.
    assert codes(run(**NORMAL, fasciculations=True, cramps=None), "pattern") == []
    assert codes(run(**NORMAL, fasciculations=True, cramps=False), "pattern") == ["benign_fasciculation_pattern"]


def test_it_reports_rules_left_undetermined_by_missing_answers():
    result = run(fasciculations=True, cramps=False)
    assert ("pattern", "benign_fasciculation_pattern") in result.undetermined
    assert ("advice", "reassurance") in result.undetermined
    assert ("red_flag", "rf_weakness") in result.undetermined
    assert ("red_flag", "rf_weakness") not in run(**NORMAL).undetermined


def test_it_refuses_conditions_nested_too_deeply():
    document = copy.deepcopy(DOCUMENT)
    condition: dict[str, Any] = {"item": "cramps", "is": True}
    for _ in range(40):
        condition = {"not": condition}
    _rule(document, "emg")["condition"] = condition
    assert any("nested more than 32 levels" in e for e in rules.validate_template(document))
    for _ in range(2000):
        condition = {"not": condition}
    document["cases"][0]["answers"] = {"cramps": True}
    _rule(document, "emg")["condition"] = condition
    assert rules.validate_template(document)


def test_it_treats_an_mrc_item_not_tested_as_no_weakness_evidence():
    result = run(**{c: None for c in MRC_CODES})
    assert "objective_weakness" not in result.findings
    assert result.mrc_sum is None


def test_it_ignores_answers_to_hidden_items():
    # cramp_timing is shown only when cramps is yes; with cramps no, its answer must not count.
    result = run(cramps=False, cramp_timing=["during_exercise"], trigger_exercise=False)
    assert "cramp_timing" in result.hidden
    assert "exercise_related" not in result.findings
    assert "cramp_timing" not in result.answers


def test_it_shows_conditional_items_when_their_condition_holds():
    assert "fasciculation_regions" in run().hidden
    assert "fasciculation_regions" not in run(fasciculations=True).hidden


def test_it_sums_mrc_only_when_all_twelve_are_graded():
    grades = {c: 5 for c in MRC_CODES}
    assert run(**grades).mrc_sum == 60
    assert run(**{**grades, "mrc_hip_flexion_left": 3}).mrc_sum == 58
    del grades["mrc_hip_flexion_left"]
    assert run(**grades).mrc_sum is None


def test_it_lists_required_items_still_missing_and_skips_hidden_ones():
    result = run(fasciculations=True)
    assert "cramps" in result.missing_required
    assert "fasciculations" not in result.missing_required


def test_it_prints_the_contract_shape():
    output = COMPILED.evaluate(case("Worked example 4")["answers"]).as_dict()
    assert list(output) == ["template", "red_flags", "tests", "referrals", "patterns", "advice"]
    assert output["template"] == "fasciculation-cramp@1"
    test = output["tests"][0]
    assert set(test) >= {"code", "title", "priority", "reasons", "source"}
    assert set(test["source"]) >= {"section", "quote"}
    assert "priority" not in output["red_flags"][0]


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
    errors = rules.validate_answers(COMPILED, answers)
    assert len(errors) == 1
    assert message in errors[0]


def test_it_reports_every_bad_answer_at_once():
    errors = rules.validate_answers(COMPILED, {"a": 1, "cramps": 2, "symptom_weeks": "many"})
    assert len(errors) == 3


def test_it_accepts_null_for_any_item():
    assert rules.validate_answers(COMPILED, {code: None for code in COMPILED.items}) == []


def test_it_refuses_answers_that_are_not_an_object():
    assert rules.validate_answers(COMPILED, ["cramps"]) == ["answers must be a JSON object keyed by item code"]


# ---------------------------------------------------------------- template validation


def broken(mutate) -> list[str]:
    document = copy.deepcopy(DOCUMENT)
    mutate(document)
    return rules.validate_template(document)


def _rule(document, code):
    return next(r for r in document["rules"] if r["code"] == code)


def test_it_accepts_the_default_template():
    assert rules.validate_template(DOCUMENT) == []


@pytest.mark.parametrize("mutate,fault", [
    (lambda d: d["rules"].append({**_rule(d, "emg"), "condition": {"item": "nope", "is": True}}),
     "refers to unknown item 'nope'"),
    (lambda d: _rule(d, "emg").update(condition={"item": "cramps", "equals": True}),
     "rule emg: item 'cramps': unknown operator equals"),
    (lambda d: _rule(d, "emg").update(condition={"xor": []}), "rule emg: unknown operator"),
    (lambda d: _rule(d, "emg").update(condition={"item": "cramps", "gte": 1}),
     "operator 'gte' does not apply to bool item cramps"),
    (lambda d: _rule(d, "emg").update(condition={"item": "exam_reflexes", "in": ["loud"]}),
     "'loud' is not a choice of exam_reflexes"),
    (lambda d: _rule(d, "emg").update(condition={"finding": "ghost"}), "rule emg: unknown finding 'ghost'"),
    (lambda d: _rule(d, "emg").update(source={"section": "", "quote": ""}), "rule emg: needs a source passage"),
    (lambda d: _rule(d, "emg").update(kind="opinion"), "rule emg: kind must be one of"),
    (lambda d: _rule(d, "emg").update(priority="soon"), "rule emg: priority must be routine or urgent"),
    (lambda d: d["rules"].append(copy.deepcopy(_rule(d, "emg"))), "rule emg: duplicate test code"),
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


def test_it_reports_a_failing_case_with_the_expectation_that_failed():
    document = copy.deepcopy(DOCUMENT)
    document["cases"][1]["expect"]["tests"] = {"exactly": ["electrolytes", "emg"]}
    report = rules.run_cases(rules.CompiledTemplate(document))
    assert report == {
        document["cases"][1]["name"]: ["tests: expected exactly [electrolytes, emg], got [electrolytes]"]
    }


def test_it_never_evaluates_python_from_a_condition():
    document = copy.deepcopy(DOCUMENT)
    _rule(document, "emg")["condition"] = {"item": "__import__('os').system('true')", "is": True}
    assert any("unknown item" in e for e in rules.validate_template(document))


def test_it_takes_a_question_hidden_as_not_applicable_as_false_and_one_hidden_for_want_of_an_answer_as_unknown():
    # cramps no: "how often" cannot apply, so "cramps daily" is false and nothing waits on it.
    no_cramps = run(**NORMAL, fasciculations=True, cramps=False)
    assert ("advice", "supervised_drug_treatment") not in no_cramps.undetermined
    assert no_cramps.undetermined == frozenset()
    # cramps unanswered: whether they are daily is unknown.
    unasked = run(**{k: v for k, v in NORMAL.items() if k != "rf_persistent_pain"}, fasciculations=True)
    assert ("advice", "supervised_drug_treatment") in unasked.undetermined
