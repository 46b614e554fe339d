"""Template format 2: behaviour in the document, upgrade of format 1, provenance, nesting, supersede and retire."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from evaluation import engine, selectors
from evaluation.audit import Actor
from evaluation.layout import mrc_grid
from evaluation.models import AuditEvent, TemplateVersion
from evaluation.reports.content import report_for_signature
from evaluation.reports.follow_up import previous_visit
from evaluation.reports.handout import handout_context
from evaluation.services import templates as template_services
from tests.factories import case_answers, make_assessment, make_signed_assessment, sign

FORMAT_2_SECTION_KEYS = ("reassess_each_visit", "compare_on_follow_up")


def as_format_1(document: dict[str, Any]) -> dict[str, Any]:
    """The document as format 1 wrote it: none of format 2's keys."""
    old = copy.deepcopy(document)
    old["format"] = 1
    for section in old["sections"]:
        for key in FORMAT_2_SECTION_KEYS:
            section.pop(key, None)
        for item in section["items"]:
            item.pop("grid", None)
    for rule in old["rules"]:
        rule.pop("patient_text", None)
        rule.pop("role", None)
    return old


def test_the_shipped_template_is_format_2_with_its_behaviour_in_the_document(default_document):
    assert default_document["format"] == engine.CURRENT_FORMAT == 2
    flags = {s["code"]: (s["reassess_each_visit"], s["compare_on_follow_up"]) for s in default_document["sections"]}
    assert flags == {"symptoms": (False, True), "causes": (False, False), "red_flags": (True, True),
                     "strength": (True, False), "exam": (True, False)}
    roles = {r["code"]: r["role"] for r in default_document["rules"] if "role" in r}
    assert roles["safety_net"] == "safety_net" and roles["neurology_referral"] == "referral"
    assert sorted(code for code, role in roles.items() if role == "blood_test") == [
        "electrolytes", "kidney_panel", "liver_panel", "thyroid_panel"]


def test_a_format_1_document_imports_upgraded_to_the_same_content(version, template_admin, default_document):
    imported = template_services.template_import(document=as_format_1(default_document), actor=Actor(template_admin))

    assert imported.number == 2 and imported.is_draft
    assert template_services.comparable_document(imported.to_document()) == \
        template_services.comparable_document(version.to_document())


@pytest.mark.parametrize("fault,message", [
    (lambda d: d["sections"][3]["items"][0].update(grid={"row": "Shoulder"}), "grid column must be text"),
    (lambda d: d["sections"][0]["items"][0].update(grid={"row": "A", "column": "B"}), "only MRC items"),
    (lambda d: d["rules"][0].update(role="safety_net"), "the safety_net role belongs to a rule of kind advice"),
    (lambda d: d["rules"][0].update(patient_text=3), "patient_text must be text"),
    (lambda d: d["sections"][0].update(compare_on_follow_up="yes"), "compare_on_follow_up must be true or false"),
    (lambda d: d.update(format=3), "format must be one of 1, 2"),
])
def test_it_refuses_a_bad_format_2_document_naming_the_fault(db, template_admin, default_document, fault, message):
    fault(default_document)
    with pytest.raises(engine.TemplateError, match=message):
        template_services.template_import(document=default_document, actor=Actor(template_admin))
    assert not TemplateVersion.objects.exists()


def test_an_export_carries_its_provenance_and_an_import_keeps_it(version, template_admin):
    draft = template_services.template_clone(version=version, actor=Actor(template_admin))
    exported = draft.to_document()
    assert exported["version"]["cloned_from"] == "fasciculation-cramp@1"

    imported = template_services.template_import(document=exported, actor=Actor(template_admin))

    assert imported.cloned_from == version


def test_it_refuses_deeply_nested_json_with_a_clear_message(db, template_admin):
    with pytest.raises(engine.TemplateError, match="nested deeper than 100 levels"):
        template_services.parse_document("[" * 20000 + "]" * 20000)
    nested: Any = {}
    for _ in range(300):
        nested = {"all": [nested]}
    with pytest.raises(engine.TemplateError, match="nested deeper"):
        template_services.template_import(document={"template": {"slug": "x"}, "version": {"number": 1},
                                                    "sections": [], "rules": [nested]}, actor=Actor(template_admin))
    assert not TemplateVersion.objects.exists()


def test_it_reads_a_broken_file_as_a_clear_error():
    with pytest.raises(engine.TemplateError, match="not valid JSON"):
        template_services.parse_document(b"{not json")


# ---------------------------------------------------------------- publish supersedes, retire asks for a replacement


@pytest.fixture
def draft(version, template_admin):
    return template_services.template_clone(version=version, actor=Actor(template_admin))


def test_publishing_supersedes_the_previous_version_and_leaves_assessments_on_theirs(
        version, draft, template_admin, patient, clinician):
    begun = make_assessment(patient, version, clinician)

    template_services.template_publish(version=draft, actor=Actor(template_admin))

    version.refresh_from_db()
    assert version.status == TemplateVersion.Status.SUPERSEDED
    assert list(selectors.published_versions()) == [draft]
    assert selectors.newest_published_version() == draft
    begun.refresh_from_db()
    assert begun.version == version and begun.evaluate().template == "fasciculation-cramp@1"
    event = AuditEvent.objects.get(action=AuditEvent.Action.TEMPLATE_SUPERSEDE)
    assert event.detail == {"version": "fasciculation-cramp@1", "superseded_by": "fasciculation-cramp@2"}


def test_it_refuses_to_retire_the_only_published_version_without_a_replacement(version, template_admin):
    with pytest.raises(template_services.PublishError, match="only version clinicians can start"):
        template_services.template_retire(version=version, actor=Actor(template_admin))
    version.refresh_from_db()
    assert version.status == TemplateVersion.Status.PUBLISHED


def test_retiring_with_a_draft_as_replacement_publishes_the_draft(version, draft, template_admin):
    template_services.template_retire(version=version, actor=Actor(template_admin), replacement=draft)

    version.refresh_from_db()
    draft.refresh_from_db()
    assert draft.status == TemplateVersion.Status.PUBLISHED
    assert version.status == TemplateVersion.Status.RETIRED
    assert list(selectors.published_versions()) == [draft]


# ---------------------------------------------------------------- renamed codes keep working


RENAMED_SECTIONS = {"symptoms": "complaints", "red_flags": "warning_signs", "strength": "power", "exam": "examination"}


def renamed(document: dict[str, Any]) -> dict[str, Any]:
    """The document with the follow-up sections and every MRC item renamed, references and cases included."""
    text = json.dumps(document).replace('"mrc_', '"power_')
    copy_ = json.loads(text)
    for section in copy_["sections"]:
        section["code"] = RENAMED_SECTIONS.get(section["code"], section["code"])
    return copy_


def rename_answers(answers: dict[str, Any]) -> dict[str, Any]:
    return {code.replace("mrc_", "power_", 1) if code.startswith("mrc_") else code: value
            for code, value in answers.items()}


@pytest.fixture
def renamed_version(version, template_admin):
    draft = template_services.template_import(document=renamed(version.to_document()), actor=Actor(template_admin))
    return template_services.template_publish(version=draft, actor=Actor(template_admin))


def test_renamed_sections_and_mrc_items_keep_follow_up_grid_and_handout_working(
        version, renamed_version, patient, clinician):
    first_answers = rename_answers(case_answers(version, "Worked example 4"))
    first = make_signed_assessment(patient, renamed_version, clinician, first_answers)

    follow_up = make_assessment(patient, renamed_version, clinician, start_from_previous=True)

    # Carry-over: history kept, red flags and examination asked again.
    assert follow_up.previous == first
    assert follow_up.answers["fasciculations"] is True
    assert not any(code.startswith(("rf_", "power_", "exam_")) for code in follow_up.answers)
    # Comparison: a new answer in a compared section is listed.
    later = {**first_answers, "rf_sensory_loss": True, "symptom_weeks": first_answers.get("symptom_weeks", 0) + 4}
    signature = sign(follow_up, clinician, later)
    report = report_for_signature(signature)
    comparison = report.follow_up.comparison
    assert "Loss of sensation or numbness" in comparison.new_red_flags
    assert any(change.label.startswith("How long") or "weeks" in change.label.lower()
               for change in comparison.symptom_changes)
    assert previous_visit(first).mrc_sum == report.follow_up.comparison.mrc_before
    # Grid: six movements by two sides, all in the sum.
    grid = mrc_grid(renamed_version.compiled(), later)
    assert grid.columns == ("Left", "Right") and len(grid.rows) == 6 and all(row.in_sum for row in grid.rows)
    assert report.mrc_max == 60
    # Handout: wording from the template, safety net without what the patient already has.
    handout = handout_context(report)
    assert handout["next_steps"][0].startswith("an appointment with a neurology specialist")
    assert "Loss of sensation: numbness, or less feeling in part of your body" not in handout["safety_net"]
    assert "Persistent pain that interferes with your daily activities" in handout["safety_net"]
