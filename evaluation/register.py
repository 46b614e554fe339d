"""The patient register as the patient list reads it: finding patients, its size and a page's visits.

All are written for the page's query count and cost to stay flat as the register grows (issue 11):
each search is served by an index, the size is PostgreSQL's estimate once the register is large, and
a page's visit counts are read for its 25 rows only (for the whole register, in the same statement as
the page and the size; for a search, in one grouped query after the page).
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any, NamedTuple

from django.db import connection
from django.db.models import Count, QuerySet, Window
from django.db.models.functions import Lower, Trim

from .models import Assessment, Patient, fold_for_search
from .models.patients import age_on, display_name
from .precompiled import read_back
from .search import parse_patient_query

# What a row of the patient list shows (the other fields stay deferred: touching one loads it).
LISTED_PATIENT_FIELDS = ("id", "mrn", "family_name", "given_name", "date_of_birth", "sex")
# A search word this long matches few patients; a shorter one may match a large part of the register.
SELECTIVE_TERM = 4
# Above this many patients the unfiltered list shows PostgreSQL's estimate of the register's size:
# counting 100,000 rows exactly would cost more than everything else on the page.
ESTIMATE_ABOVE = 10_000


def register_size() -> tuple[int, bool]:
    """How many patients are registered, and whether that is an estimate (PostgreSQL's own, from its
    statistics, once the register is large; else the exact count)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(REGISTER_SIZE_SQL, [ESTIMATE_ABOVE, ESTIMATE_ABOVE, Patient._meta.db_table])
            size, estimated = cursor.fetchone()
        return int(size), bool(estimated)
    return Patient.objects.count(), False


# One round trip: the estimate, or the exact count where the estimate is small. PostgreSQL runs the
# count (an InitPlan) only if the CASE reaches it, so a large register is never counted.
REGISTER_SIZE_SQL = ('SELECT CASE WHEN reltuples >= %s THEN reltuples::bigint ELSE (SELECT COUNT(*) FROM '
                     '"evaluation_patient") END AS register_size, reltuples >= %s AS estimated FROM pg_class '
                     'WHERE oid = %s::regclass')


def with_visits(patients: Any) -> list[Patient]:
    """``patients`` (one page) with ``assessment_count`` and ``last_visit`` set, from one grouped
    query over these rows only."""
    rows = list(patients)
    visits = _visits_of([patient.pk for patient in rows])
    for patient in rows:
        patient.assessment_count, patient.last_visit = visits.get(patient.pk, (0, None))
    return rows


def _visits_of(patient_ids: list[Any]) -> dict[Any, tuple[int, datetime.date | None]]:
    """{patient id: (assessments, last visit date)} for these patients, in SQL written once: the grouped
    ORM query cost the list page more to build than to run."""
    if not patient_ids:
        return {}
    table = connection.ops.quote_name(Assessment._meta.db_table)
    placeholders = ", ".join(["%s"] * len(patient_ids))
    ids = [Assessment._meta.get_field("patient").get_db_prep_value(pk, connection) for pk in patient_ids]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT patient_id, COUNT(*), MAX(visit_date) FROM {table} "
                       f"WHERE patient_id IN ({placeholders}) GROUP BY patient_id", ids)
        found = read_back(cursor.fetchall(), _VISITS_FIELDS, connection.alias)
    return {pid: (count, last) for pid, count, last in found}


# The fields the visits query's columns hold (None: the count, taken as it comes).
_VISITS_FIELDS = (Patient._meta.pk, None, Assessment._meta.get_field("visit_date"))


class ListedPatient(NamedTuple):
    """A row of the unfiltered patient list as plain values: what the row shows of the patient, and their
    visits. 25 model instances cost the list page more than building its rows did (issue 11)."""

    pk: uuid.UUID
    mrn: str
    family_name: str
    given_name: str
    date_of_birth: datetime.date
    sex: str
    assessment_count: int
    last_visit: datetime.date | None

    @property
    def display_name(self) -> str:
        return display_name(self.family_name, self.given_name)

    def age_on(self, day: datetime.date) -> int:
        return age_on(self.date_of_birth, day)


# The fields the page query's columns hold, in its order (None: a count or flag, taken as it comes).
_PAGE_FIELDS = (*(Patient._meta.get_field(name) for name in LISTED_PATIENT_FIELDS), None,
                Assessment._meta.get_field("visit_date"), None, None)


def register_page(start: int, stop: int) -> tuple[list[ListedPatient], int, bool] | None:
    """Rows ``start:stop`` of the whole register in name order (``LISTED_PATIENT_FIELDS`` with
    ``assessment_count`` and ``last_visit``), with the register's size and whether that is an estimate
    (``register_size``): the unfiltered list's page in one query. None when the page has no rows (past
    the end, or no patients).

    The page is a derived table, so the visit subqueries run for its rows only: as columns of the
    outer select, they would run for every row an OFFSET skips.
    """
    sql, params = _register_page_query(start, stop)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = read_back(cursor.fetchall(), _PAGE_FIELDS, connection.alias)
    if not rows:
        return None
    size, estimated = rows[0][-2:]
    return [ListedPatient(*row[:-2]) for row in rows], int(size), bool(estimated)


def _register_page_query(start: int, stop: int) -> tuple[str, list[Any]]:
    quote = connection.ops.quote_name
    patients, assessments = quote(Patient._meta.db_table), quote(Assessment._meta.db_table)
    columns = ", ".join(quote(Patient._meta.get_field(name).column) for name in LISTED_PATIENT_FIELDS)
    if connection.vendor == "postgresql":
        size, size_params = REGISTER_SIZE_SQL, [ESTIMATE_ABOVE, ESTIMATE_ABOVE, Patient._meta.db_table]
    else:
        size, size_params = f"SELECT COUNT(*) AS register_size, 0 AS estimated FROM {patients}", []
    # Patient.Meta.ordering, served by the patient_name_order index; again outside, for the page's rows.
    order = "LOWER({0}family_name), LOWER({0}given_name), {0}mrn"
    sql = (f"SELECT page.*, (SELECT COUNT(*) FROM {assessments} a WHERE a.patient_id = page.id) AS assessment_count,"
           f" (SELECT MAX(a.visit_date) FROM {assessments} a WHERE a.patient_id = page.id) AS last_visit,"
           f" size.register_size, size.estimated FROM (SELECT {columns} FROM {patients}"
           f" ORDER BY {order.format('')} LIMIT %s OFFSET %s) page"
           f" CROSS JOIN ({size}) size ORDER BY {order.format('page.')}")
    return sql, [stop - start, start, *size_params]


# ---------------------------------------------------------------- finding patients


def patient_search(query: str) -> QuerySet[Patient]:
    """Patients matching ``query``: an exact MRN, else every word of the MRN or names (case and accents
    ignored) and any date of birth written in it (2 Apr 1980, 02/04/1980, 1980-04-02 ...).

    Each part is served by an index: the MRN's unique index, the date of birth's, and on PostgreSQL
    the trigram index on the folded search text. Sorted by name, case-insensitively (``Meta.ordering``,
    served by its own index); per-row figures come from ``with_visits`` for one page only.
    """
    parsed = parse_patient_query(query)
    if parsed.mrn:
        exact = Patient.objects.filter(mrn=parsed.mrn)
        if exact.exists():
            return exact
    return patient_search_without_mrn(parsed)


def patient_search_without_mrn(parsed: Any) -> QuerySet[Patient]:
    """``patient_search`` once no patient has the exact MRN: every word and date of ``parsed``."""
    patients = Patient.objects.all()
    if parsed.dates:
        patients = patients.filter(date_of_birth__in=parsed.dates)
    for term in parsed.terms:
        patients = patients.filter(search_text__contains=term)
    if any(len(term) >= SELECTIVE_TERM for term in parsed.terms):
        # The same order, by an expression the name index cannot serve (names are stored trimmed): the
        # database then finds the few matches first (trigram index) and sorts them, instead of walking
        # the name order from "A" discarding non-matches, which is slow when the matches are "Zimmer...".
        patients = patients.order_by(Lower(Trim("family_name")), Lower("given_name"), "mrn")
    return patients


def is_selective(query: str) -> bool:
    """Whether ``query`` finds few patients: an MRN, a date of birth or a word of ``SELECTIVE_TERM`` letters."""
    parsed = parse_patient_query(query)
    return bool(parsed.mrn or parsed.dates or any(len(term) >= SELECTIVE_TERM for term in parsed.terms))


def patient_search_slice(query: str, start: int, stop: int) -> tuple[list[Patient], int] | None:
    """Rows ``start:stop`` of ``patient_search(query)`` and how many it finds, in one query (a window
    count over the matches) rather than an existence check for the MRN, a COUNT and then the page.

    For a selective ``query`` only (``is_selective``): there the matches are few and found first anyway,
    whereas counting a broad match alongside its first page would read every match instead of stopping
    at 25. None when one query cannot tell (no rows past the first page): the caller counts as before.
    """
    parsed = parse_patient_query(query)
    if parsed.mrn:
        rows = _with_found(Patient.objects.filter(mrn=parsed.mrn), start, stop)
        if rows:
            return rows, rows[0].found
        if start:
            return None
    rows = _with_found(patient_search_without_mrn(parsed), start, stop)
    if rows:
        return rows, rows[0].found
    return None if start else ([], 0)


def _with_found(patients: QuerySet[Patient], start: int, stop: int) -> list[Patient]:
    """The slice (the list's fields only), each row carrying ``found``: how many rows the whole query has
    (COUNT(*) OVER ())."""
    return list(patients.only(*LISTED_PATIENT_FIELDS).annotate(found=Window(Count("pk")))[start:stop])


def possible_duplicates(*, family_name: str, given_name: str, date_of_birth: datetime.date) -> list[Patient]:
    """Registered patients born that day with the same names (case, accents and order ignored)."""
    wanted = {fold_for_search(family_name), fold_for_search(given_name)}
    return [
        patient for patient in Patient.objects.filter(date_of_birth=date_of_birth)
        if {fold_for_search(patient.family_name), fold_for_search(patient.given_name)} == wanted
    ]
