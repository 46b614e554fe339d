"""A re-print reads the stored report and its assessment in one query (issue 11, second round), and answers
exactly as the full path did: same bytes, headers and audit event; drafts, amendments in progress, old
revisions, reports not stored yet and unknown records still take the full path."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from evaluation.audit import Actor
from evaluation.decisions import Decisions
from evaluation.models import AuditEvent, Signature
from evaluation.services import assessments as assessment_services
from evaluation.views import reports as report_views
from tests.factories import case_answers, save, sign

pytestmark = pytest.mark.django_db

HEADERS = ("Content-Type", "Content-Disposition", "Cache-Control", "ETag")


def fetch(client: Any, name: str, assessment: Any, query: str = "") -> tuple[Any, AuditEvent]:
    response = client.get(reverse(name, args=[assessment.pk]) + query)
    return response, AuditEvent.objects.order_by("-id").first()


def as_full_path_answers(client: Any, monkeypatch: Any, name: str, assessment: Any, query: str = "") -> Any:
    """The same request with the one-query shortcut turned off."""
    with monkeypatch.context() as patched:
        patched.setattr(report_views, "_stored_in_one_query", lambda *args: None)
        return fetch(client, name, assessment, query)


def same_answer(fast: tuple[Any, AuditEvent], full: tuple[Any, AuditEvent]) -> None:
    (fast_response, fast_event), (full_response, full_event) = fast, full
    assert fast_response.status_code == full_response.status_code
    assert fast_response.content == full_response.content
    assert [fast_response.get(h) for h in HEADERS] == [full_response.get(h) for h in HEADERS]
    fields = ("action", "object_type", "object_id", "patient_id", "detail", "user_id")
    assert [getattr(fast_event, f) for f in fields] == [getattr(full_event, f) for f in fields]


@pytest.fixture
def signed(assessment: Any, clinician: Any, version: Any) -> Any:
    sign(assessment, clinician, case_answers(version, "Worked example 2"))
    return assessment


@pytest.mark.parametrize("name", ["evaluation:assessment_pdf", "evaluation:assessment_handout"])
@pytest.mark.parametrize("query", ["", "?revision=1"])
def test_a_reprint_is_what_the_full_path_answered(clinician_client, monkeypatch, signed, name, query) -> None:
    same_answer(fetch(clinician_client, name, signed, query),
                as_full_path_answers(clinician_client, monkeypatch, name, signed, query))


def test_a_reprint_reads_in_one_query_besides_session_user_and_audit(clinician_client, signed) -> None:
    url = reverse("evaluation:assessment_pdf", args=[signed.pk])
    clinician_client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = clinician_client.get(url)
    assert response.status_code == 200
    # The audit event's own statements (on SQLite the chain's head is read first) are not the print's.
    reads = [q["sql"] for q in queries.captured_queries
             if "evaluation_" in q["sql"] and "evaluation_auditevent" not in q["sql"]]
    assert len(reads) == 1 and "evaluation_signature" in reads[0], reads


@pytest.mark.parametrize("name", ["evaluation:assessment_pdf", "evaluation:assessment_handout"])
def test_other_prints_take_the_full_path(clinician_client, monkeypatch, assessment, clinician, version, name) -> None:
    # Signed without running what the commit leaves for later, so nothing is stored yet: the first print
    # renders and stores the report, as before.
    signed = save(assessment, clinician, case_answers(version, "Worked example 2"))
    assessment_services.assessment_sign(assessment=signed, actor=Actor(clinician), expected_revision=signed.revision,
                                        decisions=Decisions.ordering_everything(signed.evaluate()))
    column = "pdf" if name.endswith("pdf") else "handout_pdf"
    assert Signature.objects.filter(assessment=signed, **{f"{column}__isnull": True}).exists()
    first = fetch(clinician_client, name, signed)
    assert first[0].status_code == 200 and first[0].content.startswith(b"%PDF")
    assert Signature.objects.filter(assessment=signed, **{f"{column}__isnull": False}).exists()
    # An amendment in progress prints the draft; ?revision=1 still prints the signed revision.
    assessment_services.assessment_amend(assessment=signed, actor=Actor(clinician), reason="typo")
    draft = fetch(clinician_client, name, signed)
    assert draft[0].status_code == 200 and draft[0].get("ETag") is None  # the draft, rendered now
    for query in ("?revision=1", "?revision=9", "?revision=x"):
        same_answer(fetch(clinician_client, name, signed, query),
                    as_full_path_answers(clinician_client, monkeypatch, name, signed, query))


def test_unknown_records_are_not_found(clinician_client) -> None:
    import uuid

    for name in ("evaluation:assessment_pdf", "evaluation:assessment_handout"):
        assert clinician_client.get(reverse(name, args=[uuid.uuid4()])).status_code == 404
