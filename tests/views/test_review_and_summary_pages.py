"""The review page lists the decisions in the order the suggestions panel and the PDF do (referral first, urgent
first), in the words of each kind; the screen summary folds "no" answers as the PDF does."""

from __future__ import annotations

import re

from django.urls import reverse

from evaluation.audit import Actor
from evaluation.decisions import DECLINED, ORDERED, Decision, Decisions
from evaluation.services import assessments as assessment_services
from tests.factories import case_answers, make_assessment, make_patient, save, sign


def _fieldsets(html: str) -> list[str]:
    """The decision fieldsets' ids, in page order."""
    return re.findall(r'<fieldset class="decision[^"]*" id="decision-([a-z_]+-[a-z_]+)"', html)


def test_the_review_page_lists_the_urgent_referral_first_then_urgent_tests(clinician_client, assessment, clinician,
                                                                          version):
    save(assessment, clinician, case_answers(version, "Worked example 4"))

    response = clinician_client.get(reverse("evaluation:assessment_review", args=[assessment.pk]))

    assert response.status_code == 200
    order = _fieldsets(response.content.decode())
    assert order[0] == "referral-neurology_referral"
    assert order[1] == "test-emg"  # the urgent test, before the routine ones
    assert set(order) == {"referral-neurology_referral", "test-emg", "test-ncv", "test-electrolytes",
                          "test-kidney_panel", "test-thyroid_panel", "test-liver_panel"}


def test_the_review_page_offers_referred_or_not_referred_for_a_referral(clinician_client, assessment, clinician,
                                                                        version):
    save(assessment, clinician, case_answers(version, "Worked example 4"))

    html = clinician_client.get(reverse("evaluation:assessment_review", args=[assessment.pk])).content.decode()

    referral = html[html.index('id="decision-referral-neurology_referral"'):html.index('id="decision-test-emg"')]
    assert ">Referred</label>" in referral and ">Not referred</label>" in referral
    assert "Reason if not referred" in referral
    test = html[html.index('id="decision-test-emg"'):]
    assert ">Ordered</label>" in test and ">Declined</label>" in test


def test_refusing_to_sign_names_the_missing_referral_decision_in_its_words(clinician_client, assessment, clinician,
                                                                           version):
    assessment = save(assessment, clinician, case_answers(version, "Worked example 4"))

    outcome = assessment_services.assessment_sign(assessment=assessment, actor=Actor(clinician),
                                                  expected_revision=assessment.revision, decisions=Decisions())

    assert not outcome.signed
    assert "Record referred or not referred for “Neurology referral”." in outcome.problems
    assert "Record ordered or declined for “Electromyography (EMG)”." in outcome.problems


def test_the_screen_summary_says_referred_and_folds_no_answers(clinician_client, assessment, clinician, version):
    sign(assessment, clinician, case_answers(version, "Worked example 4"))

    html = clinician_client.get(reverse("evaluation:assessment_detail", args=[assessment.pk])).content.decode()

    assert "— referred" in html
    assert "<strong>Denied:</strong> Cramps" in html
    assert "<strong>Denied:</strong> Loss of sensation or numbness, Persistent pain" in html
    assert "Not recorded:</strong> Stress or anxiety" in html  # the causes were not asked in this example


def test_the_screen_summary_says_not_referred_with_the_reason(clinician_client, assessment, clinician, version):
    assessment = save(assessment, clinician, case_answers(version, "Worked example 4"))
    decisions = Decisions({
        f"{rec.kind}:{rec.code}": Decision(DECLINED, "Seen by neurology last week") if rec.kind == "referral"
        else Decision(ORDERED)
        for rec in assessment.evaluate().needing_decision()
    })
    assessment_services.assessment_save_decisions(assessment=assessment, decisions=decisions,
                                                  expected_revision=assessment.revision, actor=Actor(clinician))

    html = clinician_client.get(reverse("evaluation:assessment_detail", args=[assessment.pk])).content.decode()

    assert "— not referred: Seen by neurology last week" in html


def test_a_source_section_ending_in_a_question_mark_gets_no_colon_after_it(clinician_client, clinician, version):
    draft = make_assessment(make_patient(clinician), version, clinician, case_answers(version, "Worked example 4"))
    page = clinician_client.get(draft.get_absolute_url()).content.decode()
    assert "When should you consider seeing a specialist? “" in page
    assert "?: “" not in page
