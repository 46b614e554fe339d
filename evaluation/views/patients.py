"""The start page, the patient list and search, registering and editing patients, the access log."""

from __future__ import annotations

import copy
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from .. import audit, selectors
from ..audit import Actor
from ..forms import NewAssessmentForm, PatientForm, PatientSearchForm
from ..models import AuditEvent
from ..permissions import can_view_audit, is_template_admin
from ..services import patients as patient_services
from .access import ADD_PATIENT, CHANGE_PATIENT, SEE_PATIENTS, get_patient_for_user

Action = AuditEvent.Action
PAGE_SIZE = 25
ACCESS_LOG_PAGE_SIZE = 50
SEARCH_SESSION_KEY = "patient_search"


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Where signing in lands: each role's own starting page."""
    if request.user.has_perm(SEE_PATIENTS):
        return redirect("evaluation:patient_list")
    if is_template_admin(request.user):
        return redirect("admin:evaluation_templateversion_changelist")
    if can_view_audit(request.user):
        return redirect("evaluation:audit_list")
    raise PermissionDenied("Your account has no role yet. Ask an administrator to add you to a role.")


@require_http_methods(["GET", "POST"])
@permission_required(SEE_PATIENTS, raise_exception=True)
def patient_list(request: HttpRequest) -> HttpResponse:
    """Search is posted and kept in the session, so no MRN or name ever appears in a URL or access log."""
    if request.method == "POST":
        form = PatientSearchForm(request.POST)
        request.session[SEARCH_SESSION_KEY] = form.cleaned_data["q"].strip() if form.is_valid() else ""
        return redirect("evaluation:patient_list")
    query = request.session.get(SEARCH_SESSION_KEY, "")
    page = Paginator(selectors.patient_search(query), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "evaluation/patient_list.html",
                  {"form": PatientSearchForm(initial={"q": query}), "page": page, "query": query})


@require_http_methods(["GET", "POST"])
@permission_required([SEE_PATIENTS, ADD_PATIENT], raise_exception=True)
def patient_create(request: HttpRequest) -> HttpResponse:
    form = PatientForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        patient = patient_services.patient_create(actor=Actor.from_request(request), **form.cleaned_data)
        messages.success(request, "Patient registered.")
        return redirect(patient)
    return render(request, "evaluation/patient_form.html", {"form": form, "title": "Register a patient"})


@require_http_methods(["GET", "POST"])
@permission_required([SEE_PATIENTS, CHANGE_PATIENT], raise_exception=True)
def patient_edit(request: HttpRequest, pk: Any) -> HttpResponse:
    patient = get_patient_for_user(request, pk)
    # The form edits a copy, so the service still sees the stored values and can name what changed.
    form = PatientForm(request.POST or None, instance=copy.copy(patient))
    actor = Actor.from_request(request)
    if request.method == "POST" and form.is_valid():
        patient_services.patient_update(patient=patient, actor=actor, **form.cleaned_data)
        messages.success(request, "Patient details saved.")
        return redirect(patient)
    if request.method == "GET":
        audit.record(Action.PATIENT_VIEW, actor=actor, obj=patient, detail={"page": "edit"})
    return render(request, "evaluation/patient_form.html",
                  {"form": form, "title": "Edit patient details", "patient": patient})


@require_GET
@permission_required(SEE_PATIENTS, raise_exception=True)
def patient_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    patient = get_patient_for_user(request, pk)
    assessments = selectors.patient_assessments(patient)
    has_previous = any(a.status != a.Status.DRAFT for a in assessments)
    audit.record(Action.PATIENT_VIEW, actor=Actor.from_request(request), obj=patient)
    return render(request, "evaluation/patient_detail.html", {
        "patient": patient,
        "assessments": assessments,
        "new_form": NewAssessmentForm(has_previous=has_previous, initial={"start_from_previous": has_previous}),
    })


@require_GET
@permission_required(SEE_PATIENTS, raise_exception=True)
def patient_access_log(request: HttpRequest, pk: Any) -> HttpResponse:
    """Who accessed this record: every audited action on the patient and their assessments."""
    patient = get_patient_for_user(request, pk)
    # Recorded first, so this look is itself on the page it shows.
    audit.record(Action.PATIENT_VIEW, actor=Actor.from_request(request), obj=patient, detail={"page": "access log"})
    page = Paginator(selectors.patient_audit_events(patient), ACCESS_LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "evaluation/patient_access_log.html", {"patient": patient, "page": page})
