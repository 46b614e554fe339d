"""PDF reports: the clinician summary and the patient handout."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from . import audit, pdf
from .models import AuditEvent
from .views import _get_assessment_for_user, clinician_required


@require_GET
@clinician_required
def assessment_pdf(request: HttpRequest, pk: Any) -> HttpResponse:
    assessment = _get_assessment_for_user(request, pk)
    signature = None if assessment.is_editable else assessment.latest_signature
    data = bytes(signature.pdf) if signature is not None and signature.pdf else pdf.render_summary_pdf(assessment)
    audit.record(AuditEvent.Action.ASSESSMENT_PRINT, request=request, obj=assessment)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{assessment.patient.mrn}-{assessment.created_at:%Y-%m-%d}.pdf"'
    return response


@require_GET
@clinician_required
def assessment_handout(request: HttpRequest, pk: Any) -> HttpResponse:
    assessment = _get_assessment_for_user(request, pk)
    data = pdf.render_handout_pdf(assessment)
    audit.record(AuditEvent.Action.HANDOUT_PRINT, request=request, obj=assessment)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="handout.pdf"'
    return response
