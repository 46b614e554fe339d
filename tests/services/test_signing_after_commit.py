"""Signing holds the row lock only for the checks and the snapshot; the PDFs are rendered after the commit,
from the snapshot, and stored once (by the after-commit step or by the first print)."""

from __future__ import annotations

import hashlib
from typing import Any

import psycopg
import pytest
from django.db import connection
from django.urls import reverse

from evaluation.audit import Actor
from evaluation.decisions import Decisions
from evaluation.models import ImmutableRecordError, Signature
from evaluation.reports import pdf
from evaluation.services import assessments as assessment_services
from tests.factories import case_answers, save


def sign_without_commit_hooks(assessment: Any, user: Any, answers: dict[str, Any], capture: Any) -> Signature:
    assessment = save(assessment, user, answers)
    with capture() as callbacks:
        outcome = assessment_services.assessment_sign(
            assessment=assessment, actor=Actor(user), expected_revision=assessment.revision,
            decisions=Decisions.ordering_everything(assessment.evaluate()))
    assert outcome.signed and len(callbacks) == 1
    return outcome.signature


@pytest.fixture
def renders(monkeypatch) -> list[dict[str, Any]]:
    """Every PDF render, with whether it ran inside a transaction."""
    calls: list[dict[str, Any]] = []
    real = pdf.html_to_pdf

    def spy(html: str) -> bytes:
        calls.append({"in_transaction": connection.in_atomic_block})
        return real(html)

    monkeypatch.setattr(pdf, "html_to_pdf", spy)
    return calls


def test_it_leaves_the_pdfs_for_after_the_commit(assessment, clinician, version, renders,
                                                django_capture_on_commit_callbacks):
    signature = sign_without_commit_hooks(assessment, clinician, case_answers(version, "Worked example 2"),
                                          django_capture_on_commit_callbacks)
    stored = Signature.objects.get(pk=signature.pk)
    assert renders == [] and stored.pdf is None and stored.handout_pdf is None
    assert len(stored.content_hash) == 64 and stored.assessment.status == "final"


@pytest.mark.django_db(transaction=True)
def test_it_renders_after_the_commit_with_no_lock_held(assessment, clinician, version, renders, monkeypatch):
    """Real commits: the render runs outside any transaction, and another connection can lock the row meanwhile."""
    locked_elsewhere: list[str] = []
    spy = pdf.html_to_pdf

    def render_while_probing(html: str) -> bytes:
        if connection.vendor == "postgresql":
            locked_elsewhere.append(_lock_from_another_connection(assessment.pk))
        return spy(html)

    monkeypatch.setattr(pdf, "html_to_pdf", render_while_probing)
    assessment = save(assessment, clinician, case_answers(version, "Worked example 2"))
    outcome = assessment_services.assessment_sign(
        assessment=assessment, actor=Actor(clinician), expected_revision=assessment.revision,
        decisions=Decisions.ordering_everything(assessment.evaluate()))
    stored = Signature.objects.get(pk=outcome.signature.pk)
    assert [call["in_transaction"] for call in renders] == [False, False]  # summary and handout
    assert bytes(stored.pdf).startswith(b"%PDF") and bytes(stored.handout_pdf).startswith(b"%PDF")
    assert stored.handout_hash == hashlib.sha256(bytes(stored.handout_pdf)).hexdigest()
    if connection.vendor == "postgresql":
        assert locked_elsewhere == ["final", "final"]


def _lock_from_another_connection(pk: Any) -> str:
    """Take the assessment's row lock from a separate connection, without waiting: fails if signing still holds it."""
    params = connection.get_connection_params()
    with psycopg.connect(**{k: v for k, v in params.items() if k in {"dbname", "user", "host", "port", "password"}},
                         autocommit=False) as other:
        row = other.execute("SELECT status FROM evaluation_assessment WHERE id = %s FOR UPDATE NOWAIT", [pk]).fetchone()
        other.rollback()
    return row[0]


def test_it_signs_even_when_rendering_fails_and_the_first_print_stores_it(
        clinician_client, assessment, clinician, version, monkeypatch, django_capture_on_commit_callbacks):
    assessment = save(assessment, clinician, case_answers(version, "Worked example 2"))

    def broken(html: str) -> bytes:
        raise OSError("fonts missing")

    monkeypatch.setattr(pdf, "html_to_pdf", broken)
    with django_capture_on_commit_callbacks(execute=True):
        outcome = assessment_services.assessment_sign(
            assessment=assessment, actor=Actor(clinician), expected_revision=assessment.revision,
            decisions=Decisions.ordering_everything(assessment.evaluate()))
    assert outcome.signed and Signature.objects.get(pk=outcome.signature.pk).pdf is None
    monkeypatch.undo()
    first = clinician_client.get(reverse("evaluation:assessment_pdf", args=[assessment.pk]))
    stored = Signature.objects.get(pk=outcome.signature.pk)
    assert first.content == bytes(stored.pdf) and first["ETag"] == f'"{stored.pdf_hash}"'


def test_it_stores_the_signed_handout_on_first_print_and_serves_those_bytes_after(
        clinician_client, assessment, clinician, version, django_capture_on_commit_callbacks, monkeypatch):
    signature = sign_without_commit_hooks(assessment, clinician, case_answers(version, "Worked example 2"),
                                          django_capture_on_commit_callbacks)
    url = reverse("evaluation:assessment_handout", args=[assessment.pk])
    first = clinician_client.get(url)
    stored = Signature.objects.get(pk=signature.pk)
    assert first.content == bytes(stored.handout_pdf) and stored.pdf is None  # the summary is stored when printed

    def must_not_render(html: str) -> bytes:
        raise AssertionError("a stored handout must not be rendered again")

    monkeypatch.setattr(pdf, "html_to_pdf", must_not_render)
    assert clinician_client.get(url).content == first.content


def test_it_renders_a_draft_handout_every_time_and_stores_nothing(clinician_client, assessment, renders):
    url = reverse("evaluation:assessment_handout", args=[assessment.pk])
    clinician_client.get(url)
    clinician_client.get(url)
    assert len(renders) == 2 and not Signature.objects.exists()


def test_it_allows_each_report_to_be_stored_once_and_nothing_else_to_change(
        assessment, clinician, version, django_capture_on_commit_callbacks):
    signature = sign_without_commit_hooks(assessment, clinician, case_answers(version, "Worked example 2"),
                                          django_capture_on_commit_callbacks)
    rows = Signature.objects.filter(pk=signature.pk)
    assert rows.update(handout_pdf=b"%PDF-1", handout_hash="a" * 64) == 1
    with pytest.raises(ImmutableRecordError):
        rows.update(handout_pdf=b"%PDF-2", handout_hash="b" * 64)
    with pytest.raises(ImmutableRecordError):
        rows.update(pdf=b"%PDF-1", content_hash="0" * 64)  # a report column smuggling in another
    with pytest.raises(ImmutableRecordError):
        rows.update(pdf=b"%PDF-1")  # bytes without their hash
    assert rows.update(pdf=b"%PDF-1", pdf_hash="d" * 64) == 1
    with pytest.raises(ImmutableRecordError):
        rows.update(pdf_hash="e" * 64)
    assert bytes(Signature.objects.get(pk=signature.pk).handout_pdf) == b"%PDF-1"


def test_it_opens_the_pdfs_in_a_new_tab(clinician_client, assessment):
    page = clinician_client.get(assessment.get_absolute_url()).content.decode()
    for name in ("assessment_pdf", "assessment_handout"):
        link = page.split(f'href="{reverse(f"evaluation:{name}", args=[assessment.pk])}"')[1].split(">")[0]
        assert 'target="_blank"' in link and 'rel="noopener"' in link
