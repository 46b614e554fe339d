"""The assessment workflow through the Django test client: draft, live suggestions, decisions, sign, amend."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.test import TestCase
from django.urls import reverse

from evaluation.audit import Actor
from evaluation.models import Assessment, Patient, Signature
from evaluation.services import assessments as assessment_services
from tests.factories import PASSWORD, case_answers, sign


def form_data(answers: dict[str, Any], revision: int, **extra: str) -> dict[str, Any]:
    """Answers as the browser posts them."""
    data: dict[str, Any] = {"revision": str(revision), **extra}
    for code, value in answers.items():
        if isinstance(value, bool):
            data[code] = "yes" if value else "no"
        elif isinstance(value, list):
            data[code] = value
        else:
            data[code] = str(value)
    return data


def edit_url(assessment) -> str:
    return reverse("evaluation:assessment_edit", args=[assessment.pk])


def review_url(assessment) -> str:
    return reverse("evaluation:assessment_review", args=[assessment.pk])


def sign_url(assessment) -> str:
    return reverse("evaluation:assessment_sign", args=[assessment.pk])


def test_it_starts_an_assessment_from_the_newest_published_version(clinician_client, patient, version):
    response = clinician_client.post(reverse("evaluation:assessment_create", args=[patient.pk]),
                                     {"version": version.pk})
    assessment = Assessment.objects.get()
    assert response["Location"] == edit_url(assessment)
    page = clinician_client.get(edit_url(assessment)).content.decode()
    assert "Fasciculations (small involuntary twitches under the skin)" in page
    assert "Shoulder abduction" in page and 'id="mrc-sum"' in page
    assert "Required before signing." in page
    # "shown when" items are hidden until their condition holds
    assert 'id="item-fasciculation_regions" data-item="fasciculation_regions" hidden' in page


def test_it_saves_a_partial_draft(clinician_client, assessment):
    response = clinician_client.post(edit_url(assessment), form_data({"fasciculations": True}, 1, save="1"))
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.answers == {"fasciculations": True}
    assert assessment.revision == 2


def test_it_keeps_everything_typed_when_an_answer_is_invalid_and_saves_nothing(clinician_client, assessment):
    response = clinician_client.post(edit_url(assessment), form_data(
        {"fasciculations": True, "symptom_weeks": 9999, "exam_notes": "Keep these notes"}, 1, save="1"))
    body = response.content.decode()
    assert response.status_code == 400
    assert "Ensure this value is less than or equal to 2600." in body
    assert "Keep these notes" in body
    assert "nothing was saved" in body
    assessment.refresh_from_db()
    assert assessment.answers == {} and assessment.revision == 1


def test_it_shows_live_suggestions_for_the_answers_on_screen_without_saving(clinician_client, assessment):
    url = reverse("evaluation:assessment_suggest", args=[assessment.pk])
    body = clinician_client.post(url, form_data({"fasciculations": True, "rf_weakness": True}, 1)).content.decode()
    assert body.index("Red flags") < body.index("Muscle weakness") < body.index("Referral")
    assert "Neurology referral" in body and "Urgent" in body
    assert "When should you consider seeing a specialist?" in body
    hidden = body.split('data-hidden="')[1].split('"')[0].split()
    assert "cramp_timing" in hidden and "fasciculation_regions" not in hidden
    assessment.refresh_from_db()
    assert assessment.answers == {}


def test_it_says_how_many_suggestions_wait_for_unanswered_questions(clinician_client, assessment, version):
    url = reverse("evaluation:assessment_suggest", args=[assessment.pk])
    body = clinician_client.post(url, form_data({"fasciculations": True, "cramps": False}, 1)).content.decode()
    assert "more suggestions wait for unanswered questions" in body
    assert "Pattern consistent with benign" not in body
    complete = case_answers(version, "Worked example 1")
    body = clinician_client.post(url, form_data(complete, 1)).content.decode()
    assert 'id="waiting"' not in body
    assert "Pattern consistent with benign fasciculation syndrome" in body


def test_it_says_in_words_when_no_test_is_suggested(clinician_client, assessment):
    url = reverse("evaluation:assessment_suggest", args=[assessment.pk])
    body = clinician_client.post(url, form_data({"fasciculations": True, "cramps": False}, 1)).content.decode()
    assert "No tests suggested from the answers given." in body


def test_it_shows_the_mrc_sum_score_only_when_all_twelve_are_graded(clinician_client, assessment, version):
    grades = {code: 5 for code in version.compiled().mrc_codes}
    url = reverse("evaluation:assessment_suggest", args=[assessment.pk])
    assert "60/60" in clinician_client.post(url, form_data(grades, 1)).content.decode()
    grades.pop("mrc_hip_flexion_left")
    assert "shown when all movements are graded" in clinician_client.post(url, form_data(grades, 1)).content.decode()


def test_it_refuses_the_second_of_two_conflicting_saves_and_overwrites_nothing(
    client, clinician, other_clinician, assessment
):
    client.force_login(clinician)
    client.post(edit_url(assessment), form_data({"cramps": True}, 1, save="1"))
    client.force_login(other_clinician)
    response = client.post(edit_url(assessment), form_data({"cramps": False, "exam_notes": "mine"}, 1, save="1"))
    body = response.content.decode()
    assert response.status_code == 409
    assert "this draft was changed by Drwho Tester" in body
    assert "yours “no”, theirs “yes”" in body
    assert "mine" in body  # what the second person typed is still on screen
    assessment.refresh_from_db()
    assert assessment.answers == {"cramps": True}
    # Saving again, having seen the conflict, is a deliberate overwrite.
    response = client.post(edit_url(assessment), form_data({"cramps": False}, assessment.revision, save="1"))
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.answers == {"cramps": False}


@pytest.fixture
def complete(assessment, version, clinician):
    return assessment_services.assessment_save(assessment=assessment, answers=case_answers(version, "Worked example 3"),
                                    expected_revision=assessment.revision, actor=Actor(clinician))


def decisions_post(assessment, **extra: str) -> dict[str, str]:
    return {"revision": str(assessment.revision), **extra}


def test_it_refuses_to_sign_an_incomplete_assessment_listing_what_is_missing(clinician_client, assessment):
    response = clinician_client.post(sign_url(assessment), decisions_post(assessment, sign="1", password=PASSWORD))
    body = response.content.decode()
    assert response.status_code == 400
    assert "Not signed yet:" in body
    assert "Answer “Cramps (sudden, painful contraction of a whole muscle)” in Presenting symptoms (history)." in body
    assert "(cramps)" not in body  # no internal codes in messages
    assessment.refresh_from_db()
    assert assessment.status == "draft" and not Signature.objects.exists()


def test_it_needs_a_decision_on_every_suggested_test_and_a_reason_to_decline(clinician_client, complete):
    response = clinician_client.post(sign_url(complete), decisions_post(complete, sign="1", password=PASSWORD, **{"decision__test:electrolytes": "ordered"}))
    assert "Record ordered or declined for “Kidney function: creatinine, eGFR, urea”." in response.content.decode()
    complete.refresh_from_db()
    response = clinician_client.post(review_url(complete), decisions_post(
        complete, save="1", **{"decision__test:kidney_panel": "declined"}))
    assert response.status_code == 400
    assert "Give a reason for declining “Kidney function" in response.content.decode()


def test_it_refuses_a_wrong_password_when_signing(clinician_client, complete):
    response = clinician_client.post(sign_url(complete), decisions_post(complete, sign="1", password="wrong", **{"decision__test:electrolytes": "ordered",
                                                 "decision__test:kidney_panel": "ordered"}))
    assert response.status_code == 400
    assert "The password is not correct." in response.content.decode()
    complete.refresh_from_db()
    assert complete.status == "draft"


def sign_through_the_page(client, assessment) -> None:
    with TestCase.captureOnCommitCallbacks(execute=True):  # the PDFs are stored after the signing commit
        response = client.post(sign_url(assessment), decisions_post(assessment, sign="1", password=PASSWORD, **{
            "decision__test:electrolytes": "ordered",
            "decision__test:kidney_panel": "declined", "reason__test:kidney_panel": "eGFR done last week",
            "added_title_0": "Creatine kinase", "added_reason_0": "Night cramps with aches"}))
    assert response.status_code == 302, response.content.decode()[:2000]


def test_it_signs_with_decisions_and_makes_the_record_read_only(clinician_client, complete, clinician):
    sign_through_the_page(clinician_client, complete)
    complete.refresh_from_db()
    signature = complete.signatures.get()
    assert complete.status == "final"
    assert signature.signed_by == clinician
    assert signature.content["output"]["tests"][0]["code"] == "electrolytes"
    assert signature.content["decisions"]["suggested"]["test:kidney_panel"] == {
        "decision": "declined", "reason": "eGFR done last week"}
    assert len(signature.content_hash) == 64 and signature.pdf
    page = clinician_client.get(complete.get_absolute_url()).content.decode()
    assert "Signed by <strong>Drwho Tester</strong>" in page
    assert "declined: eGFR done last week" in page and "Creatine kinase — Night cramps with aches" in page
    assert "Continue editing" not in page
    # The edit page refuses, and a posted edit changes nothing.
    assert clinician_client.get(edit_url(complete))["Location"] == complete.get_absolute_url()
    clinician_client.post(edit_url(complete), form_data({"cramps": False}, complete.revision, save="1"))
    complete.refresh_from_db()
    assert complete.answers["cramps"] is True


def test_it_amends_with_a_reason_and_keeps_the_earlier_revision_readable(clinician_client, complete):
    sign_through_the_page(clinician_client, complete)
    amend_url = reverse("evaluation:assessment_amend", args=[complete.pk])
    response = clinician_client.post(amend_url, {"reason": "  "})
    assert response.status_code == 400 and "This field is required." in response.content.decode()
    response = clinician_client.post(amend_url, {"reason": "Frequency recorded wrongly"})
    assert response["Location"] == edit_url(complete)
    complete.refresh_from_db()
    clinician_client.post(edit_url(complete), form_data({**complete.answers, "cramp_frequency": "daily"},
                                                         complete.revision, save="1"))
    complete.refresh_from_db()
    sign_through_the_page(clinician_client, complete)
    complete.refresh_from_db()
    assert complete.status == "amended"
    first, second = complete.signatures.order_by("number")
    assert second.amendment_reason == "Frequency recorded wrongly"
    assert "cramp_frequency" not in first.content["answers"]
    assert second.content["answers"]["cramp_frequency"] == "daily"
    page = clinician_client.get(complete.get_absolute_url()).content.decode()
    assert "Revision 1" in page and "Revision 2" in page and "amended: Frequency recorded wrongly" in page
    old = clinician_client.get(reverse("evaluation:assessment_revision", args=[complete.pk, 1])).content.decode()
    assert "Viewing signed revision 1" in old
    assert "Supervised" not in old and "drug treatment" not in old
    assert "drug treatment" in page


def test_it_starts_a_follow_up_from_the_previous_answers_and_flags_worse_strength(
    clinician_client, patient, version, clinician
):
    earlier = case_answers(version, "Worked example 4")
    earlier.update({"mrc_wrist_extension_right": 5, "rf_atrophy": False, "exam_atrophy": False})
    earlier.pop("exam_atrophy_regions")
    first = assessment_services.assessment_create(patient=patient, version=version, actor=Actor(clinician))
    sign(first, clinician, earlier)
    clinician_client.post(reverse("evaluation:assessment_create", args=[patient.pk]),
                          {"version": version.pk, "start_from_previous": "on"})
    follow_up = Assessment.objects.exclude(pk=first.pk).get()
    assert follow_up.previous == first
    # History carries over; red flags and the examination are asked again, never copied.
    assert follow_up.answers["fasciculation_regions"] == ["hands", "arms"]
    assert follow_up.answers["symptom_weeks"] == 13
    assert not any(code.startswith(("rf_", "mrc_", "exam_")) for code in follow_up.answers)
    reexamined = {code: value for code, value in earlier.items() if code.startswith(("rf_", "mrc_", "exam_"))}
    assessment_services.assessment_save(assessment=follow_up,
                             answers={**follow_up.answers, **reexamined, "mrc_wrist_extension_right": 3,
                                      "rf_atrophy": True},
                             expected_revision=follow_up.revision, actor=Actor(clinician))
    page = clinician_client.get(follow_up.get_absolute_url()).content.decode()
    assert "Strength is worse than at the previous visit." in page
    assert "MRC sum score: 60 → 58 (-2)" in page
    assert "Wrist extension, right 5/5 → 3/5" in page
    assert "New red flags: Change in muscle size (wasting), Weakness on examination (MRC grade below 5)" in page


def test_it_builds_a_demo_clinic_with_draft_final_and_amended_assessments(db, settings):
    settings.DEBUG = True
    call_command("load_default_template", stdout=__import__("io").StringIO())
    call_command("demo_data", stdout=__import__("io").StringIO())
    call_command("demo_data", stdout=__import__("io").StringIO())
    assert Patient.objects.count() == 4
    assert set(Assessment.objects.values_list("status", flat=True)) == {"draft", "final", "amended"}


def test_it_calls_a_red_flag_not_reassessed_rather_than_resolved_when_the_exam_is_not_recorded(
    clinician_client, patient, version, clinician
):
    first = assessment_services.assessment_create(patient=patient, version=version, actor=Actor(clinician))
    sign(first, clinician, case_answers(version, "Worked example 4"))
    follow_up = assessment_services.assessment_create(patient=patient, version=version, actor=Actor(clinician),
                                           start_from_previous=True)
    page = clinician_client.get(follow_up.get_absolute_url()).content.decode()
    assert "Resolved: none." in page
    assert "Not reassessed this visit: Muscle weakness" in page and "Muscle wasting seen on examination" in page


def test_it_answers_a_repeated_checkbox_value_once_instead_of_failing(clinician_client, assessment):
    response = clinician_client.post(edit_url(assessment), {
        "revision": "1", "fasciculations": "yes", "fasciculation_regions": ["legs", "legs"], "save": "1"})
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.answers["fasciculation_regions"] == ["legs"]


def test_it_treats_an_empty_post_as_an_invalid_form_and_saves_nothing(clinician_client, assessment):
    response = clinician_client.post(edit_url(assessment), {})
    assert response.status_code == 400
    assert "nothing was saved" in response.content.decode()
    assessment.refresh_from_db()
    assert assessment.revision == 1


def test_it_records_who_opened_the_edit_and_review_pages(clinician_client, assessment):
    from evaluation.models import AuditEvent

    clinician_client.get(edit_url(assessment))
    clinician_client.get(review_url(assessment))
    pages = [e.detail.get("page") for e in AuditEvent.objects.filter(action="assessment_view").order_by("id")]
    assert pages == ["edit", "review"]


def test_it_answers_live_suggestions_with_a_small_fixed_number_of_queries(
    clinician_client, assessment, django_assert_max_num_queries
):
    url = reverse("evaluation:assessment_suggest", args=[assessment.pk])
    clinician_client.post(url, form_data({"cramps": True}, 1))  # warms the compiled-template cache
    # Session, user, permissions, the assessment and the session save: nothing per item or rule.
    with django_assert_max_num_queries(8):
        clinician_client.post(url, form_data({"cramps": True, "rf_weakness": True}, 1))
