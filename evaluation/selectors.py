"""Reads: every query beyond a plain primary-key look-up lives here, so views never build one."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, QuerySet

from . import engine
from .models import Assessment, AuditEvent, Patient, Signature, TemplateVersion, fold_for_search

DEFAULT_TEMPLATE_SLUG = "fasciculation-cramp"
SIGNED = (Assessment.Status.FINAL, Assessment.Status.AMENDED)


# ---------------------------------------------------------------- record-for-user look-ups

# One clinic, one team: every clinician may see and continue any patient's record (cover,
# handovers); who did what is in the audit trail, and a signature names its signer. A
# multi-clinic deployment would narrow these two look-ups, and only these.


def patients_for_user(user: Any) -> QuerySet[Patient]:
    """The patients ``user`` may see."""
    return Patient.objects.all()


def assessments_for_user(user: Any) -> QuerySet[Assessment]:
    """The assessments ``user`` may see, with what their pages show."""
    return Assessment.objects.select_related("patient", "version__template", "clinician", "updated_by", "previous")


def signature_of(assessment: Assessment, number: int) -> Signature | None:
    """One signed revision of ``assessment`` (without its stored PDF)."""
    return Signature.objects.defer("pdf").filter(assessment=assessment, number=number).first()


def signatures_of(assessment: Assessment) -> list[Signature]:
    return list(assessment.signatures.order_by("number").defer("pdf"))


# ---------------------------------------------------------------- patients


def patient_search(query: str) -> QuerySet[Patient]:
    """Patients whose MRN or names contain every word of ``query`` (case and accents ignored)."""
    patients = Patient.objects.annotate(assessment_count=Count("assessments"))
    for term in fold_for_search(query).split():
        patients = patients.filter(search_text__contains=term)
    return patients.order_by("family_name", "given_name", "mrn")


def patient_assessments(patient: Patient) -> list[Assessment]:
    return list(patient.assessments.select_related("version__template", "clinician").order_by("-created_at"))


def patient_audit_events(patient: Patient) -> QuerySet[AuditEvent]:
    """Every audited action on the patient and their assessments, newest first."""
    return AuditEvent.objects.filter(patient=patient).select_related("user").order_by("-at", "-id")


# ---------------------------------------------------------------- assessments


def latest_signed_assessment(patient: Patient) -> Assessment | None:
    query = patient.assessments.filter(status__in=SIGNED)
    return query.select_related("version__template").order_by("-created_at").first()


def has_signed_assessment(patient: Patient) -> bool:
    return patient.assessments.filter(status__in=SIGNED).exists()


# ---------------------------------------------------------------- template versions


def published_versions() -> QuerySet[TemplateVersion]:
    return TemplateVersion.objects.filter(status=TemplateVersion.Status.PUBLISHED).select_related(
        "template").order_by("template__slug", "-number")


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


def suggestions_for_case(case: Any, template: str | None = None) -> dict[str, Any]:
    """The ``suggest_workup`` contract for a case document ``{"answers": {...}}``.

    Raises ValueError with one message naming every bad item code or value.
    """
    version = resolve_version(template)
    try:
        compiled = version.compiled()
    except engine.TemplateError as exc:
        raise ValueError(f"{version.label} is not a valid template: {exc}") from None
    answers = case.get("answers") if isinstance(case, dict) else None
    if not isinstance(answers, dict):
        raise ValueError('the case file must be a JSON object with an "answers" object')
    errors = engine.validate_answers(compiled.items, answers)
    if errors:
        raise ValueError("; ".join(errors))
    return compiled.evaluate(answers).as_dict()


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
