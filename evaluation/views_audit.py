"""Read-only audit viewer and CSV export for template admins and superusers.

Nothing here writes to the audit table except the record of the export
itself: who took a copy of the trail, and with which filters, is itself an
auditable fact.

Template admins may read the trail but not clinical records: for them the
detail of each event names which answers changed but not their values
(see shown_detail); superusers see the values.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from . import audit
from .models import AuditEvent
from .permissions import can_view_audit

PAGE_SIZE = 50
CSV_COLUMNS = ["at", "username", "action", "object_type", "object_id", "patient_id", "ip_address", "detail"]
# Spreadsheets run cells that start with these as formulas; a value typed by a
# user (a failed sign-in name, an exam note) must never become one.
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

# Detail keys whose values are never clinical: template labels, field *names*,
# revision numbers, hashes, decisions (ordered/declined), a typed sign-in name,
# the export's own filters. Anything else is shown to superusers only.
_PLAIN_DETAIL_KEYS = frozenset({
    "version", "from", "from_previous", "fields", "decisions", "added", "revision", "content_hash", "pdf_hash",
    "page", "username", "filters",
})
CHANGED = "changed"
HIDDEN = "hidden"


class AuditFilterForm(forms.Form):
    user = forms.CharField(label="User name", required=False, max_length=150)
    patient = forms.UUIDField(label="Patient record id", required=False)
    action = forms.ChoiceField(label="Action", required=False,
                               choices=[("", "Any action"), *AuditEvent.Action.choices])
    date_from = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date is before the start date.")
        return data

    def filter(self, events: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
        """Apply the valid filters; call after is_valid()."""
        data = getattr(self, "cleaned_data", {})
        if data.get("user"):
            events = events.filter(username__iexact=data["user"].strip())
        if data.get("patient"):
            events = events.filter(patient_id=data["patient"])
        if data.get("action"):
            events = events.filter(action=data["action"])
        if data.get("date_from"):
            events = events.filter(at__date__gte=data["date_from"])
        if data.get("date_to"):
            events = events.filter(at__date__lte=data["date_to"])
        return events

    def active_filters(self) -> dict[str, str]:
        """The filters as plain strings, for the export's own audit record and for page links."""
        data = getattr(self, "cleaned_data", {})
        return {name: str(value) for name, value in data.items() if value not in (None, "")}


def shown_detail(detail: Any, user: Any) -> Any:
    """The event's detail as ``user`` may read it.

    The trail keeps the old and new value of every changed answer, and those can
    be clinical free text. Template admins may read the trail but not clinical
    records, so for anyone but a superuser a change names only the item code, and
    a detail key not known to be plain is hidden rather than shown.
    """
    if getattr(user, "is_superuser", False) or not isinstance(detail, dict):
        return detail
    shown: dict[str, Any] = {}
    for key, value in detail.items():
        if key == "changes" and isinstance(value, dict):
            shown[key] = dict.fromkeys(value, CHANGED)
        elif key in _PLAIN_DETAIL_KEYS:
            shown[key] = value
        else:
            shown[key] = HIDDEN
    return shown


def _detail_text(detail: Any, user: Any) -> str:
    shown = shown_detail(detail, user)
    return json.dumps(shown, ensure_ascii=False, sort_keys=True) if shown else ""


def _require_audit_viewer(request: HttpRequest) -> None:
    if not can_view_audit(request.user):
        raise PermissionDenied("Only template admins and superusers can read the audit trail.")


def _filtered(request: HttpRequest) -> tuple[AuditFilterForm, QuerySet[AuditEvent]]:
    form = AuditFilterForm(request.GET or None)
    events = AuditEvent.objects.all()
    if form.is_bound and form.is_valid():
        events = form.filter(events)
    elif form.is_bound:
        # Invalid filters must not silently widen the result to everything.
        events = events.none()
    return form, events.order_by("-at", "-id")


@require_GET
def audit_list(request: HttpRequest) -> HttpResponse:
    _require_audit_viewer(request)
    form, events = _filtered(request)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    for event in page.object_list:
        event.shown_detail = _detail_text(event.detail, request.user)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "evaluation/audit_list.html", {
        "form": form,
        "page": page,
        "filter_query": query.urlencode(),
        "usernames": get_user_model().objects.order_by("username").values_list("username", flat=True),
    }, status=400 if form.is_bound and not form.is_valid() else 200)


def _csv_cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(_FORMULA_PREFIXES) else text


def _csv_rows(events: Iterable[AuditEvent], user: Any) -> Iterator[list[str]]:
    yield CSV_COLUMNS
    for event in events:
        yield [_csv_cell(value) for value in (
            timezone.localtime(event.at).isoformat(), event.username, event.action, event.object_type,
            event.object_id, event.patient_id, event.ip_address,
            json.dumps(shown_detail(event.detail, user), ensure_ascii=False, sort_keys=True),
        )]


class _Echo:
    """csv.writer wants a file; this one hands each line straight back for streaming."""

    def write(self, value: str) -> str:
        return value


@require_GET
def audit_csv(request: HttpRequest) -> HttpResponse:
    _require_audit_viewer(request)
    form, events = _filtered(request)
    if form.is_bound and not form.is_valid():
        return HttpResponse("Invalid filter: " + "; ".join(
            f"{field}: {' '.join(errors)}" for field, errors in form.errors.items()
        ), status=400, content_type="text/plain; charset=utf-8")
    audit.record(AuditEvent.Action.AUDIT_EXPORT, request=request, detail={"filters": form.active_filters()})
    writer = csv.writer(_Echo())
    # Stream, so a year of events does not have to fit in memory at once.
    rows = (writer.writerow(row) for row in _csv_rows(events.iterator(chunk_size=1000), request.user))
    response = StreamingHttpResponse(rows, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-{timezone.localdate():%Y-%m-%d}.csv"'
    return response
