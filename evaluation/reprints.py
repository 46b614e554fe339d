"""What printing a signed revision's stored report reads: the assessment as printing names it, and the
revision's stored bytes and hash, for the user's scope (``selectors.assessments_for_user``).

A re-print is the common case (issue 11): its one query reads the stored report with what the response
and the audit event name of its assessment, and the latest revision's SQL is built once per report
column (``precompiled``).
"""

from __future__ import annotations

from typing import Any

from . import selectors
from .models import Assessment, Patient, Signature
from .precompiled import Precompiled


def assessment_to_print(user: Any, pk: Any) -> Assessment | None:
    """An assessment ``user`` may see, with only what printing a stored report reads: status, visit
    date, the patient's MRN (the file name) and id (the audit event); other fields load if touched."""
    scope = selectors.assessments_for_user(user).select_related(None).select_related("patient")
    return selectors.one_or_none(scope.only("status", "visit_date", "patient__mrn"), pk=pk)


def signed_report_row(assessment: Assessment, number: int | None, column: str, hash_column: str
                      ) -> tuple[int, int, Any, str] | None:
    """(signature id, revision number, stored bytes or None, their hash) of revision ``number`` of
    ``assessment`` (the latest when None), in one query that reads no snapshot."""
    signatures = Signature.objects.filter(assessment=assessment)
    signatures = signatures.filter(number=number) if number is not None else signatures.order_by("-number")
    return signatures.values_list("pk", "number", column, hash_column).first()


# What a re-print reads, all in one row: the signature (id, number, stored bytes, hash) and of its
# assessment what the response and the audit event name (status, visit date, patient id and MRN).
STORED_REPORT_FIELDS = ("pk", "number", "assessment__status", "assessment__visit_date", "assessment__patient_id",
                        "assessment__patient__mrn")


def stored_report_to_print(user: Any, pk: Any, number: int | None, column: str, hash_column: str
                           ) -> tuple[Assessment, int, Any, str] | None:
    """A re-print in one query: (the assessment with only what printing reads, revision number, stored
    bytes or None, their hash) for revision ``number`` (the latest when None) of an assessment ``user``
    may see (``assessment_to_print`` then ``signed_report_row`` in one). None when there is no such
    signed revision (or no such assessment: the caller then looks it up to say which).

    The latest revision's (every print but one of an earlier revision) is read by SQL built once per
    report column (``precompiled``) while ``assessments_for_user`` is every assessment; a narrowed scope
    or an earlier revision is read through the ORM."""
    scope = selectors.assessments_for_user(user, ())
    if number is None and not scope.query.where.children:
        rows = _latest_stored_report(column, hash_column).all(pk)
        row = rows[0] if rows else None
    else:
        signatures = Signature.objects.filter(assessment__in=scope.filter(pk=pk).values("pk"))
        signatures = signatures.filter(number=number) if number is not None else signatures.order_by("-number")
        row = signatures.values_list(*STORED_REPORT_FIELDS, column, hash_column).first()
    if row is None:
        return None
    signature_id, number, status, visit_date, patient_id, mrn, data, digest = row
    assessment = selectors.partly_loaded(Assessment, id=pk, status=status, visit_date=visit_date,
                                         patient_id=patient_id)
    assessment._state.fields_cache["patient"] = selectors.partly_loaded(Patient, id=patient_id, mrn=mrn)
    return assessment, number, data, digest


def _latest_stored_report(column: str, hash_column: str) -> Precompiled:
    read = _LATEST_STORED_REPORT.get((column, hash_column))
    if read is None:
        read = _LATEST_STORED_REPORT[(column, hash_column)] = Precompiled(
            lambda value: Signature.objects.filter(assessment_id=value).order_by("-number")
            .values_list(*STORED_REPORT_FIELDS, column, hash_column)[:1], Signature._meta.get_field("assessment"))
    return read


_LATEST_STORED_REPORT: dict[tuple[str, str], Precompiled] = {}
