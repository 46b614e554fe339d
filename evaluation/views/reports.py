"""PDF reports: the clinician summary and the patient handout.

A signed revision's reports are rendered from its snapshot once, after the
signing commit (or by the first print if that has not happened), and stored
with their hash; printing again serves exactly those bytes. Drafts have no
stored report and are rendered on demand. Both are built from the one
``ReportContent``.
"""

from __future__ import annotations

import re
from typing import Any

from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from .. import audit, selectors
from ..audit import Actor
from ..models import Assessment, AuditEvent, Signature
from ..reports.content import report_for
from ..reports.pdf import render_handout_pdf, render_summary_pdf
from ..services.reports import HANDOUT, SUMMARY, signature_report
from .access import SEE_PATIENTS, get_assessment_for_user

UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")


def _filename(assessment: Assessment, suffix: str = "") -> str:
    """MRN and visit date; the MRN is typed by people, so keep it to characters safe in a header."""
    mrn = UNSAFE_FILENAME.sub("_", assessment.patient.mrn).strip("._") or "patient"
    return f"{mrn}-{assessment.visit_date:%Y-%m-%d}{suffix}.pdf"


def _pdf_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    # Patient data: never kept by shared caches or the browser's disk cache.
    response["Cache-Control"] = "private, no-store"
    return response


def _signed_revision(request: HttpRequest, assessment: Assessment) -> Signature | None:
    """The revision asked for (``?revision=N``), else the latest signed one; None prints the draft."""
    asked = request.GET.get("revision")
    if asked is None:
        return None if assessment.is_editable else assessment.latest_signature
    signature = selectors.signature_of(assessment, int(asked)) if asked.isdigit() else None
    if signature is None:
        raise Http404(_("No such signed revision."))
    return signature


@require_GET
@permission_required(SEE_PATIENTS, raise_exception=True)
def assessment_pdf(request: HttpRequest, pk: Any) -> HttpResponse:
    assessment = get_assessment_for_user(request, pk)
    signature = _signed_revision(request, assessment)
    if signature is not None:
        stored = signature_report(signature, SUMMARY, assessment)
        data, pdf_hash = stored.data, stored.sha256
    else:
        data, pdf_hash = render_summary_pdf(report_for(assessment)), ""
    audit.record(AuditEvent.Action.ASSESSMENT_PRINT, actor=Actor.from_request(request), obj=assessment,
                 detail={"revision": signature.number if signature else None, "pdf_hash": pdf_hash})
    response = _pdf_response(data, _filename(assessment))
    if pdf_hash:
        response["ETag"] = f'"{pdf_hash}"'
    return response


@require_GET
@permission_required(SEE_PATIENTS, raise_exception=True)
def assessment_handout(request: HttpRequest, pk: Any) -> HttpResponse:
    assessment = get_assessment_for_user(request, pk)
    signature = _signed_revision(request, assessment)
    if signature is not None:
        data = signature_report(signature, HANDOUT, assessment).data
    else:
        data = render_handout_pdf(report_for(assessment))
    audit.record(AuditEvent.Action.HANDOUT_PRINT, actor=Actor.from_request(request), obj=assessment)
    return _pdf_response(data, _filename(assessment, "-handout"))
