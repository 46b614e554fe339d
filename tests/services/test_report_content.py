"""The report content is built once: from the signed snapshot for a signed record, from one evaluation for a draft."""

from __future__ import annotations

from typing import Any

import pytest

from evaluation.audit import Actor
from evaluation.decisions import Decisions
from evaluation.engine import CompiledTemplate
from evaluation.reports.content import report_for, report_for_draft, report_for_signature
from evaluation.reports.pdf import render_handout_pdf, render_summary_pdf
from evaluation.services import assessments as assessment_services
from tests.factories import case_answers, save, sign


@pytest.fixture
def count_evaluations(monkeypatch) -> list[Any]:
    calls: list[Any] = []
    real = CompiledTemplate.evaluate

    def counted(self: CompiledTemplate, answers: Any, context: Any = None) -> Any:
        calls.append(answers)
        return real(self, answers, context)

    monkeypatch.setattr(CompiledTemplate, "evaluate", counted)
    return calls


def test_it_evaluates_once_when_signing_and_renders_the_stored_pdf_from_the_snapshot(
        assessment, clinician, version, count_evaluations, django_capture_on_commit_callbacks):
    assessment = save(assessment, clinician, case_answers(version, "Worked example 4"))
    count_evaluations.clear()

    with django_capture_on_commit_callbacks(execute=True):  # the PDFs are stored after the signing commit
        outcome = assessment_services.assessment_sign(
            assessment=assessment, actor=Actor(clinician), expected_revision=assessment.revision,
            decisions=Decisions.ordering_everything(assessment.evaluate()))

    outcome.signature.refresh_from_db()
    assert outcome.signed and bytes(outcome.signature.pdf).startswith(b"%PDF")
    assert len(count_evaluations) == 2  # one for the decisions above, one inside signing; none for the PDF


def test_it_prints_a_signed_revision_without_evaluating_again(assessment, clinician, version, count_evaluations):
    signature = sign(assessment, clinician, case_answers(version, "Worked example 4"))
    count_evaluations.clear()

    report = report_for_signature(signature)
    render_summary_pdf(report)
    render_handout_pdf(report)

    assert count_evaluations == []
    assert [rec["code"] for rec in report.of_kind("referral")] == ["neurology_referral"]
    assert report.output == signature.content["output"]


def test_it_shows_what_was_signed_even_after_the_draft_changed(assessment, clinician, version):
    signature = sign(assessment, clinician, case_answers(version, "Worked example 2"))
    amending = assessment_services.assessment_amend(assessment=assessment, reason="Typo", actor=Actor(clinician))
    amending = save(amending, clinician, case_answers(version, "Worked example 4"))

    signed = report_for_signature(signature)
    draft = report_for(amending)

    assert [r["code"] for r in signed.of_kind("red_flag")] == []
    assert "rf_weakness" in [r["code"] for r in draft.of_kind("red_flag")]
    assert signed.is_draft is False and draft.is_draft is True


def test_it_builds_a_draft_report_from_one_evaluation(assessment, clinician, version, count_evaluations):
    assessment = save(assessment, clinician, case_answers(version, "Worked example 3"))
    count_evaluations.clear()

    report = report_for_draft(assessment)

    assert len(count_evaluations) == 1
    assert {rec["code"] for rec in report.of_kind("test")} == {"electrolytes", "kidney_panel"}
    assert all(rec["decision"] == "no decision yet" and not rec["decided"] for rec in report.of_kind("test"))
