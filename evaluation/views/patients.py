"""The start page, the patient list and search, registering and editing patients, the access log."""

from __future__ import annotations

import copy
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from .. import audit, register, selectors
from ..audit import Actor
from ..forms import NewAssessmentForm, PatientForm, PatientSearchForm
from ..models import AuditEvent, Patient
from ..permissions import can_view_audit, is_template_admin
from ..selectors import ListedAssessment
from ..services import patients as patient_services
from .access import ADD_PATIENT, CHANGE_PATIENT, SEE_PATIENTS, get_patient_for_user
from .fragments import RowFormats

Action = AuditEvent.Action
PAGE_SIZE = 25
ACCESS_LOG_PAGE_SIZE = 50
SEARCH_SESSION_KEY = "patient_search"


class KnownCountPaginator(Paginator):
    """A paginator told the number of rows (e.g. the register's estimated size) instead of counting them."""

    def __init__(self, object_list: Any, per_page: int, *, count: int | None = None):
        super().__init__(object_list, per_page)
        if count is not None:
            self.count = count  # shadows the cached property: no COUNT query


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Where signing in lands: each role's own starting page."""
    if request.user.has_perm(SEE_PATIENTS):
        return redirect("evaluation:patient_list")
    if is_template_admin(request.user):
        return redirect("evaluation:authoring:index")
    if can_view_audit(request.user):
        return redirect("evaluation:audit_list")
    raise PermissionDenied(_("Your account has no role yet. Ask an administrator to add you to a role."))


@require_http_methods(["GET", "POST"])
@permission_required(SEE_PATIENTS, raise_exception=True)
def patient_list(request: HttpRequest) -> HttpResponse:
    """The start page: my open drafts, whom I saw today, and the patient list with its search.

    Search is posted and kept in the session, so no MRN or name ever appears in a URL or access log.
    The query count does not grow with the register: the page of 25 with its visit counts (and the
    register's size or number found; see ``patient_page``), the audit event, and one query for both
    short lists.
    """
    if request.method == "POST":
        form = PatientSearchForm(request.POST)
        request.session[SEARCH_SESSION_KEY] = form.cleaned_data["q"].strip() if form.is_valid() else ""
        return redirect("evaluation:patient_list")
    query = request.session.get(SEARCH_SESSION_KEY, "")
    page, estimated = patient_page(query, request.GET.get("page"))
    audit.record(Action.PATIENT_LIST, actor=Actor.from_request(request), detail={"searched": bool(query)})
    open_drafts, seen_today = selectors.open_drafts_and_seen_today(request.user)
    return render(request, "evaluation/patient_list.html", {
        "page": page, "query": query, "estimated": estimated,
        "patient_rows": patient_rows(page.object_list), "open_drafts": open_drafts, "seen_today": seen_today,
        "open_draft_lines": open_draft_lines(open_drafts), "seen_today_lines": seen_today_lines(seen_today),
    })


def patient_page(query: str, number: Any) -> tuple[Page, bool]:
    """The page of patients asked for (``number`` as in the address), each with ``assessment_count`` and
    ``last_visit``, and whether its count is an estimate.

    The whole register: the page, its visits and the register's (estimated) size in one query. A
    selective search (an MRN, a date of birth, a longer word): the page's rows and the number found
    together in one query, then their visits. Anything else, or a page past the last: Django's
    paginator, counting first, then the page's visits.
    """
    first_row = _first_row_of_page(number)
    if not query:
        found = register.register_page(first_row, first_row + PAGE_SIZE) if first_row is not None else None
        if found is not None:
            rows, size, estimated = found
            # An estimate may be below what this page shows; the page is then not the last.
            return _page_of(rows, number, max(size, first_row + len(rows))), estimated
        size, estimated = register.register_size()
        page = KnownCountPaginator(_listed(register.patient_search("")), PAGE_SIZE, count=size).get_page(number)
        page.object_list = register.with_visits(page.object_list)
        return page, estimated
    if first_row is not None and register.is_selective(query):
        found = register.patient_search_slice(query, first_row, first_row + PAGE_SIZE)
        if found is not None:
            rows, count = found
            return _page_of(register.with_visits(rows), number, count), False
    page = Paginator(_listed(register.patient_search(query)), PAGE_SIZE).get_page(number)
    page.object_list = register.with_visits(page.object_list)
    return page, False


def _listed(patients: Any) -> Any:
    return patients.only(*register.LISTED_PATIENT_FIELDS)


def _page_of(rows: list[Any], number: Any, count: int) -> Page:
    """Page ``number`` of ``count`` rows, whose rows (already read) are ``rows``."""
    page = KnownCountPaginator(rows, PAGE_SIZE, count=count).get_page(number)
    page.object_list = rows  # the rows of this page, already read (the paginator sliced the list)
    return page


def _first_row_of_page(number: Any) -> int | None:
    """Where page ``number`` starts, read as the paginator reads it (not a number: page 1); None for a
    number below 1, which the paginator turns into the last page."""
    try:
        page = int(number)
    except (TypeError, ValueError):
        page = 1
    return (page - 1) * PAGE_SIZE if page >= 1 else None


# The markup of one line of the start page's short lists, as patient_list.html's loops wrote it
# (whitespace included); {text} is the line's small print.
_LIST_LINE = (
    '\n      <li class="list-group-item d-flex flex-wrap justify-content-between align-items-center gap-2">\n'
    '        <span><a href="{url}">{name}</a>\n'
    '          <span class="text-body-secondary small">{text}</span></span>\n'
    "        {badge}\n"
    "      </li>\n      "
)


def open_draft_lines(drafts: list[ListedAssessment]) -> SafeString:
    """The "My open drafts" list's lines, each with its MRN and when the draft was started and last saved."""
    formats = RowFormats()
    wording = _("MRN %(mrn)s · started %(started)s · saved %(saved)s")
    return _list_lines(drafts, formats, "evaluation:assessment_edit", lambda a: wording % {
        "mrn": conditional_escape(a.mrn),
        "started": conditional_escape(formats.day_month_year(formats.local(a.created_at))),
        "saved": conditional_escape(formats.day_month_time(a.updated_at))})


def seen_today_lines(assessments: list[ListedAssessment]) -> SafeString:
    """The "Seen today" list's lines, each with its MRN and the time the assessment was started."""
    formats = RowFormats()
    mrn = conditional_escape(_("MRN"))
    return _list_lines(assessments, formats, "evaluation:assessment_detail",
                       lambda a: f"{mrn} {conditional_escape(a.mrn)} · "
                                 f"{conditional_escape(formats.hour_minute(a.created_at))}")


def _list_lines(assessments: list[ListedAssessment], formats: RowFormats, url_name: str,
                small_print: Any) -> SafeString:
    """Each line's link, names, small print and status badge, as the template's loop wrote them (its
    filters, tags and an include per line cost more than the page's queries; issue 11)."""
    return mark_safe("".join(  # noqa: S308 - every value is escaped, the badge is rendered markup
        _LIST_LINE.format(url=conditional_escape(formats.url(url_name, a.pk)),
                          name=conditional_escape(a.display_name), text=small_print(a), badge=formats.badge(a))
        for a in assessments))


def patient_rows(patients: list[Any]) -> SafeString:
    """The list's table rows, exactly as a template loop over ``patients`` wrote them (whitespace included).
    ``patients``: a page of ``register.ListedPatient`` rows, or of patients with their visits (a search).

    Written here because a page of 25 rows through the template engine (seven variable look-ups, a URL
    reversed and two dates formatted per row) cost more than the rest of the page (issue 11).
    """
    today = timezone.localdate()
    formats = RowFormats()
    # Translated once per page, not once per row as get_sex_display() does (it rebuilds the choices); a
    # value outside the choices is shown as stored, as get_sex_display() shows it.
    sexes = {value: conditional_escape(label) for value, label in Patient.Sex.choices}
    none = f'<span class="text-body-secondary">{conditional_escape(_("none"))}</span>'
    return mark_safe("".join(  # noqa: S308 - every value below is escaped
        "\n    <tr>\n"
        f'      <td><a href="{conditional_escape(formats.url("evaluation:patient_detail", p.pk))}">'
        f"{conditional_escape(p.display_name)}</a></td>\n"
        f"      <td>{conditional_escape(p.mrn)}</td>\n"
        f"      <td>{formats.day_month_year(p.date_of_birth)}</td>\n"
        f"      <td>{p.age_on(today)}</td>\n"
        f"      <td>{sexes.get(p.sex) or conditional_escape(p.sex)}</td>\n"
        f"      <td>{formats.day_month_year(p.last_visit) if p.last_visit else none}</td>\n"
        f"      <td>{p.assessment_count}</td>\n"
        "    </tr>\n  "
        for p in patients
    ))


def _duplicates_to_confirm(request: HttpRequest, form: PatientForm) -> list[Any]:
    """Patients with the same names and date of birth that the clinician has not yet confirmed are someone
    else (the confirmation names the records shown, so changing the details to match others asks again)."""
    data = form.cleaned_data
    found = register.possible_duplicates(family_name=data["family_name"], given_name=data["given_name"],
                                          date_of_birth=data["date_of_birth"])
    confirmed = set(request.POST.get("confirm_duplicate", "").split(","))
    return [] if {str(p.pk) for p in found} <= confirmed else found


@require_http_methods(["GET", "POST"])
@permission_required([SEE_PATIENTS, ADD_PATIENT], raise_exception=True)
def patient_create(request: HttpRequest) -> HttpResponse:
    """Registering someone whose names and date of birth match a registered patient asks to confirm first."""
    form = PatientForm(request.POST or None)
    duplicates: list[Any] = []
    if request.method == "POST" and form.is_valid():
        duplicates = _duplicates_to_confirm(request, form)
        if not duplicates:
            patient = patient_services.patient_create(actor=Actor.from_request(request), **form.cleaned_data)
            messages.success(request, _("Patient registered."))
            return redirect(patient)
    return render(request, "evaluation/patient_form.html",
                  {"form": form, "title": _("Register a patient"), "duplicates": duplicates})


@require_http_methods(["GET", "POST"])
@permission_required([SEE_PATIENTS, CHANGE_PATIENT], raise_exception=True)
def patient_edit(request: HttpRequest, pk: Any) -> HttpResponse:
    patient = get_patient_for_user(request, pk)
    # The form edits a copy, so the service still sees the stored values and can name what changed.
    form = PatientForm(request.POST or None, instance=copy.copy(patient))
    actor = Actor.from_request(request)
    if request.method == "POST" and form.is_valid():
        patient_services.patient_update(patient=patient, actor=actor, **form.cleaned_data)
        messages.success(request, _("Patient details saved."))
        return redirect(patient)
    if request.method == "GET":
        audit.record(Action.PATIENT_VIEW, actor=actor, obj=patient, detail={"page": "edit"})
    return render(request, "evaluation/patient_form.html",
                  {"form": form, "title": _("Edit patient details"), "patient": patient})


@require_GET
@permission_required(SEE_PATIENTS, raise_exception=True)
def patient_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    patient = get_patient_for_user(request, pk)
    assessments = selectors.patient_assessment_rows(patient)
    has_previous = any(a.status != a.Status.DRAFT for a in assessments)
    audit.record(Action.PATIENT_VIEW, actor=Actor.from_request(request), obj=patient)
    return render(request, "evaluation/patient_detail.html", {
        "patient": patient,
        "assessments": assessments,
        "assessment_rows": assessment_rows(assessments),
        "version_options": version_options(),
        "new_form": NewAssessmentForm(has_previous=has_previous, initial={"start_from_previous": has_previous}),
    })


def assessment_rows(assessments: list[Any]) -> SafeString:
    """The patient page's assessment table rows, exactly as its template loop wrote them (issue 11)."""
    summary, resume = conditional_escape(_("Summary")), conditional_escape(_("Continue"))
    formats = RowFormats()
    return mark_safe("".join(  # noqa: S308 - every value below is escaped; the badge is rendered markup
        "\n      <tr>\n"
        f'        <td class="text-nowrap">{_day_and_time(formats, a.created_at)}</td>\n'
        f"        <td>{formats.badge(a)}</td>\n"
        f'        <td class="text-nowrap">{conditional_escape(a.version.label)}</td>\n'
        f"        <td>{conditional_escape(_clinician_name(a.clinician))}</td>\n"
        '        <td class="text-end text-nowrap">\n'
        f'          <a class="btn btn-sm btn-outline-primary" '
        f'href="{conditional_escape(formats.url("evaluation:assessment_detail", a.pk))}">{summary}</a>\n'
        + (f'          <a class="btn btn-sm btn-primary" '
           f'href="{conditional_escape(formats.url("evaluation:assessment_edit", a.pk))}">{resume}</a>\n'
           if a.status == "draft" else "          \n")
        + "        </td>\n"
        "      </tr>\n      "
        for a in assessments
    ))


def _day_and_time(formats: RowFormats, moment: Any) -> str:
    """``moment|date:"j M Y H:i"`` in the clinic's time zone and the active language."""
    local = formats.local(moment)
    return f"{formats.day_month_year(local)} {local:%H:%M}"


def _clinician_name(user: Any) -> str:
    # get_full_name|default:get_username, as the template wrote it
    return (user.get_full_name() or user.get_username()) if user is not None else ""


def version_options() -> SafeString:
    """The new-assessment form's <option> list of published versions, newest first per template, read as
    values (no model instances, no join to build) and written as the template's loop wrote it."""
    return mark_safe("".join(  # noqa: S308 - escaped
        f'<option value="{conditional_escape(pk)}">{conditional_escape(title)} '
        f"({conditional_escape(slug)}@{number})</option>"
        for pk, title, slug, number in selectors.published_version_choices()))


@require_GET
@permission_required(SEE_PATIENTS, raise_exception=True)
def patient_access_log(request: HttpRequest, pk: Any) -> HttpResponse:
    """Who accessed this record: every audited action on the patient and their assessments."""
    patient = get_patient_for_user(request, pk)
    # Recorded first, so this look is itself on the page it shows.
    audit.record(Action.PATIENT_VIEW, actor=Actor.from_request(request), obj=patient, detail={"page": "access log"})
    page = Paginator(selectors.patient_audit_events(patient), ACCESS_LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "evaluation/patient_access_log.html", {"patient": patient, "page": page})
