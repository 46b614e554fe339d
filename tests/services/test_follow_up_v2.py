"""Follow-up on version 2: the examination is compared too, and the comparison leads the summary."""

from __future__ import annotations

import datetime
from io import BytesIO

import pytest
from django.utils import translation
from pypdf import PdfReader

from evaluation.reports.content import report_for, report_for_signature
from evaluation.reports.pdf import render_summary_pdf
from evaluation.services.templates import template_load_defaults
from tests.factories import case_answers, make_assessment, make_patient, make_signed_assessment, sign

RED_FLAG_ITEMS = ("rf_weakness", "rf_sensory_loss", "rf_atrophy", "rf_progressive", "rf_persistent_pain", "rf_bulbar")


@pytest.fixture
def version_2(db):
    return template_load_defaults()[-1][0]


def test_a_follow_up_lists_plantars_turning_extensor_and_tongue_signs_appearing_first(version_2, clinician):
    patient = make_patient(clinician, sex="female", date_of_birth=datetime.date(1958, 2, 1))
    first_answers = case_answers(version_2, "Worked example 6")
    make_signed_assessment(patient, version_2, clinician, first_answers)
    later = {**first_answers, "exam_plantar": "extensor", "exam_fasciculations": True,
             "exam_fasciculation_regions": ["tongue"], "exam_atrophy": True, "exam_atrophy_regions": ["tongue"]}

    follow_up = make_assessment(patient, version_2, clinician, start_from_previous=True)
    signature = sign(follow_up, clinician, {**follow_up.answers, **later})
    report = report_for_signature(signature)

    changes = {change.label: (change.before, change.after) for change in report.follow_up.comparison.symptom_changes}
    assert changes["Plantar responses"] == ("Flexor", "Extensor")
    assert changes["Fasciculations seen"] == ("no", "yes")
    assert changes["Where seen"][1] == "Tongue"
    assert changes["Muscle wasting seen"] == ("no", "yes")
    assert "motor_neuron_pattern" in [rec["code"] for rec in report.output["patterns"]]

    text = " ".join(page.extract_text() for page in PdfReader(BytesIO(render_summary_pdf(report))).pages)
    assert "Fasciculations and cramps: follow-up assessment" in text
    assert text.index("Compared with the visit of") < text.index("Red flags")
    assert "Plantar responses" in text[text.index("Compared with"):text.index("Red flags")]


def test_a_spanish_page_words_the_comparison_in_spanish(version_2, clinician):
    """Answer words and red-flag titles follow the page's language, also for a visit signed in English."""
    patient = make_patient(clinician, sex="female", date_of_birth=datetime.date(1958, 2, 1))
    first_answers = case_answers(version_2, "Worked example 6")
    make_signed_assessment(patient, version_2, clinician, {**first_answers, "rf_sensory_loss": True})
    follow_up = make_assessment(patient, version_2, clinician, start_from_previous=True)
    follow_up = sign(follow_up, clinician, {**follow_up.answers, **{code: False for code in RED_FLAG_ITEMS}}).assessment
    with translation.override("es"):
        comparison = report_for(follow_up).follow_up.comparison
        changes = {change.label: (change.before, change.after) for change in comparison.symptom_changes}
        spanish_weakness = version_2.compiled("es").rule_documents[("red_flag", "rf_sensory_loss")]["title"]
    assert ("sí", "no") in changes.values()
    assert "yes" not in str(changes) and "not recorded" not in str(changes)
    assert spanish_weakness in comparison.resolved_red_flags
