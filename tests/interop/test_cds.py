"""CDS Hooks: discovery, cards for the worked examples of the clinical specification, feedback in the audit trail."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from rest_framework.test import APIClient

from evaluation import selectors
from evaluation.models import AuditEvent
from interop.roles import CDS_FEEDBACK
from tests.factories import case_answers

SERVICE = "/cds-services/fasciculation-cramp"


def response_of(version: Any, answers: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A QuestionnaireResponse as an EHR might send it: flat items, codes without a system."""
    items = version.compiled().items
    entries = []
    for code, value in answers.items():
        kind = items[code].type
        if kind == "bool":
            answer = [{"valueBoolean": value}]
        elif kind in ("int", "mrc"):
            answer = [{"valueInteger": value}]
        elif kind == "text":
            answer = [{"valueString": value}]
        else:
            answer = [{"valueCoding": {"code": c}} for c in (value if kind == "multi" else [value])]
        entries.append({"linkId": code, "answer": answer})
    return {"resourceType": "QuestionnaireResponse", "status": "completed", "item": entries, **extra}


def hook(response: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    body = {"hook": "patient-view", "hookInstance": str(uuid.uuid4()),
            "context": {"userId": "Practitioner/1", "patientId": "ehr-123"}, **extra}
    if response is not None:
        body["prefetch"] = {"checklist": response}
    return body


def cards_by_code(response: Any) -> dict[str, dict[str, Any]]:
    assert response.status_code == 200, response.content
    return {card["source"]["topic"]["code"]: card for card in response.json()["cards"]}


def test_it_describes_its_service_for_discovery(client, version):
    body = client.get("/cds-services").json()
    (service,) = body["services"]
    assert (service["id"], service["hook"]) == ("fasciculation-cramp", "patient-view")
    assert "QuestionnaireResponse?subject={{context.patientId}}" in service["prefetch"]["checklist"]
    assert "questionnaire=http://testserver/fhir/Questionnaire/fasciculation-cramp-1" in service["prefetch"]["checklist"]


def test_it_cards_worked_example_1_as_benign_with_advice_and_no_orders(api, version):
    cards = cards_by_code(api.post(SERVICE, hook(response_of(version, case_answers(version, "Worked example 1")))))
    assert {"pattern:benign_fasciculation_pattern", "advice:reassurance", "advice:reduce_caffeine",
            "advice:trigger_review", "advice:safety_net"} <= set(cards)
    assert not any(key.startswith(("test:", "referral:", "red_flag:")) for key in cards)
    assert {card["indicator"] for card in cards.values()} == {"info"}
    pattern = cards["pattern:benign_fasciculation_pattern"]
    assert pattern["source"]["label"] == version.source_document
    assert "benign fasciculation syndrome" in pattern["detail"]


def test_it_cards_worked_example_2_with_one_electrolytes_order(api, version):
    cards = cards_by_code(api.post(SERVICE, hook(response_of(version, case_answers(version, "Worked example 2")))))
    assert [key for key in cards if key.startswith("test:")] == ["test:electrolytes"]
    assert "pattern:exercise_associated_cramps" in cards and not any(k.startswith("referral:") for k in cards)
    (suggestion,) = cards["test:electrolytes"]["suggestions"]
    (action,) = suggestion["actions"]
    assert action["type"] == "create"
    request = action["resource"]
    assert request["resourceType"] == "ServiceRequest" and request["status"] == "draft"
    assert request["code"]["coding"] == [{"system": "http://loinc.org", "code": "24326-1"}]
    assert request["subject"] == {"reference": "Patient/ehr-123"} and request["priority"] == "routine"
    assert cards["test:electrolytes"]["selectionBehavior"] == "at-most-one"


def test_it_cards_worked_example_3_with_electrolytes_and_kidney_orders(api, version):
    cards = cards_by_code(api.post(SERVICE, hook(response_of(version, case_answers(version, "Worked example 3")))))
    assert sorted(key for key in cards if key.startswith("test:")) == ["test:electrolytes", "test:kidney_panel"]
    assert {"advice:medication_review", "advice:stretching"} <= set(cards)
    assert not any(key.startswith("pattern:") for key in cards)
    kidney = cards["test:kidney_panel"]["suggestions"][0]["actions"][0]["resource"]
    assert kidney["code"]["coding"][0]["code"] == "24362-6"


def test_it_cards_worked_example_4_with_critical_red_flags_and_urgent_orders(api, version):
    cards = cards_by_code(api.post(SERVICE, hook(response_of(version, case_answers(version, "Worked example 4")))))
    critical = [key for key, card in cards.items() if card["indicator"] == "critical"]
    assert critical == ["red_flag:rf_weakness", "red_flag:rf_atrophy", "red_flag:rf_progressive",
                        "red_flag:objective_weakness", "red_flag:exam_atrophy"]
    assert cards["test:emg"]["indicator"] == "warning" and cards["referral:neurology_referral"]["indicator"] == "warning"
    assert "advice:reassurance" not in cards
    # The same engine: the cards are exactly the suggest_workup output.
    expected = selectors.suggestions_for_case({"answers": case_answers(version, "Worked example 4")})
    assert sum(len(expected[key]) for key in ("red_flags", "tests", "referrals", "patterns", "advice")) == len(cards)


def test_it_reads_the_response_from_context_or_a_prefetched_search_bundle(api, version, signed, patient):
    exported = api.get(f"/fhir/QuestionnaireResponse/{signed.pk}").json()
    searchset = {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": exported}]}
    from_bundle = cards_by_code(api.post(SERVICE, hook(searchset)))
    in_context = hook()
    in_context["context"]["questionnaireResponse"] = exported
    from_context = cards_by_code(api.post(SERVICE, in_context))
    assert set(from_bundle) == set(from_context) and "referral:neurology_referral" in from_bundle


def test_it_answers_412_without_a_response_and_400_for_bad_answers(api, version):
    missing = api.post(SERVICE, hook())
    assert missing.status_code == 412 and "QuestionnaireResponse" in missing.json()["detail"]
    wrong = response_of(version, {"cramps": True})
    wrong["item"][0]["answer"] = [{"valueInteger": 3}]
    refused = api.post(SERVICE, hook(wrong))
    assert refused.status_code == 400 and list(refused.json()["prefetch"]) == ["cramps"]
    invalid = {"resourceType": "QuestionnaireResponse", "status": "no-such-status-!", "item": "x"}
    assert api.post(SERVICE, hook(invalid)).status_code == 400
    assert api.post(SERVICE, {"hook": "patient-view"}, format="json").status_code == 400
    assert api.post("/cds-services/no-such-service", hook(wrong), format="json").status_code == 404


def test_it_takes_patient_context_from_a_prefetched_patient(api, version):
    body = hook(response_of(version, case_answers(version, "Worked example 1")))
    body["prefetch"]["patient"] = {"resourceType": "Patient", "gender": "female", "birthDate": "1980-04-01"}
    assert api.post(SERVICE, body, format="json").status_code == 200


def test_it_records_accepted_and_overridden_cards(api, clinician, version):
    cards = api.post(SERVICE, hook(response_of(version, case_answers(version, "Worked example 2")))).json()["cards"]
    order = next(card for card in cards if card["source"]["topic"]["code"] == "test:electrolytes")
    feedback = {"feedback": [
        {"card": order["uuid"], "outcome": "accepted", "acceptedSuggestions": [{"id": order["suggestions"][0]["uuid"]}],
         "outcomeTimestamp": "2025-01-31T10:00:00Z"},
        {"card": cards[0]["uuid"], "outcome": "overridden", "outcomeTimestamp": "2025-01-31T10:00:01Z",
         "overrideReason": {"reason": {"code": "not-indicated"}, "userComment": "seen"}},
    ]}
    assert api.post(f"{SERVICE}/feedback", feedback, format="json").status_code == 200
    events = AuditEvent.objects.filter(action=CDS_FEEDBACK, user=clinician).order_by("id")
    assert [e.detail["decisions"] for e in events] == [{order["uuid"]: "accepted"}, {cards[0]["uuid"]: "overridden"}]
    assert events[1].detail["override_reason"] == "not-indicated"
    bad = api.post(f"{SERVICE}/feedback", {"feedback": [{"card": "x", "outcome": "maybe"}]}, format="json")
    assert bad.status_code == 400 and "outcome" in str(bad.json()["feedback"])


@pytest.mark.parametrize("role", ["anonymous", "template_admin"])
def test_it_keeps_the_service_to_clinicians(role, bearer, template_admin, version):
    client = bearer(template_admin) if role == "template_admin" else APIClient()
    body = hook(response_of(version, {"cramps": True}))
    assert client.post(SERVICE, body).status_code == (401 if role == "anonymous" else 403)
    assert client.post(f"{SERVICE}/feedback", {"feedback": []}).status_code == (401 if role == "anonymous" else 403)
