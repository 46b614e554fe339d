"""Signing answers before the PDFs are made, and a re-print only reads stored bytes (issue 11).

The signing page's response is complete before either report is rendered: the
render runs when the server closes the response (after sending it), in the
signer's language, from the snapshot, so the stored bytes are those an
in-request render would have made. Printing a stored report again reads its
bytes and nothing else: no render, no snapshot.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from accounts.services import set_language
from evaluation.decisions import key_of
from evaluation.models import Signature
from evaluation.reports import pdf
from evaluation.reports.content import report_for_signature
from evaluation.services.reports import RedirectThenStoreReports
from tests.factories import PASSWORD, case_answers, save, sign

pytestmark = pytest.mark.django_db


@pytest.fixture
def render_log(monkeypatch) -> list[str]:
    """Each PDF render, and when the signing response was closed, in order."""
    events: list[str] = []
    real_render, real_close = pdf.html_to_pdf, RedirectThenStoreReports.close

    def render(html: str) -> bytes:
        events.append("render")
        return real_render(html)

    def close(response: Any) -> None:
        events.append("close")
        real_close(response)

    monkeypatch.setattr(pdf, "html_to_pdf", render)
    monkeypatch.setattr(RedirectThenStoreReports, "close", close)
    return events


def sign_through_the_page(client: Any, assessment: Any) -> Any:
    assessment.refresh_from_db()
    data = {f"decision__{key_of(rec)}": "ordered" for rec in assessment.evaluate().needing_decision()}
    data.update({"revision": str(assessment.revision), "password": PASSWORD, "sign": "1"})
    return client.post(reverse("evaluation:assessment_sign", args=[assessment.pk]), data)


def test_the_signing_response_is_made_before_the_pdfs_and_they_are_stored_once_it_closes(
        clinician_client, assessment, clinician, version, render_log):
    save(assessment, clinician, case_answers(version, "Worked example 2"))
    response = sign_through_the_page(clinician_client, assessment)
    assert response.status_code == 302
    assert render_log == ["close", "render", "render"]  # summary and handout, once the response is handed over
    stored = Signature.objects.get(assessment=assessment)
    assert bytes(stored.pdf).startswith(b"%PDF") and bytes(stored.handout_pdf).startswith(b"%PDF")


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_pdf_stored_after_the_response_is_the_one_an_in_request_render_makes(
        client, assessment, clinician, version, language):
    set_language(user=clinician, language=language)
    client.force_login(clinician)  # signing in takes the account's language for the session's pages
    save(assessment, clinician, case_answers(version, "Worked example 2"))
    assert sign_through_the_page(client, assessment).status_code == 302
    translation.activate("en")  # whatever the process has active now, the signer's language counts
    stored = Signature.objects.get(assessment=assessment)
    with translation.override(language):
        in_request = pdf.render_summary_pdf(report_for_signature(stored))
        handout = pdf.render_handout_pdf(report_for_signature(stored))
    assert bytes(stored.pdf) == in_request and bytes(stored.handout_pdf) == handout


def test_a_re_print_serves_the_stored_bytes_without_rendering_or_reading_the_snapshot(
        clinician_client, assessment, clinician, version, render_log):
    signature = sign(assessment, clinician, case_answers(version, "Worked example 2"))
    stored = Signature.objects.get(pk=signature.pk)
    render_log.clear()
    for name, column in (("assessment_pdf", "pdf"), ("assessment_handout", "handout_pdf")):
        url = reverse(f"evaluation:{name}", args=[assessment.pk])
        with CaptureQueriesContext(connection) as queries:
            response = clinician_client.get(url)
        assert response.status_code == 200 and response.content == bytes(getattr(stored, column))
        assert not any('"content"' in q["sql"] or '"answers"' in q["sql"] for q in queries), name
    assert "render" not in render_log
    revision = clinician_client.get(reverse("evaluation:assessment_pdf", args=[assessment.pk]) + "?revision=1")
    assert revision.content == bytes(stored.pdf) and revision["ETag"] == f'"{stored.pdf_hash}"'
    assert clinician_client.get(reverse("evaluation:assessment_pdf", args=[assessment.pk]) + "?revision=2"
                                ).status_code == 404
    assert "render" not in render_log
