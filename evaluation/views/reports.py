"""PDF reports: the clinician summary and the patient handout.

A signed report was rendered once, at signing, and stored with its hash;
printing it again serves exactly those bytes. Drafts have no stored report and
are rendered on demand. Both are built from the one ``ReportContent``.
"""

from __future__ import annotations

import re
from typing import Any

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from .. import audit
from ..audit import Actor
from ..models import Assessment, AuditEvent, Signature
from ..reports.content import report_for
from ..reports.pdf import render_handout_pdf, render_summary_pdf
from .access import SEE_PATIENTS, get_assessment_for_user

UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")


def _filename(assessment: Assessment, suffix: str = "") -> str:
    """MRN and visit date; the MRN is typed by people, so keep it to characters safe in a header."""
    mrn = UNSAFE_FILENAME.sub("_", assessment.patient.mrn).strip("._") or "patient"
    return f"{mrn}-{assessment.created_at:%Y-%m-%d}{suffix}.pdf"


def _pdf_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    # Patient data: never kept by shared caches or the browser's disk cache.
    response["Cache-Control"] = "private, no-store"
    return response


def _signed_revision(assessment: Assessment) -> Signature | None:
    return None if assessment.is_editable else assessment.latest_signature


@require_GET
@permission_required(SEE_PATIENTS, raise_exception=True)
def assessment_pdf(request: HttpRequest, pk: Any) -> HttpResponse:
    assessment = get_assessment_for_user(request, pk)
    signature = _signed_revision(assessment)
    if signature is not None and signature.pdf:
        data = bytes(signature.pdf)
    else:
        # A draft (or a signed revision stored before reports existed): render now.
        data = render_summary_pdf(report_for(assessment, signature))
    audit.record(AuditEvent.Action.ASSESSMENT_PRINT, actor=Actor.from_request(request), obj=assessment,
                 detail={"revision": signature.number if signature else None,
                         "pdf_hash": signature.pdf_hash if signature else ""})
    response = _pdf_response(data, _filename(assessment))
    if signature is not None and signature.pdf_hash:
        response["ETag"] = f'"{signature.pdf_hash}"'
    return response


@require_GET
@permission_required(SEE_PATIENTS, raise_exception=True)
def assessment_handout(request: HttpRequest, pk: Any) -> HttpResponse:
    assessment = get_assessment_for_user(request, pk)
    data = render_handout_pdf(report_for(assessment, _signed_revision(assessment)))
    audit.record(AuditEvent.Action.HANDOUT_PRINT, actor=Actor.from_request(request), obj=assessment)
    return _pdf_response(data, _filename(assessment, "-handout"))
