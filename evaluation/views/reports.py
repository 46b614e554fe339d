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

from .. import audit, reprints
from ..audit import Actor
from ..models import Assessment, AuditEvent
from ..reports.content import report_for
from ..reports.pdf import render_handout_pdf, render_summary_pdf
from ..services.reports import HANDOUT, SUMMARY, ReportBytes, StoredReport, printed_report
from .access import SEE_PATIENTS, get_assessment_for_user, get_assessment_to_print

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


LATEST = None  # no revision asked for: the latest signed one


def _asked_revision(request: HttpRequest) -> int | None:
    """The revision asked for (``?revision=N``), else ``LATEST``."""
    asked = request.GET.get("revision")
    if asked is None:
        return LATEST
    if not asked.isdigit():
        raise Http404(_("No such signed revision."))
    return int(asked)


def _prints_draft(request: HttpRequest, assessment: Assessment) -> bool:
    return assessment.is_editable and "revision" not in request.GET


def _stored_in_one_query(request: HttpRequest, pk: Any, report: StoredReport
                         ) -> tuple[Assessment, int, ReportBytes] | None:
    """The common re-print: a signed revision whose report is stored, read with its assessment in one
    query. None for everything else (a draft's print, a report not stored yet, no such assessment or
    revision), which takes the full path below and answers exactly as before."""
    found = reprints.stored_report_to_print(request.user, pk, _asked_revision(request), report.column,
                                             report.hash_column)
    if found is None:
        return None
    assessment, number, data, digest = found
    if data is None or _prints_draft(request, assessment):
        return None
    return assessment, number, ReportBytes(bytes(data), digest)


def _stored(request: HttpRequest, assessment: Assessment, report: StoredReport) -> tuple[int, ReportBytes]:
    """The signed revision's stored report; a re-print reads its bytes and nothing more (issue 11)."""
    printed = printed_report(assessment, _asked_revision(request), report)
    if printed is None:
        raise Http404(_("No such signed revision."))
    return printed


@require_GET
@permission_required(SEE_PATIENTS, raise_exception=True)
def assessment_pdf(request: HttpRequest, pk: Any) -> HttpResponse:
    stored = _stored_in_one_query(request, pk, SUMMARY)
    if stored is not None:
        assessment, number, report = stored
        return _summary_response(request, assessment, number, report.data, report.sha256)
    assessment = get_assessment_to_print(request, pk)
    if _prints_draft(request, assessment):
        number, data, pdf_hash = None, render_summary_pdf(report_for(get_assessment_for_user(request, pk))), ""
    else:
        number, stored = _stored(request, assessment, SUMMARY)
        data, pdf_hash = stored.data, stored.sha256
    return _summary_response(request, assessment, number, data, pdf_hash)


def _summary_response(request: HttpRequest, assessment: Assessment, number: int | None, data: bytes,
                      pdf_hash: str) -> HttpResponse:
    audit.record(AuditEvent.Action.ASSESSMENT_PRINT, actor=Actor.from_request(request), obj=assessment,
                 detail={"revision": number, "pdf_hash": pdf_hash})
    response = _pdf_response(data, _filename(assessment))
    if pdf_hash:
        response["ETag"] = f'"{pdf_hash}"'
    return response


@require_GET
@permission_required(SEE_PATIENTS, raise_exception=True)
def assessment_handout(request: HttpRequest, pk: Any) -> HttpResponse:
    stored = _stored_in_one_query(request, pk, HANDOUT)
    if stored is not None:
        assessment, _number, report = stored
        return _handout_response(request, assessment, report.data)
    assessment = get_assessment_to_print(request, pk)
    if _prints_draft(request, assessment):
        data = render_handout_pdf(report_for(get_assessment_for_user(request, pk)))
    else:
        data = _stored(request, assessment, HANDOUT)[1].data
    return _handout_response(request, assessment, data)


def _handout_response(request: HttpRequest, assessment: Assessment, data: bytes) -> HttpResponse:
    audit.record(AuditEvent.Action.HANDOUT_PRINT, actor=Actor.from_request(request), obj=assessment)
    return _pdf_response(data, _filename(assessment, "-handout"))
