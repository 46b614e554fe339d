"""Who may reach which record: the permissions the views require, and the record-for-user look-ups."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

from .. import reprints, selectors
from ..models import Assessment, Patient

# Each view names what it needs with Django's permission_required(..., raise_exception=True).
SEE_PATIENTS = "evaluation.view_patient"
ADD_PATIENT = "evaluation.add_patient"
CHANGE_PATIENT = "evaluation.change_patient"
ADD_ASSESSMENT = "evaluation.add_assessment"
CHANGE_ASSESSMENT = "evaluation.change_assessment"
SIGN_ASSESSMENT = "evaluation.sign_assessment"
READ_AUDIT = "evaluation.view_auditevent"


def get_patient_for_user(request: HttpRequest, pk: Any) -> Patient:
    patient = selectors.patient_for_user(request.user, pk)
    if patient is None:
        raise Http404(_("No such patient."))
    return patient


def get_assessment_for_user(request: HttpRequest, pk: Any,
                            related: tuple[str, ...] = selectors.ASSESSMENT_RELATED) -> Assessment:
    assessment = selectors.assessment_for_user(request.user, pk, related)
    if assessment is None:
        raise Http404(_("No such assessment."))
    return assessment


def get_assessment_to_print(request: HttpRequest, pk: Any) -> Assessment:
    """Like ``get_assessment_for_user``, reading only what printing a stored report needs."""
    assessment = reprints.assessment_to_print(request.user, pk)
    if assessment is None:
        raise Http404(_("No such assessment."))
    return assessment
