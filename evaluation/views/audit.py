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

from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from .. import audit, records, selectors
from ..audit import Actor, shown_detail
from ..forms import AuditFilterForm
from ..models import AuditEvent
from .access import READ_AUDIT

PAGE_SIZE = 50
CSV_COLUMNS = ["at", "username", "action", "object_type", "object_id", "patient_id", "ip_address", "detail"]
# Spreadsheets run cells that start with these as formulas; a value typed by a
# user (a failed sign-in name, an exam note) must never become one.
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _detail_text(detail: Any, user: Any) -> str:
    shown = shown_detail(detail, user)
    return json.dumps(shown, ensure_ascii=False, sort_keys=True) if shown else ""


def _filtered(request: HttpRequest) -> tuple[AuditFilterForm, QuerySet[AuditEvent]]:
    form = AuditFilterForm(request.GET or None)
    if not form.is_bound:
        return form, selectors.audit_events()
    if not form.is_valid():
        # Invalid filters must not silently widen the result to everything.
        return form, AuditEvent.objects.none()
    return form, selectors.audit_events(**form.filters())


@require_GET
@permission_required(READ_AUDIT, raise_exception=True)
def audit_list(request: HttpRequest) -> HttpResponse:
    form, events = _filtered(request)
    if request.user.is_superuser:
        # Superusers see the clinical values kept in events' detail, so their reading is itself audited.
        audit.record(AuditEvent.Action.AUDIT_VIEW, actor=Actor.from_request(request),
                     detail={"filters": form.active_filters()})
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
        "usernames": selectors.usernames(),
        "chains": records.viewer_status(),
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
@permission_required(READ_AUDIT, raise_exception=True)
def audit_csv(request: HttpRequest) -> HttpResponse:
    form, events = _filtered(request)
    if form.is_bound and not form.is_valid():
        return HttpResponse(_("Invalid filter:") + " " + "; ".join(
            f"{field}: {' '.join(errors)}" for field, errors in form.errors.items()
        ), status=400, content_type="text/plain; charset=utf-8")
    audit.record(AuditEvent.Action.AUDIT_EXPORT, actor=Actor.from_request(request), detail={"filters": form.active_filters()})
    writer = csv.writer(_Echo())
    # Stream, so a year of events does not have to fit in memory at once.
    rows = (writer.writerow(row) for row in _csv_rows(events.iterator(chunk_size=1000), request.user))
    response = StreamingHttpResponse(rows, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-{timezone.localdate():%Y-%m-%d}.csv"'
    return response
