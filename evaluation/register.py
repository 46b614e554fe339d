"""What the patient list shows of the whole register and of one page: its size and the page's visits.

Both are written for the page's query count and cost to stay flat as the register grows (issue 11):
the size is PostgreSQL's estimate once the register is large, and a page's visit counts come from
one grouped query over its 25 rows only.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import connection

from .models import Assessment, Patient

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
                     '"evaluation_patient") END, reltuples >= %s FROM pg_class WHERE oid = %s::regclass')


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
        found = cursor.fetchall()
    # As the ORM would read them back (SQLite returns the id as hex text and the date as text).
    patient_id, visit_date = Patient._meta.pk, Assessment._meta.get_field("visit_date")
    return {patient_id.to_python(pid): (count, visit_date.to_python(last)) for pid, count, last in found}
