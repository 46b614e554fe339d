"""The assessments API: start, read, save answers and decisions with optimistic locking, sign with the
password, amend; signed records carry their content hash as ETag. Every step is in the audit trail."""

from __future__ import annotations

from evaluation.decisions import key_of
from evaluation.models import Assessment, AuditEvent, Signature
from tests.factories import PASSWORD, case_answers

Action = AuditEvent.Action


def _url(assessment: Assessment, tail: str = "") -> str:
    return f"/api/v1/assessments/{assessment.pk}/{tail}"


def _order_everything(api, assessment: Assessment) -> dict:
    keys = [key_of(rec) for rec in Assessment.objects.get(pk=assessment.pk).evaluate().needing_decision()]
    return {"suggested": {key: {"decision": "ordered"} for key in keys}, "added": []}


def test_it_starts_an_assessment_on_a_published_version(api, patient, version, clinician):
    response = api.post(f"/api/v1/patients/{patient.pk}/assessments/", {"template": "fasciculation-cramp@1"},
                        format="json")
    assert response.status_code == 201
    body = response.json()
    assessment = Assessment.objects.get(pk=body["id"])
    assert (body["status"], body["revision"], body["template"], body["answers"]) == ("draft", 1, version.label, {})
    assert "fasciculations" in body["missing_required"]
    assert AuditEvent.objects.filter(action=Action.ASSESSMENT_CREATE, object_id=str(assessment.pk)).exists()
    listed = api.get(f"/api/v1/patients/{patient.pk}/assessments/").json()
    assert [row["id"] for row in listed["results"]] == [body["id"]]
    second = api.post(f"/api/v1/patients/{patient.pk}/assessments/", {}, format="json")
    assert second.status_code == 409 and second.json()["code"] == "open_draft" and second.json()["draft"] == body["id"]


def test_it_names_the_template_field_when_the_version_is_unknown(api, patient, version):
    response = api.post(f"/api/v1/patients/{patient.pk}/assessments/", {"template": "nope@9"}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["template"]


def test_it_saves_answers_and_returns_the_live_suggestions(api, assessment, version, clinician):
    answers = case_answers(version, "Worked example 2")
    response = api.put(_url(assessment, "answers/"), {"revision": 1, "answers": answers}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["revision"] == 2 and body["answers"] == answers
    assert [t["code"] for t in body["suggestions"]["tests"]] == ["electrolytes"]
    assert body["suggestions"]["template"] == version.label
    saved = AuditEvent.objects.get(action=Action.ASSESSMENT_SAVE, object_id=str(assessment.pk))
    assert saved.user == clinician and "cramps" in saved.detail["changes"]


def test_it_answers_409_on_a_stale_revision_and_keeps_the_newer_answers(api, assessment):
    assert api.put(_url(assessment, "answers/"), {"revision": 1, "answers": {"cramps": True}},
                   format="json").status_code == 200
    stale = api.put(_url(assessment, "answers/"), {"revision": 1, "answers": {"cramps": False}}, format="json")
    assert stale.status_code == 409
    assert stale.json()["code"] == "stale_revision" and stale.json()["current_revision"] == 2
    assert Assessment.objects.get(pk=assessment.pk).answers == {"cramps": True}


def test_it_answers_400_naming_each_bad_item(api, assessment):
    bad = {"cramps": "yes", "symptom_weeks": 99999, "no_such_item": 1, "fasciculations": True}
    response = api.put(_url(assessment, "answers/"), {"revision": 1, "answers": bad}, format="json")
    assert response.status_code == 400
    errors = response.json()["answers"]
    assert set(errors) == {"cramps", "symptom_weeks", "no_such_item"}
    assert errors["no_such_item"] == ["unknown item code"]
    missing = api.put(_url(assessment, "answers/"), {"answers": {}}, format="json").json()
    assert list(missing) == ["revision"]
    assert Assessment.objects.get(pk=assessment.pk).revision == 1


def test_it_saves_decisions_and_refuses_a_decline_without_reason(api, assessment, version):
    api.put(_url(assessment, "answers/"), {"revision": 1, "answers": case_answers(version, "Worked example 3")},
            format="json")
    no_reason = {"suggested": {"test:electrolytes": {"decision": "declined"}}}
    refused = api.put(_url(assessment, "decisions/"), {"revision": 2, "decisions": no_reason}, format="json")
    assert refused.status_code == 400
    assert list(refused.json()["decisions"]["suggested"]) == ["test:electrolytes"]
    unknown = {"suggested": {"test:emg": {"decision": "ordered"}}}
    assert "test:emg" in api.put(_url(assessment, "decisions/"), {"revision": 2, "decisions": unknown},
                                 format="json").json()["decisions"]["suggested"]
    given = {"suggested": {"test:electrolytes": {"decision": "declined", "reason": "Done last week"}},
             "added": [{"title": "Creatine kinase", "reason": "Cramps"}]}
    saved = api.put(_url(assessment, "decisions/"), {"revision": 2, "decisions": given}, format="json")
    assert saved.status_code == 200
    assert saved.json()["decisions"]["suggested"]["test:electrolytes"] == {"decision": "declined",
                                                                           "reason": "Done last week"}
    event = AuditEvent.objects.get(action=Action.ASSESSMENT_DECISIONS, object_id=str(assessment.pk))
    assert event.detail == {"decisions": {"test:electrolytes": "declined"}, "added": 1}


def test_it_signs_only_with_the_signers_password(api, assessment, version):
    api.put(_url(assessment, "answers/"), {"revision": 1, "answers": case_answers(version, "Worked example 2")},
            format="json")
    decisions = _order_everything(api, assessment)
    wrong = api.post(_url(assessment, "sign/"), {"revision": 2, "password": "guess", "decisions": decisions},
                     format="json")
    assert wrong.status_code == 400 and list(wrong.json()) == ["password"]
    assert not Signature.objects.exists()
    signed = api.post(_url(assessment, "sign/"), {"revision": 2, "password": PASSWORD, "decisions": decisions},
                      format="json")
    assert signed.status_code == 200
    body = signed.json()
    signature = Signature.objects.get(assessment=assessment)
    assert body["status"] == "final" and body["signed_revision"] == 1
    assert body["signatures"][0]["content_hash"] == signature.content_hash
    assert signed["ETag"] == f'"{signature.content_hash}"'
    assert AuditEvent.objects.filter(action=Action.ASSESSMENT_FINALIZE, object_id=str(assessment.pk),
                                     detail__content_hash=signature.content_hash).exists()


def test_it_lists_what_stops_signing_and_keeps_the_decisions(api, assessment):
    api.put(_url(assessment, "answers/"), {"revision": 1, "answers": {"cramps": True}}, format="json")
    response = api.post(_url(assessment, "sign/"), {"revision": 2, "password": PASSWORD}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "Not signed yet." and any("Fasciculations" in p for p in body["problems"])
    assert "fasciculations" in body["missing_required"] and "cramps" not in body["missing_required"]
    assert body["current_revision"] == 2
    assert Assessment.objects.get(pk=assessment.pk).status == "draft"


def test_it_serves_a_signed_record_with_its_etag_and_304_when_unchanged(api, signed):
    signature = Signature.objects.get(assessment=signed)
    first = api.get(_url(signed))
    assert first.status_code == 200 and first["ETag"] == f'"{signature.content_hash}"'
    body = first.json()
    assert body["answers"] == signature.content["answers"]
    assert body["suggestions"]["red_flags"] == signature.content["output"]["red_flags"]
    assert [r["code"] for r in body["suggestions"]["red_flags"]] == [
        "rf_weakness", "rf_atrophy", "rf_progressive", "objective_weakness", "exam_atrophy"]
    assert {"private", "no-store"} <= {part.strip() for part in first["Cache-Control"].split(",")}
    again = api.get(_url(signed), HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b""
    revision = api.get(_url(signed, "revisions/1/"))
    assert revision.json()["content"] == signature.content and revision["ETag"] == first["ETag"]
    assert api.get(_url(signed, "revisions/2/")).status_code == 404
    views = AuditEvent.objects.filter(action=Action.ASSESSMENT_VIEW, object_id=str(signed.pk))
    assert views.count() == 3 and views.filter(detail__revision=1).exists()


def test_it_refuses_to_change_a_signed_record_then_amends_it_with_a_reason(api, signed):
    refused = api.put(_url(signed, "answers/"), {"revision": signed.revision, "answers": {}}, format="json")
    assert refused.status_code == 409 and refused.json()["code"] == "not_editable"
    assert api.post(_url(signed, "amend/"), {"reason": "  "}, format="json").json() == {
        "reason": ["This field may not be blank."]}
    amended = api.post(_url(signed, "amend/"), {"reason": "MRC regraded"}, format="json")
    assert amended.status_code == 200
    body = amended.json()
    assert body["status"] == "draft" and body["amendment_reason"] == "MRC regraded"
    assert "ETag" not in amended  # a draft changes: no validator
    assert AuditEvent.objects.filter(action=Action.ASSESSMENT_AMEND, object_id=str(signed.pk)).exists()
    assert api.post(_url(signed, "amend/"), {"reason": "again"}, format="json").status_code == 409


def test_it_refuses_writes_to_a_template_admin_and_unknown_assessments(bearer, template_admin, assessment, api):
    admin = bearer(template_admin)
    assert admin.get(_url(assessment)).status_code == 403
    assert admin.put(_url(assessment, "answers/"), {"revision": 1, "answers": {}}, format="json").status_code == 403
    missing = "/api/v1/assessments/00000000-0000-0000-0000-000000000000/"
    assert api.get(missing).status_code == 404
    assert api.post(missing + "sign/", {"revision": 1, "password": PASSWORD}, format="json").status_code == 404


def test_it_never_answers_500_to_malformed_bodies(api, assessment):
    for body in ([], "text", {"revision": "x", "answers": []}, {"revision": 1, "answers": {"cramps": {"a": 1}}},
                 {"revision": 10**30, "answers": {}}, {"revision": 1, "answers": {"symptom_weeks": 10**30}}):
        assert api.put(_url(assessment, "answers/"), body, format="json").status_code == 400, body
    garbled = api.generic("PUT", _url(assessment, "answers/"), "{not json", content_type="application/json")
    assert garbled.status_code == 400 and "detail" in garbled.json()
