"""Autosave of a draft while it is filled: the same checks and optimistic locking as "Save draft", answered in JSON.

The page posts the whole form a moment after each change. A refusal says what
to do in words, and changes nothing: a typo is named by its question, and a
draft saved by someone else in between is never overwritten.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import engine, selectors
from ..audit import Actor
from ..forms import AssessmentForm
from ..models import Assessment
from ..services import assessments as assessment_services
from .access import CHANGE_ASSESSMENT, SEE_PATIENTS, get_assessment_for_user
from .assessments import compiled_for


def _refused(message: str, status: int, **extra: Any) -> JsonResponse:
    return JsonResponse({"saved": False, "message": message, **extra}, status=status)


def _field_errors(form: AssessmentForm) -> dict[str, list[str]]:
    return {name: [str(e) for e in errors] for name, errors in form.errors.items()}


def _error_message(form: AssessmentForm) -> str:
    labels = [form.fields[name].label if name in form.fields else _("The form") for name in form.errors]
    return _("Not saved: check %(labels)s.") % {"labels": "; ".join(str(label) for label in labels)}


def _saved(assessment: Assessment) -> JsonResponse:
    at = timezone.localtime(assessment.updated_at)
    return JsonResponse({"saved": True, "revision": assessment.revision, "saved_at": f"{at:%H:%M}"})


@require_POST
@permission_required([SEE_PATIENTS, CHANGE_ASSESSMENT], raise_exception=True)
def assessment_autosave(request: HttpRequest, pk: Any) -> JsonResponse:
    assessment = get_assessment_for_user(request, pk, selectors.FORM_RELATED)
    if not assessment.is_editable:
        return _refused(_("Not saved: this assessment has been signed. Start an amendment to change it."), 409)
    form = AssessmentForm(request.POST, compiled=compiled_for(assessment))
    if not form.is_valid():
        return _refused(_error_message(form), 400, errors=_field_errors(form))
    try:
        saved = assessment_services.assessment_save(
            assessment=assessment, answers=form.answers(), expected_revision=form.cleaned_data["revision"],
            actor=Actor.from_request(request), visit_date=form.cleaned_data.get("visit_date"))
    except assessment_services.ConflictError as conflict:
        by = conflict.current.updated_by
        name = (by.get_full_name() or by.get_username()) if by else _("someone else")
        return _refused(_("Not saved: %(name)s changed this draft at %(time)s. Save draft to compare the answers; "
                          "yours are kept.") % {
            "name": name, "time": f"{timezone.localtime(conflict.current.updated_at):%H:%M}"}, 409)
    except assessment_services.NotEditableError as exc:
        return _refused(_("Not saved: %(reason)s") % {"reason": exc}, 409)
    except engine.AnswerError as exc:
        return _refused(_("Not saved: %(reason)s") % {"reason": "; ".join(exc.errors)}, 400)
    return _saved(saved)
