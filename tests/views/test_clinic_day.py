"""A clinician's day: autosave, no second draft, typed numbers refused, visit date and type, patient context."""

from __future__ import annotations

import datetime
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from evaluation.audit import Actor
from evaluation.models import Assessment, AuditEvent
from evaluation.services import assessments as assessment_services
from evaluation.services.templates import template_load_defaults
from tests.factories import case_answers, make_assessment, make_patient, make_signed_assessment


def autosave(client, assessment, **answers):
    data = {"revision": str(assessment.revision), **answers}
    return client.post(reverse("evaluation:assessment_autosave", args=[assessment.pk]), data)


def test_autosave_saves_with_the_revision_and_says_when(clinician_client, assessment):
    response = autosave(clinician_client, assessment, cramps="yes", symptom_weeks="8")

    assert response.status_code == 200
    body = response.json()
    assessment.refresh_from_db()
    assert body == {"saved": True, "revision": assessment.revision,
                    "saved_at": f"{timezone.localtime(assessment.updated_at):%H:%M}"}
    assert assessment.answers == {"cramps": True, "symptom_weeks": 8}
    assert AuditEvent.objects.filter(action=AuditEvent.Action.ASSESSMENT_SAVE).count() == 1


def test_autosave_refuses_a_stale_revision_and_overwrites_nothing(clinician_client, assessment, clinician):
    stale = Assessment.objects.get(pk=assessment.pk)
    assessment_services.assessment_save(assessment=assessment, answers={"cramps": False},
                                        expected_revision=assessment.revision, actor=Actor(clinician))

    response = autosave(clinician_client, stale, cramps="yes")

    assert response.status_code == 409
    assert response.json()["saved"] is False
    assert "changed this draft at" in response.json()["message"]
    stale.refresh_from_db()
    assert stale.answers == {"cramps": False}


def test_a_typed_8_weeks_is_refused_by_name_and_nothing_is_saved(clinician_client, assessment):
    response = autosave(clinician_client, assessment, cramps="yes", symptom_weeks="8 weeks")

    assert response.status_code == 400
    body = response.json()
    assert body["errors"]["symptom_weeks"] == ["Enter a whole number, digits only (for example 8)."]
    assert "How long" in body["message"] or "weeks" in body["message"].lower()
    assessment.refresh_from_db()
    assert assessment.answers == {}


def test_save_draft_keeps_8_weeks_in_the_box_with_the_error(clinician_client, assessment):
    url = reverse("evaluation:assessment_edit", args=[assessment.pk])
    response = clinician_client.post(url, {"revision": assessment.revision, "symptom_weeks": "8 weeks", "save": "1"})

    body = response.content.decode()
    assert response.status_code == 400
    assert 'value="8 weeks"' in body
    assert "Enter a whole number, digits only" in body
    assert "Draft saved." not in body
    # A text box the browser leaves alone, not a number box that would swallow the typo.
    assert 'inputmode="numeric"' in body and 'type="number"' not in body


def test_autosave_on_a_signed_assessment_is_refused(clinician_client, patient, version, clinician):
    signed = make_signed_assessment(patient, version, clinician, case_answers(version, "Worked example 1"))
    response = autosave(clinician_client, signed, cramps="yes")
    assert response.status_code == 409
    assert "Start an amendment" in response.json()["message"]


def test_starting_an_assessment_while_a_draft_is_open_continues_the_draft(clinician_client, patient, version,
                                                                         assessment):
    response = clinician_client.post(reverse("evaluation:assessment_create", args=[patient.pk]),
                                     {"version": version.pk}, follow=True)

    assert Assessment.objects.filter(patient=patient).count() == 1
    assert response.redirect_chain[-1][0] == reverse("evaluation:assessment_edit", args=[assessment.pk])
    assert "already has a draft" in response.content.decode()


def test_the_visit_date_can_be_set_but_not_in_the_future(clinician_client, assessment):
    url = reverse("evaluation:assessment_edit", args=[assessment.pk])
    earlier = timezone.localdate() - datetime.timedelta(days=3)
    clinician_client.post(url, {"revision": assessment.revision, "visit_date": earlier.isoformat(), "save": "1"})
    assessment.refresh_from_db()
    assert assessment.visit_date == earlier

    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = clinician_client.post(url, {"revision": assessment.revision, "visit_date": tomorrow.isoformat()})
    assert response.status_code == 400
    assert "cannot be in the future" in response.content.decode()
    assessment.refresh_from_db()
    assert assessment.visit_date == earlier


# ---------------------------------------------------------------- version 2: visit type and patient context


@pytest.fixture
def version_2(db):
    return template_load_defaults()[-1][0]


def test_version_2_is_the_one_offered_and_fills_the_visit_type(version_2, patient, clinician):
    assert version_2.label == "fasciculation-cramp@2"
    first = make_signed_assessment(patient, version_2, clinician, case_answers(version_2, "Worked example 1"))
    assert first.answers["visit_type"] == "initial"
    assert first.heading == "Fasciculations and cramps: initial assessment"

    follow_up = make_assessment(patient, version_2, clinician, start_from_previous=True)

    assert follow_up.answers["visit_type"] == "follow_up"
    assert follow_up.heading == "Fasciculations and cramps: follow-up assessment"


def test_the_service_keeps_the_visit_type_whatever_is_posted(clinician_client, version_2, patient, clinician):
    assessment = make_assessment(patient, version_2, clinician)
    autosave(clinician_client, assessment, visit_type="follow_up", cramps="yes")
    assessment.refresh_from_db()
    assert assessment.answers["visit_type"] == "initial"


def test_pregnancy_is_not_asked_for_a_man_and_is_for_a_woman(clinician_client, version_2, clinician):
    man = make_patient(clinician, sex="male", given_name="Tomás")
    woman = make_patient(clinician, sex="female", date_of_birth=datetime.date(1990, 1, 1))
    for patient, hidden in ((man, True), (woman, False)):
        assessment = make_assessment(patient, version_2, clinician)
        page = clinician_client.get(reverse("evaluation:assessment_edit", args=[assessment.pk])).content.decode()
        marker = 'data-item="pregnancy" hidden' if hidden else 'data-item="pregnancy">'
        assert marker in page.replace("\n", "")


def test_suggest_workup_reads_the_case_files_context(version_2, tmp_path):
    case = tmp_path / "case.json"
    answers = json.loads(json.dumps(version_2.cases.get(name__startswith="Worked example 6").answers))
    context = version_2.cases.get(name__startswith="Worked example 6").context
    case.write_text(json.dumps({"answers": answers, "context": context}), encoding="utf-8")
    out = StringIO()
    call_command("suggest_workup", str(case), stdout=out)
    result = json.loads(out.getvalue())
    assert [t["code"] for t in result["tests"]] == ["liver_panel"]
    assert result["referrals"] == []


def test_a_pdf_of_a_revision_that_does_not_exist_is_a_404_not_the_latest(clinician_client, patient, version,
                                                                         clinician):
    signed = make_signed_assessment(patient, version, clinician, case_answers(version, "Worked example 1"))
    url = reverse("evaluation:assessment_pdf", args=[signed.pk])
    assert clinician_client.get(url + "?revision=1").content.startswith(b"%PDF")
    for bad in ("2", "abc", "-1"):
        response = clinician_client.get(url + f"?revision={bad}")
        assert response.status_code == 404
        assert b"%PDF" not in response.content
