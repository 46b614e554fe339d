"""Each rule of the default template firing and not, three-valued logic, and hidden items. No database."""

from __future__ import annotations

import pytest

from .helpers import MRC_CODES, NO_RED_FLAGS, NORMAL, RF_CODES, codes, run

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



def test_it_takes_a_question_hidden_as_not_applicable_as_false_and_one_hidden_for_want_of_an_answer_as_unknown():
    # cramps no: "how often" cannot apply, so "cramps daily" is false and nothing waits on it.
    no_cramps = run(**NORMAL, fasciculations=True, cramps=False)
    assert ("advice", "supervised_drug_treatment") not in no_cramps.undetermined
    assert no_cramps.undetermined == frozenset()
    # cramps unanswered: whether they are daily is unknown.
    unasked = run(**{k: v for k, v in NORMAL.items() if k != "rf_persistent_pain"}, fasciculations=True)
    assert ("advice", "supervised_drug_treatment") in unasked.undetermined
