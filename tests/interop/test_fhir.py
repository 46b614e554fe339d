"""FHIR export: every resource parses with fhir.resources (R4B) and round-trips; content follows the records."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.patient import Patient as FhirPatient
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from evaluation.audit import Actor
from evaluation.decisions import Decisions
from evaluation.models import AuditEvent, Signature
from evaluation.services import assessments as assessment_services
from evaluation.services.reports import SUMMARY, signature_report
from tests.factories import case_answers, save, sign

Action = AuditEvent.Action
FHIR_JSON = "application/fhir+json"


def _parsed(model: Any, response: Any) -> dict[str, Any]:
    """The body, parsed by its fhir.resources model, and proof that writing it back changes nothing."""
    assert response["Content-Type"].startswith(FHIR_JSON)
    data = json.loads(response.content)
    resource = model.model_validate(data)
    assert json.loads(resource.model_dump_json()) == data
    return data


def _items(questionnaire: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["linkId"]: item for group in questionnaire["item"] for item in group["item"]}


def test_it_exports_a_template_version_as_a_questionnaire(api, version):
    data = _parsed(Questionnaire, api.get("/fhir/Questionnaire/fasciculation-cramp-1"))
    assert data["url"] == "http://testserver/fhir/Questionnaire/fasciculation-cramp-1" and data["version"] == "1"
    assert data["status"] == "active"
    items = _items(data)
    assert set(items) == set(version.compiled().items)
    assert [group["linkId"] for group in data["item"]] == [s["code"] for s in version.to_document()["sections"]]
    assert items["fasciculations"]["type"] == "boolean" and items["fasciculations"]["required"] is True
    assert items["fasciculations"]["code"] == [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "R25.3",
                                                "display": "Fasciculation"}]
    regions = items["fasciculation_regions"]
    assert regions["type"] == "choice" and regions["repeats"] is True
    assert [o["valueCoding"]["code"] for o in regions["answerOption"]][:2] == ["face", "tongue"]
    assert regions["enableWhen"] == [{"question": "fasciculations", "operator": "=", "answerBoolean": True}]
    mrc = items["mrc_wrist_extension_right"]
    assert mrc["type"] == "integer" and [e["valueInteger"] for e in mrc["extension"]] == [0, 5]
    assert items["symptom_weeks"]["type"] == "integer" and items["med_other"]["maxLength"] == 2000


def test_it_carries_a_shown_when_it_cannot_express_in_an_extension(api, version):
    """enableWhen compares one item with a value; a condition on a finding travels verbatim instead."""
    document = version.to_document()
    findings = [raw for section in document["sections"] for raw in section["items"]
                if raw.get("shown_when") and "finding" in json.dumps(raw["shown_when"])]
    items = _items(_parsed(Questionnaire, api.get("/fhir/Questionnaire/fasciculation-cramp-1")))
    for raw in findings:
        assert "enableWhen" not in items[raw["code"]]
        carried = [e for e in items[raw["code"]]["extension"] if e["url"].endswith("/shown-when")]
        assert json.loads(carried[0]["valueString"]) == raw["shown_when"]
    with_condition = [code for code, item in items.items() if "enableWhen" in item]
    assert len(with_condition) >= 6


def test_it_exports_a_draft_as_an_in_progress_response(api, assessment, version, clinician):
    save(assessment, clinician, {"cramps": True, "cramp_regions": ["calves"], "fasciculations": False,
                                 "fasciculation_regions": ["face"]})
    data = _parsed(QuestionnaireResponse, api.get(f"/fhir/QuestionnaireResponse/{assessment.pk}"))
    assert data["status"] == "in-progress" and "meta" not in data
    assert data["questionnaire"] == "http://testserver/fhir/Questionnaire/fasciculation-cramp-1"
    answered = {item["linkId"]: item["answer"] for group in data["item"] for item in group["item"]}
    # fasciculation_regions is hidden (no fasciculations): it does not apply and is not exported.
    assert answered == {"fasciculations": [{"valueBoolean": False}], "cramps": [{"valueBoolean": True}],
                        "cramp_regions": [{"valueCoding": {
                            "system": "http://testserver/fhir/CodeSystem/fasciculation-cramp/cramp_regions",
                            "code": "calves", "display": "Calves"}}]}
    assert data["author"]["identifier"]["value"] == clinician.username
    assert AuditEvent.objects.filter(action=Action.ASSESSMENT_VIEW, object_id=str(assessment.pk),
                                     detail={"page": "fhir QuestionnaireResponse", "revision": None}).exists()


def test_it_exports_each_signed_revision_with_its_signer(api, signed, clinician, version):
    amended = assessment_services.assessment_amend(assessment=signed, reason="Regraded", actor=Actor(clinician))
    sign(amended, clinician, {**signed.answers, "mrc_wrist_extension_right": 3})
    first = _parsed(QuestionnaireResponse, api.get(f"/fhir/QuestionnaireResponse/{signed.pk}?revision=1"))
    latest = _parsed(QuestionnaireResponse, api.get(f"/fhir/QuestionnaireResponse/{signed.pk}"))
    signatures = list(Signature.objects.filter(assessment=signed).order_by("number"))
    assert (first["status"], first["meta"]["versionId"]) == ("completed", "1")
    assert (latest["status"], latest["meta"]["versionId"]) == ("amended", "2")
    assert first["authored"].startswith(signatures[0].signed_at.strftime("%Y-%m-%dT%H:%M:%S"))
    assert latest["author"]["display"] == signatures[1].signer_name

    def grade(data: dict[str, Any]) -> int:
        return next(item["answer"][0]["valueInteger"] for group in data["item"] for item in group["item"]
                    if item["linkId"] == "mrc_wrist_extension_right")

    assert (grade(first), grade(latest)) == (4, 3)
    assert api.get(f"/fhir/QuestionnaireResponse/{signed.pk}?revision=3").status_code == 404
    response = api.get(f"/fhir/QuestionnaireResponse/{signed.pk}")
    assert response["ETag"].startswith('W/"')
    assert api.get(f"/fhir/QuestionnaireResponse/{signed.pk}", HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304


def _entries(bundle: dict[str, Any], resource_type: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == resource_type]


def test_it_bundles_patient_answers_orders_and_the_signed_pdf(api, signed, patient):
    data = _parsed(Bundle, api.get(f"/fhir/Bundle/{signed.pk}"))
    assert data["type"] == "collection"
    assert [e["fullUrl"] for e in data["entry"]][:2] == [f"http://testserver/fhir/Patient/{patient.pk}",
                                                         f"http://testserver/fhir/QuestionnaireResponse/{signed.pk}"]
    (person,) = _entries(data, "Patient")
    assert person["identifier"][0]["value"] == "MRN-1001" and person["birthDate"] == "1980-04-01"
    assert _entries(data, "QuestionnaireResponse")[0]["status"] == "completed"
    requests = {r["identifier"][0]["value"]: r for r in _entries(data, "ServiceRequest")}
    signature = Signature.objects.get(assessment=signed)
    ordered = [f"test:{t['code']}" for t in signature.content["output"]["tests"]] + ["referral:neurology_referral"]
    assert sorted(requests) == sorted(ordered)
    assert requests["test:electrolytes"]["code"]["coding"] == [{"system": "http://loinc.org", "code": "24326-1"}]
    assert requests["test:emg"]["priority"] == "urgent" and "coding" not in requests["test:emg"]["code"]
    assert requests["referral:neurology_referral"]["priority"] == "urgent"
    (report,) = _entries(data, "DocumentReference")
    assert requests["test:emg"]["reasonReference"] == [{"reference": f"DocumentReference/{report['id']}"}]
    assert requests["test:emg"]["supportingInfo"] == [{"reference": f"QuestionnaireResponse/{signed.pk}"}]
    attachment = report["content"][0]["attachment"]
    pdf = base64.b64decode(attachment["data"])
    stored = signature_report(signature, SUMMARY, signed)
    assert pdf == stored.data and pdf.startswith(b"%PDF")
    assert attachment["hash"] == base64.b64encode(hashlib.sha1(pdf).digest()).decode()
    assert attachment["extension"][0]["valueString"] == hashlib.sha256(pdf).hexdigest() == stored.sha256
    assert AuditEvent.objects.filter(action=Action.ASSESSMENT_VIEW, object_id=str(signed.pk),
                                     detail__pdf_hash=stored.sha256).exists()


def test_it_bundles_a_draft_without_a_report_and_with_draft_orders(api, assessment, version, clinician):
    answers = case_answers(version, "Worked example 2")
    draft = save(assessment, clinician, answers)
    assessment_services.assessment_save_decisions(
        assessment=draft, decisions=Decisions.from_json({"suggested": {"test:electrolytes": {"decision": "ordered"}}}),
        expected_revision=draft.revision, actor=Actor(clinician))
    data = _parsed(Bundle, api.get(f"/fhir/Bundle/{assessment.pk}"))
    assert _entries(data, "DocumentReference") == []
    (request,) = _entries(data, "ServiceRequest")
    assert request["status"] == "draft" and "reasonReference" not in request


def test_it_answers_unknown_ids_and_refused_roles_with_an_operation_outcome(api, bearer, template_admin, signed):
    for url in ("/fhir/Bundle/00000000-0000-0000-0000-000000000000", "/fhir/QuestionnaireResponse/nope",
                "/fhir/Questionnaire/nope-9", "/fhir/Observation/1"):
        response = api.get(url)
        assert response.status_code == 404, url
        assert _parsed(OperationOutcome, response)["issue"][0]["code"] == "not-found"
    refused = bearer(template_admin).get(f"/fhir/Bundle/{signed.pk}")
    assert refused.status_code == 403
    assert _parsed(OperationOutcome, refused)["issue"][0]["code"] == "forbidden"
    anonymous = api.__class__().get(f"/fhir/Bundle/{signed.pk}")
    assert anonymous.status_code == 401 and _parsed(OperationOutcome, anonymous)["issue"][0]["code"] == "login"
    assert bearer(template_admin).get("/fhir/Questionnaire/fasciculation-cramp-1").status_code == 200


def test_it_exports_the_patient_and_its_capabilities(api, patient):
    person = _parsed(FhirPatient, api.get(f"/fhir/Patient/{patient.pk}"))
    assert (person["name"][0]["family"], person["gender"]) == ("Muñoz", "female")
    assert AuditEvent.objects.filter(action=Action.PATIENT_VIEW, patient=patient, detail={"page": "fhir"}).exists()
    assert _parsed(CapabilityStatement, api.get("/fhir/metadata"))["fhirVersion"] == "4.3.0"
