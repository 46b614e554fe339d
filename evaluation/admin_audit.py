"""Reading clinical records in the Django admin is audited like reading them in the clinic pages.

Superusers can open patients, assessments and signed revisions in the admin
for support. Those looks belong in each patient's access log as much as a
clinician's do, so the change (read-only) page records a view of the record,
and the list pages record that a list was seen: whether it was searched, never
the search text (which may be a name or an MRN).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse

from .audit import Actor, record
from .models import AuditEvent, Patient, Signature

Action = AuditEvent.Action
PAGE = "admin"


def _record_view(request: HttpRequest, obj: Any) -> None:
    if isinstance(obj, Patient):
        record(Action.PATIENT_VIEW, actor=Actor.from_request(request), obj=obj, detail={"page": PAGE})
    elif isinstance(obj, Signature):
        # A signed revision is read as its assessment, as on the clinic's revision page.
        record(Action.ASSESSMENT_VIEW, actor=Actor.from_request(request), obj=obj.assessment,
               detail={"page": PAGE, "revision": obj.number})
    else:
        record(Action.ASSESSMENT_VIEW, actor=Actor.from_request(request), obj=obj, detail={"page": PAGE})


class AuditedReadsAdmin:
    """Mixin for a ModelAdmin of Patient, Assessment or Signature (put it before ModelAdmin)."""

    def render_change_form(self, request: HttpRequest, context: dict[str, Any], add: bool = False,
                           change: bool = False, form_url: str = "", obj: Any = None) -> HttpResponse:
        if obj is not None:
            _record_view(request, obj)
        return super().render_change_form(request, context, add=add, change=change,  # type: ignore[misc]
                                          form_url=form_url, obj=obj)

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        response = super().changelist_view(request, extra_context)  # type: ignore[misc]
        if response.status_code == 200:
            model = self.model._meta.model_name  # type: ignore[attr-defined]
            action = Action.PATIENT_LIST if model == Patient._meta.model_name else Action.ASSESSMENT_LIST
            record(action, actor=Actor.from_request(request),
                   detail={"page": PAGE, "model": model, "searched": bool(request.GET.get("q"))})
        return response
