"""Read-only audit viewer for template admins and superusers. (First cut; filters come with the security issue.)"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .models import AuditEvent
from .permissions import can_view_audit


@require_GET
def audit_list(request: HttpRequest) -> HttpResponse:
    if not can_view_audit(request.user):
        raise PermissionDenied
    events = AuditEvent.objects.select_related("user")[:200]
    return render(request, "evaluation/audit_list.html", {"events": events})


@require_GET
def audit_csv(request: HttpRequest) -> HttpResponse:
    if not can_view_audit(request.user):
        raise PermissionDenied
    return HttpResponse("at,user,action\n", content_type="text/csv")
