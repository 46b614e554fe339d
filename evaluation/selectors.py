"""Reads: every query beyond a plain primary-key look-up lives here, so views never build one."""

from __future__ import annotations

import datetime
import uuid
from typing import Any, NamedTuple

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from . import engine
from .models import Assessment, AuditEvent, Patient, Signature, TemplateVersion
from .models.patients import display_name as patient_display_name
from .precompiled import Precompiled, read_back

DEFAULT_TEMPLATE_SLUG = "fasciculation-cramp"
SIGNED = (Assessment.Status.FINAL, Assessment.Status.AMENDED)


# ---------------------------------------------------------------- record-for-user look-ups

# One clinic, one team: every clinician may see and continue any patient's record (cover,
# handovers); who did what is in the audit trail, and a signature names its signer. A
# multi-clinic deployment would narrow these two look-ups, and only these.


def one_or_none(queryset: QuerySet[Any], **unique: Any) -> Any:
    """The row of ``queryset`` matching a unique lookup (a primary key), or None.

    A plain ``get()``: ``filter().first()`` would add an ORDER BY by the model's ordering (or the
    primary key), which costs a page more to build than to run for one row."""
    try:
        return queryset.get(**unique)
    except queryset.model.DoesNotExist:
        return None


def patients_for_user(user: Any) -> QuerySet[Patient]:
    """The patients ``user`` may see."""
    return Patient.objects.all()


def patient_for_user(user: Any, pk: Any) -> Patient | None:
    """Patient ``pk`` if ``user`` may see them, else None: ``patients_for_user`` by primary key.

    While that scope is every patient, the read's SQL is built once (``precompiled``); a narrowed scope
    (a multi-clinic deployment) is read through the ORM as it is."""
    scope = patients_for_user(user)
    if scope.query.where.children:
        return one_or_none(scope, pk=pk)
    return _PATIENT_BY_ID.one_or_none(pk)


_PATIENT_BY_ID = Precompiled(lambda pk: patients_for_user(None).filter(pk=pk), Patient._meta.pk)


# What assessment pages read with the assessment, joined into its query. Each join costs the database
# more planning than executing, so a page that needs fewer asks for fewer (issue 11).
ASSESSMENT_RELATED = ("patient", "version__template", "clinician", "updated_by", "previous")
# The form, live suggestions, autosave, review and signing: the patient (banner, rule context) and the version.
FORM_RELATED = ("patient", "version__template")
# The summary page: also the previous visit, for a follow-up's comparison.
SUMMARY_RELATED = ("patient", "version__template", "previous")


def assessments_for_user(user: Any, related: tuple[str, ...] = ASSESSMENT_RELATED) -> QuerySet[Assessment]:
    """The assessments ``user`` may see, with what their pages show (``related``: what is read with them)."""
    return Assessment.objects.select_related(*related)


def assessment_for_user(user: Any, pk: Any, related: tuple[str, ...] = ASSESSMENT_RELATED) -> Assessment | None:
    """Assessment ``pk`` if ``user`` may see it, else None, with ``related`` read in the same query.

    While ``assessments_for_user`` is every assessment, the read's SQL is built once per ``related``
    (``precompiled``); a narrowed scope is read through the ORM as it is."""
    scope = assessments_for_user(user, related)
    if scope.query.where.children:
        return one_or_none(scope, pk=pk)
    read = _ASSESSMENT_BY_ID.get(related)
    if read is None:
        read = _ASSESSMENT_BY_ID[related] = Precompiled(
            lambda value: assessments_for_user(None, related).filter(pk=value), Assessment._meta.pk)
    return read.one_or_none(pk)


_ASSESSMENT_BY_ID: dict[tuple[str, ...], Precompiled] = {}


def signature_of(assessment: Assessment, number: int) -> Signature | None:
    """One signed revision of ``assessment`` (without its stored PDFs)."""
    return Signature.objects.defer("pdf", "handout_pdf").filter(assessment=assessment, number=number).first()


def partly_loaded(model: Any, db: str | None = None, **values: Any) -> Any:
    """An instance of ``model`` as the ORM builds it from a row holding only ``values`` (by attribute
    name): the other fields are deferred, so touching one loads it rather than reading a default."""
    names = [field.attname for field in model._meta.concrete_fields if field.attname in values]
    return model.from_db(db, names, [values[name] for name in names])


def signatures_of(assessment: Assessment) -> list[Signature]:
    """Every signed revision of ``assessment`` in order, without their stored PDFs (a precompiled read)."""
    signatures = _SIGNATURES_OF.all(assessment.pk)
    for signature in signatures:
        signature._state.fields_cache["assessment"] = assessment  # as the related manager sets it
    return signatures


_SIGNATURES_OF = Precompiled(
    lambda pk: Signature.objects.filter(assessment_id=pk).order_by("number").defer("pdf", "handout_pdf"),
    Signature._meta.get_field("assessment"))


# ---------------------------------------------------------------- the start page's short lists


# What a line in the start page's short lists shows: the patient, the status badge, the times. Answers and
# decisions (JSON) stay unread; touching another field would cost a query per line.
LISTED_ASSESSMENT_FIELDS = ("status", "amendment_reason", "created_at", "updated_at", "patient__mrn",
                            "patient__family_name", "patient__given_name")


def _open_drafts_query(user: Any, limit: int) -> QuerySet[Assessment]:
    drafts = Assessment.objects.filter(clinician=user, status=Assessment.Status.DRAFT)
    return drafts.select_related("patient").only(*LISTED_ASSESSMENT_FIELDS).order_by("-updated_at")[:limit]


def _seen_today_query(user: Any, limit: int) -> QuerySet[Assessment]:
    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    today = Assessment.objects.filter(clinician=user, created_at__gte=start)
    return today.select_related("patient").only(*LISTED_ASSESSMENT_FIELDS).order_by("-created_at")[:limit]


def open_drafts_of(user: Any, limit: int = 10) -> list[Assessment]:
    """The user's unsigned assessments, most recently saved first."""
    return list(_open_drafts_query(user, limit))


def seen_today_by(user: Any, limit: int = 15) -> list[Assessment]:
    """The assessments the user started today (the clinic's time zone), newest first."""
    return list(_seen_today_query(user, limit))


class ListedAssessment(NamedTuple):
    """One line of the start page's short lists: the assessment's id, status and times, and its patient's
    MRN and names, as plain values. Two model instances a line (the assessment and its patient) cost the
    start page more than its query did (issue 11)."""

    pk: uuid.UUID
    status: str
    amendment_reason: str
    created_at: datetime.datetime
    updated_at: datetime.datetime
    mrn: str
    family_name: str
    given_name: str
    listed: str  # which list: "draft" or "today"

    @property
    def display_name(self) -> str:
        return patient_display_name(self.family_name, self.given_name)


# The fields ListedAssessment's values come from, in its order (None: the list's name, as written).
_LISTED_FIELDS = (*(Assessment._meta.get_field(name) for name in ("id", "status", "amendment_reason", "created_at",
                                                                   "updated_at")),
                  *(Patient._meta.get_field(name) for name in ("mrn", "family_name", "given_name")), None)

# The start page's two short lists in one statement. Hand-written because the ORM's compiling of the
# same UNION (two joined, column-limited, ordered and limited selects) cost three times its round trip.
# Works on PostgreSQL and SQLite; each list keeps its own order and limit inside its subquery.
_LISTED_SQL = (
    "SELECT a.id, a.status, a.amendment_reason, a.created_at, a.updated_at, p.mrn, p.family_name, p.given_name,"
    " {list} AS listed FROM {assessment} a JOIN {patient} p ON p.id = a.patient_id"
    " WHERE a.clinician_id = %s AND {where} ORDER BY {order} DESC LIMIT %s"
)


def _listed_sql() -> str:
    names = {"assessment": connection.ops.quote_name(Assessment._meta.db_table),
             "patient": connection.ops.quote_name(Patient._meta.db_table)}
    drafts = _LISTED_SQL.format(list="'draft'", where="a.status = %s", order="a.updated_at", **names)
    today = _LISTED_SQL.format(list="'today'", where="a.created_at >= %s", order="a.created_at", **names)
    return f"SELECT * FROM ({drafts}) drafts UNION ALL SELECT * FROM ({today}) today"


def open_drafts_and_seen_today(user: Any, drafts: int = 10,
                               today: int = 15) -> tuple[list[ListedAssessment], list[ListedAssessment]]:
    """The lines of ``open_drafts_of`` and ``seen_today_by``, in one query: one round trip for the start
    page. A draft started today is in both lists."""
    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    params = [user.pk, Assessment.Status.DRAFT, drafts, user.pk, connection.ops.adapt_datetimefield_value(start),
              today]
    with connection.cursor() as cursor:
        cursor.execute(_listed_sql(), params)
        rows = read_back(cursor.fetchall(), _LISTED_FIELDS, connection.alias)
    listed: dict[str, list[ListedAssessment]] = {"draft": [], "today": []}
    for row in rows:
        line = ListedAssessment(*row)
        listed[line.listed].append(line)
    # UNION ALL keeps no order of its own; each list is put back in its subquery's order.
    listed["draft"].sort(key=lambda a: a.updated_at, reverse=True)
    listed["today"].sort(key=lambda a: a.created_at, reverse=True)
    return listed["draft"], listed["today"]


def patient_assessments(patient: Patient) -> list[Assessment]:
    return list(patient.assessments.select_related("version__template", "clinician").order_by("-created_at"))


def patient_assessment_rows(patient: Patient) -> list[Assessment]:
    """``patient_assessments`` with only what the patient page's table shows (no answers, no template JSON;
    a precompiled read)."""
    rows = _ASSESSMENT_ROWS.all(patient.pk)
    for row in rows:
        row._state.fields_cache["patient"] = patient
    return rows


_ASSESSMENT_ROWS = Precompiled(
    lambda pk: Assessment.objects.filter(patient_id=pk).select_related("version__template", "clinician").only(
        "status", "amendment_reason", "created_at", "patient_id", "version__number", "version__template__slug",
        "clinician__username", "clinician__first_name", "clinician__last_name").order_by("-created_at"),
    Assessment._meta.get_field("patient"))


def patient_audit_events(patient: Patient) -> QuerySet[AuditEvent]:
    """Every audited action on the patient and their assessments, newest first."""
    return AuditEvent.objects.filter(patient=patient).select_related("user").order_by("-at", "-id")


# ---------------------------------------------------------------- assessments


def latest_signed_assessment(patient: Patient) -> Assessment | None:
    query = patient.assessments.filter(status__in=SIGNED)
    return query.select_related("version__template").order_by("-created_at").first()


def open_draft(patient: Patient) -> Assessment | None:
    """The patient's draft (a new assessment or an amendment in progress), if one is open."""
    return (patient.assessments.filter(status=Assessment.Status.DRAFT)
            .select_related("clinician").order_by("-created_at").first())


def has_signed_assessment(patient: Patient) -> bool:
    return patient.assessments.filter(status__in=SIGNED).exists()


# ---------------------------------------------------------------- template versions


def published_versions() -> QuerySet[TemplateVersion]:
    return TemplateVersion.objects.filter(status=TemplateVersion.Status.PUBLISHED).select_related(
        "template").order_by("template__slug", "-number")


def published_version_choices() -> list[tuple[Any, str, str, int]]:
    """(id, title, template slug, number) of each published version, in ``published_versions`` order:
    what the patient page's new-assessment list shows, read as values by a precompiled read."""
    return _PUBLISHED_VERSION_CHOICES.all()


_PUBLISHED_VERSION_CHOICES = Precompiled(
    lambda: published_versions().values_list("pk", "title", "template__slug", "number"), None)


def newest_published_version(slug: str = DEFAULT_TEMPLATE_SLUG) -> TemplateVersion | None:
    return published_versions().filter(template__slug=slug).first()


def resolve_version(spec: str | None) -> TemplateVersion:
    """``SLUG`` or ``SLUG@NUMBER`` to a version; the default is the newest published default template.

    Raises ValueError, in words, when there is no such version.
    """
    slug, _, number = (spec or DEFAULT_TEMPLATE_SLUG).partition("@")
    if number:
        if not number.isdigit():
            raise ValueError(f"version in {spec!r} must be a number")
        version = TemplateVersion.objects.filter(template__slug=slug, number=int(number)).select_related(
            "template").first()
    else:
        version = newest_published_version(slug)
    if version is None:
        raise ValueError(f"no {'version' if number else 'published version'} of template {spec or slug!r}")
    return version


def suggestions_for_case(case: Any, template: str | None = None, language: str | None = None) -> dict[str, Any]:
    """The ``suggest_workup`` contract for a case document ``{"answers": {...}, "context": {...}}``.

    Titles, reasons and details are worded in ``language`` where the version has it (codes never change).

    ``context`` is optional: the patient's ``sex`` and ``age_years``; what is missing is unknown.

    Raises ValueError with one message naming every bad item code or value.
    """
    version = resolve_version(template)
    try:
        compiled = version.compiled(language)
    except engine.TemplateError as exc:
        raise ValueError(f"{version.label} is not a valid template: {exc}") from None
    answers = case.get("answers") if isinstance(case, dict) else None
    if not isinstance(answers, dict):
        raise ValueError('the case file must be a JSON object with an "answers" object')
    context = case.get("context")
    errors = engine.validate_answers(compiled.items, answers) + engine.context_faults(context)
    if errors:
        raise ValueError("; ".join(errors))
    return compiled.evaluate(answers, context).as_dict()


# ---------------------------------------------------------------- the audit trail


def audit_events(
    *, username: str = "", patient: uuid.UUID | None = None, action: str = "",
    date_from: datetime.date | None = None, date_to: datetime.date | None = None,
) -> QuerySet[AuditEvent]:
    """The trail, newest first, narrowed by whichever filters are given."""
    events = AuditEvent.objects.all()
    if username.strip():
        events = events.filter(username__iexact=username.strip())
    if patient:
        events = events.filter(patient_id=patient)
    if action:
        events = events.filter(action=action)
    if date_from:
        events = events.filter(at__date__gte=date_from)
    if date_to:
        events = events.filter(at__date__lte=date_to)
    return events.order_by("-at", "-id")


def usernames() -> QuerySet[Any]:
    """Every user name, for the audit viewer's filter suggestions."""
    return get_user_model().objects.order_by("username").values_list("username", flat=True)
