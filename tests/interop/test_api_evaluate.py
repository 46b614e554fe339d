"""Suggestions without a patient (the suggest_workup contract) and template versions."""

from __future__ import annotations

import pytest

from evaluation import selectors
from evaluation.audit import Actor
from evaluation.models import AuditEvent
from evaluation.services.templates import template_clone
from tests.factories import case_answers


@pytest.mark.parametrize("example", ["Worked example 1", "Worked example 2", "Worked example 3",
                                     "Worked example 4"])
def test_it_answers_exactly_what_suggest_workup_answers(api, version, example):
    answers = case_answers(version, example)
    response = api.post("/api/v1/evaluate", {"template": "fasciculation-cramp@1", "answers": answers}, format="json")
    assert response.status_code == 200
    assert response.json() == selectors.suggestions_for_case({"answers": answers}, "fasciculation-cramp@1")


def test_it_follows_the_worked_examples_of_the_clinical_specification(api, version):
    def run(example: str) -> dict:
        return api.post("/api/v1/evaluate", {"answers": case_answers(version, example)}, format="json").json()

    def codes(body: dict, key: str) -> list[str]:
        return [rec["code"] for rec in body[key]]

    first, second, third, fourth = (run(f"Worked example {n}") for n in range(1, 5))
    assert codes(first, "patterns") == ["benign_fasciculation_pattern"] and codes(first, "tests") == []
    assert {"reassurance", "reduce_caffeine", "trigger_review", "safety_net"} <= set(codes(first, "advice"))
    assert codes(second, "tests") == ["electrolytes"] and codes(second, "patterns") == ["exercise_associated_cramps"]
    assert codes(third, "tests") == ["electrolytes", "kidney_panel"] and codes(third, "patterns") == []
    assert {t["code"]: t["priority"] for t in fourth["tests"]}["emg"] == "urgent"
    assert [(r["code"], r["priority"]) for r in fourth["referrals"]] == [("neurology_referral", "urgent")]


def test_it_is_open_to_any_role_and_writes_no_audit_event(bearer, template_admin, version):
    client = bearer(template_admin)
    before = AuditEvent.objects.count()
    response = client.post("/api/v1/evaluate", {"answers": {"cramps": True}}, format="json")
    assert response.status_code == 200 and response.json()["template"] == "fasciculation-cramp@1"
    assert AuditEvent.objects.count() == before


def test_it_names_the_bad_template_and_each_bad_answer(api, version):
    unknown = api.post("/api/v1/evaluate", {"template": "nope@3", "answers": {}}, format="json")
    assert unknown.status_code == 400 and list(unknown.json()) == ["template"]
    bad = api.post("/api/v1/evaluate", {"answers": {"cramps": "often", "mrc_hip_flexion_left": 7, "x": 1}},
                   format="json")
    assert bad.status_code == 400
    assert set(bad.json()["answers"]) == {"cramps", "mrc_hip_flexion_left", "x"}
    assert list(api.post("/api/v1/evaluate", {}, format="json").json()) == ["answers"]
    context = api.post("/api/v1/evaluate", {"answers": {}, "context": {"sex": "x", "age_years": 400}}, format="json")
    assert set(context.json()["context"]) == {"sex", "age_years"}


def test_it_keeps_drafts_to_template_admins(api, bearer, template_admin, version):
    draft = template_clone(version=version, actor=Actor(template_admin))
    assert api.post("/api/v1/evaluate", {"template": draft.label, "answers": {}}, format="json").json() == {
        "template": [f"{draft.label} is a draft."]}
    assert bearer(template_admin).post("/api/v1/evaluate", {"template": draft.label, "answers": {}},
                                       format="json").status_code == 200
    clinician_view = [row["template"] for row in api.get("/api/v1/templates/").json()["results"]]
    admin_view = [row["template"] for row in bearer(template_admin).get("/api/v1/templates/").json()["results"]]
    assert clinician_view == [version.label] and admin_view == [draft.label, version.label]
    assert api.get(f"/api/v1/templates/{draft.label}/").status_code == 404


def test_it_serves_a_versions_whole_document(api, version):
    body = api.get("/api/v1/templates/fasciculation-cramp@1/").json()
    assert body["status"] == "published" and body["number"] == 1
    assert body["document"] == version.to_document()
    assert api.get("/api/v1/templates/fasciculation-cramp@99/").status_code == 404
