"""The clinician summary read back with pypdf: negatives folded into one line per section, positives and gaps
kept in view, a typical visit on two pages, and a referral that reads "referred"."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
from django.urls import reverse
from pypdf import PdfReader

from evaluation.audit import Actor
from evaluation.decisions import DECLINED, ORDERED, Decision, Decisions, key_of
from evaluation.layout import answer_sections, short_label
from evaluation.services import assessments as assessment_services
from evaluation.services.templates import DATA_DIR, template_load_default
from tests.factories import case_answers, make_assessment, make_patient, save, sign

TYPICAL_PAGES = 2
NO_CAUSES = ("trigger_stress", "trigger_fatigue", "trigger_exercise", "trigger_caffeine", "dehydration", "med_diuretic",
             "med_statin", "pregnancy", "inactivity", "kidney_disease", "diabetes", "circulatory_disease",
             "thyroid_disease", "liver_disease")
NO_RED_FLAGS = ("rf_weakness", "rf_sensory_loss", "rf_atrophy", "rf_progressive", "rf_persistent_pain", "rf_bulbar")


def pdf_text(client: Any, assessment: Any) -> tuple[int, str]:
    """(pages, text with whitespace collapsed) of the assessment's summary PDF."""
    response = client.get(reverse("evaluation:assessment_pdf", args=[assessment.pk]))
    assert response.status_code == 200, response.content[:300]
    pages = PdfReader(io.BytesIO(response.content)).pages
    return len(pages), " ".join(" ".join((page.extract_text() or "").split()) for page in pages)


def _all_five(version: Any) -> dict[str, int]:
    return {code: 5 for code, item in version.compiled().items.items() if item.type == "mrc"}


def _reflexes(version: Any, **sites: str) -> dict[str, str]:
    """Normal reflexes, as version 1 (one item) or version 2 (one item per site) records them."""
    items = version.compiled().items
    if "exam_reflexes" in items:
        return {"exam_reflexes": "reduced_or_absent" if "absent" in sites.values() else "normal"}
    return {f"exam_reflex_{site}": sites.get(site, "normal") for site in ("biceps", "triceps", "knee", "ankle")}


def coffee_drinker(version: Any) -> dict[str, Any]:
    """Anxious, six cups of coffee a day, calf twitches for six weeks, normal examination."""
    return {
        "fasciculations": True, "fasciculation_regions": ["legs"], "fasciculation_frequency": "daily",
        "cramps": False, "symptom_weeks": 6, **dict.fromkeys(NO_CAUSES, False), "trigger_stress": True,
        "trigger_caffeine": True, "trigger_fatigue": True, **dict.fromkeys(NO_RED_FLAGS, False), **_all_five(version),
        "exam_fasciculations": False, "exam_atrophy": False, **_reflexes(version), "exam_plantar": "flexor",
        "exam_sensation": "normal", "med_other": "None",
        "exam_notes": "Anxious; six to seven cups of coffee a day. No fasciculations seen in either calf.",
    }


def night_cramps_on_a_diuretic_and_statin(version: Any) -> dict[str, Any]:
    """70 years old, night cramps in calves and feet, a thiazide and a statin, absent ankle jerks only."""
    return {
        "fasciculations": False, "cramps": True, "cramp_regions": ["calves", "feet"], "cramp_frequency": "daily",
        "cramp_duration": "minutes", "cramp_timing": ["at_night"], "post_cramp_soreness": True, "symptom_weeks": 16,
        **dict.fromkeys(NO_CAUSES, False), "med_diuretic": True, "med_statin": True, "inactivity": True,
        "med_other": "Bendroflumethiazide 2.5 mg daily; atorvastatin 40 mg at night; amlodipine 5 mg daily.",
        **dict.fromkeys(NO_RED_FLAGS, False), **_all_five(version), "exam_fasciculations": False,
        "exam_atrophy": False, **_reflexes(version, ankle="absent"), "exam_plantar": "flexor",
        "exam_sensation": "normal", "exam_notes": "Ankle jerks absent both sides, other reflexes normal.",
    }


def _signed(version: Any, clinician: Any, answers: dict[str, Any], born: datetime.date, sex: str) -> Any:
    items = version.compiled().items
    patient = make_patient(clinician, date_of_birth=born, sex=sex)
    assessment = make_assessment(patient, version, clinician)
    sign(assessment, clinician, {code: value for code, value in answers.items() if code in items})
    assessment.refresh_from_db()
    return assessment


# ---------------------------------------------------------------- answers by section


def test_it_folds_each_sections_no_answers_into_one_denied_line(clinician_client, clinician, version):
    assessment = _signed(version, clinician, coffee_drinker(version), datetime.date(1994, 3, 12), "female")

    _, text = pdf_text(clinician_client, assessment)

    assert "Denied: Cramps" in text
    assert ("Denied: Intense exercise, Low fluid intake or heavy sweating, Takes a diuretic, Takes a statin, Pregnant"
            in text)
    assert "Denied: Muscle weakness, Loss of sensation or numbness, Change in muscle size (wasting)" in text
    assert "Not found: Fasciculations seen, Muscle wasting seen" in text
    # One line per section with "no" answers: presenting symptoms, causes, red flags.
    assert text.count("Denied:") == 3
    for label in ("Intense exercise", "Takes a diuretic", "Loss of sensation or numbness", "Known liver disease"):
        assert text.count(label) == 1, label
        assert f"{label} no" not in text


def test_it_keeps_positives_as_rows_and_unanswered_questions_on_their_own_line(clinician_client, clinician, version,
                                                                              assessment):
    answers = {**coffee_drinker(version), "trigger_fatigue": None, "dehydration": None}
    save(assessment, clinician, {code: value for code, value in answers.items() if value is not None})

    _, text = pdf_text(clinician_client, assessment)

    for row in ("Fasciculations yes", "Where the twitches occur Legs", "How often Daily", "Stress or anxiety yes",
                "High caffeine intake yes", "Weeks since the symptoms began 6"):
        assert row in text, row
    assert "Not recorded: Fatigue or poor sleep, Low fluid intake or heavy sweating" in text
    assert "Other medicines that may be related: None" in text
    assert "Other findings: Anxious; six to seven cups of coffee a day." in text


def test_answer_sections_split_rows_negatives_and_gaps(version):
    compiled = version.compiled()
    answers = {"fasciculations": True, "fasciculation_regions": ["legs"], "cramps": False, "exam_notes": "Calm."}

    sections = {s.code: s for s in answer_sections(compiled, answers, compiled.visible_answers(answers)[1])}

    symptoms = sections["symptoms"]
    assert [(row.label, row.text) for row in symptoms.rows] == [("Fasciculations", "yes"),
                                                                  ("Where the twitches occur", "Legs")]
    assert symptoms.negatives == ("Cramps",)
    assert symptoms.negative_label == "Denied"
    assert "Weeks since the symptoms began" in symptoms.not_recorded
    assert sections["exam"].negative_label == "Not found"
    assert [row.label for row in sections["exam"].text_rows] == ["Other findings"]
    assert sections["strength"].has_mrc and not sections["strength"].rows


@pytest.mark.parametrize(("label", "short"), [
    ("Cramps (sudden, painful contraction of a whole muscle)", "Cramps"),
    ("Difficulty speaking or swallowing (weakness of speech and swallowing muscles)",
     "Difficulty speaking or swallowing"),
    ("Change in muscle size (wasting)", "Change in muscle size (wasting)"),
    ("Knee reflexes (knee jerks)", "Knee reflexes (knee jerks)"),
    ("Stress or anxiety", "Stress or anxiety"),
])
def test_short_label_drops_only_long_bracketed_explanations(label, short):
    assert short_label(label) == short


# ---------------------------------------------------------------- length


def _versions() -> list[str]:
    files = ["fasciculation-cramp-v1.json"]
    return files + [name for name in ["fasciculation-cramp-v2.json"] if (DATA_DIR / name).exists()]


@pytest.mark.parametrize("file_name", _versions())
@pytest.mark.parametrize(("visit", "born", "sex"), [
    (coffee_drinker, datetime.date(1994, 3, 12), "female"),
    (night_cramps_on_a_diuretic_and_statin, datetime.date(1955, 6, 20), "female"),
])
def test_a_typical_visit_fits_on_two_pages(clinician_client, clinician, db, file_name, visit, born, sex):
    version, _ = template_load_default(path=DATA_DIR / file_name)

    pages, text = pdf_text(clinician_client, _signed(version, clinician, visit(version), born, sex))

    assert pages <= TYPICAL_PAGES
    assert f"Page 1 of {pages}" in text


# ---------------------------------------------------------------- decisions in words


def test_a_referral_reads_referred_and_a_test_ordered(clinician_client, assessment, clinician, version):
    sign(assessment, clinician, case_answers(version, "Worked example 4"))

    _, text = pdf_text(clinician_client, assessment)

    assert "Neurology referral Urgent — referred" in text
    assert "— ordered" not in text
    assert "Electromyography (EMG)" in text and "Ordered" in text


def test_a_declined_referral_reads_not_referred_with_its_reason(clinician_client, assessment, clinician, version):
    assessment = save(assessment, clinician, case_answers(version, "Worked example 4"))
    suggestions = assessment.evaluate().needing_decision()
    decisions = Decisions({key_of(rec): Decision(DECLINED, "Already under the neuromuscular clinic")
                           if rec.kind == "referral" else Decision(ORDERED) for rec in suggestions})
    outcome = assessment_services.assessment_sign(assessment=assessment, actor=Actor(clinician),
                                                  expected_revision=assessment.revision, decisions=decisions)
    assert outcome.signed, outcome.problems

    _, text = pdf_text(clinician_client, assessment)

    assert "— not referred: Already under the neuromuscular clinic" in text
    assert "eclined: Already under" not in text


@pytest.mark.parametrize(("kind", "decision", "words"), [
    ("referral", Decision(ORDERED), "referred"),
    ("referral", Decision(DECLINED, "Seen last month"), "not referred: Seen last month"),
    ("test", Decision(ORDERED), "ordered"),
    ("test", Decision(DECLINED, "Done by the GP"), "declined: Done by the GP"),
])
def test_decision_words_follow_the_kind_and_the_stored_shape_does_not(kind, decision, words):
    decisions = Decisions({f"{kind}:x": decision})

    assert decisions.text_for(f"{kind}:x") == words
    assert decisions.to_json()["suggested"][f"{kind}:x"]["decision"] in (ORDERED, DECLINED)
