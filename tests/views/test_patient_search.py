"""The patient list and its search at scale: dates of birth, exact MRN, indexes, and a query count that stays put."""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from evaluation import register
from evaluation.models import Patient
from evaluation.search import parse_patient_query
from tests.factories import case_answers, make_assessment, make_patient, sign

LIST = reverse("evaluation:patient_list")
ROOT = Path(__file__).resolve().parents[2]


def search(client, query: str) -> str:
    client.post(LIST, {"q": query})
    return client.get(LIST).content.decode()


def bulk_patients(count: int, start: int = 0) -> None:
    Patient.objects.bulk_create([
        Patient(mrn=f"BULK-{n:05d}", family_name=f"Bulk{n:05d}", given_name="Test", sex="male",
                date_of_birth=datetime.date(1960, 1, 1) + datetime.timedelta(days=n),
                search_text=f"bulk-{n:05d} bulk{n:05d} test")
        for n in range(start, start + count)
    ])


# ---------------------------------------------------------------- what a query means


@pytest.mark.parametrize("text", [
    "1980-04-02", "02/04/1980", "2/4/1980", "02.04.1980", "2-4-1980", "2 Apr 1980", "2 april 1980",
    "2nd April 1980", "April 2, 1980", "apr 2 1980",
    # As a Spanish page writes it, and in words
    "2 abr 1980", "2 Abr 1980", "2 abr. 1980", "2 de abril de 1980",
])
def test_it_reads_a_date_of_birth_in_the_common_formats(text):
    parsed = parse_patient_query(text)
    assert parsed.dates == (datetime.date(1980, 4, 2),) and parsed.terms == ()


def test_it_reads_names_and_a_date_together_and_leaves_impossible_dates_as_text():
    parsed = parse_patient_query("Muñoz 2 Apr 1980")
    assert parsed.terms == ("munoz",) and parsed.dates == (datetime.date(1980, 4, 2),)
    assert parse_patient_query("31/02/1980").dates == ()
    assert parse_patient_query("MRN-02-04-1980").dates == ()  # a date inside an MRN is part of the MRN


def test_it_takes_one_word_with_a_digit_for_an_mrn_but_never_a_name():
    assert parse_patient_query(" mrn-1001 ").mrn == "MRN-1001"
    assert parse_patient_query("smith").mrn == ""
    assert parse_patient_query("mrn-1001 smith").mrn == ""


# ---------------------------------------------------------------- the page


def test_it_finds_a_patient_by_their_name_as_the_list_writes_it(clinician_client, patient):
    assert "MUÑOZ, Lucía" in search(clinician_client, "MUÑOZ, Lucía")
    assert "MUÑOZ, Lucía" in search(clinician_client, "munoz,lucia")


def test_it_finds_patients_by_date_of_birth_written_several_ways(clinician_client, patient, clinician):
    make_patient(clinician, family_name="Other", given_name="Person", date_of_birth=datetime.date(1980, 4, 2))
    for text in ("1980-04-01", "01/04/1980", "1.4.1980", "1 Apr 1980", "munoz 1 April 1980"):
        body = search(clinician_client, text)
        assert "MUÑOZ, Lucía" in body and "OTHER" not in body, text
    assert "No patient matches" in search(clinician_client, "smith 1 Apr 1980")


def test_it_opens_an_exact_mrn_alone_and_still_finds_mrn_fragments(clinician_client, patient, clinician):
    make_patient(clinician, mrn="MRN-10010", family_name="Longer")
    exact = search(clinician_client, "mrn-1001")
    assert "MUÑOZ, Lucía" in exact and "LONGER" not in exact and "1 patient matching" in exact
    fragment = search(clinician_client, "mrn-100")
    assert "MUÑOZ, Lucía" in fragment and "LONGER" in fragment


def test_it_sorts_names_without_regard_to_case(clinician_client, clinician):
    for family in ("de Silva", "Adams", "baker", "Zed", "Ćorić"):
        make_patient(clinician, family_name=family)
    body = clinician_client.get(LIST).content.decode()
    positions = [body.index(f"{name}, Lucía") for name in ("ADAMS", "BAKER", "DE SILVA", "ZED")]
    assert positions == sorted(positions)


def test_it_sorts_search_results_by_name_too(clinician_client, clinician):
    for family in ("de Silva", "Adams", "baker", "Zed"):
        make_patient(clinician, family_name=family, given_name="Marguerite")
    body = search(clinician_client, "marguerite")
    positions = [body.index(f"{name}, Marguerite") for name in ("ADAMS", "BAKER", "DE SILVA", "ZED")]
    assert positions == sorted(positions)


def settings_of(**env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    code = ("import django, json; django.setup(); from django.conf import settings as s; "
            "print(json.dumps(s.DATABASES['default'].get('OPTIONS', {})))")
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", "DJANGO_DEBUG": "True", **env})


def test_it_tells_postgresql_that_random_reads_are_cheap_unless_told_otherwise():
    url = "postgres://clinic@db.example/checklist"
    assert json.loads(settings_of(DATABASE_URL=url).stdout) == {"options": "-c random_page_cost=1.1"}
    assert json.loads(settings_of(DATABASE_URL=url, DATABASE_RANDOM_PAGE_COST="").stdout) == {}
    # SQLite: no planner setting (only its write-ahead log, see tests/security/test_settings.py)
    assert json.loads(settings_of(DATABASE_URL="").stdout) == {"init_command": "PRAGMA journal_mode=WAL;"}
    bad = settings_of(DATABASE_URL=url, DATABASE_RANDOM_PAGE_COST="fast")
    assert bad.returncode != 0 and "DATABASE_RANDOM_PAGE_COST='fast' is not a positive number" in bad.stderr


def test_it_shows_age_last_visit_and_count_for_each_row(clinician_client, patient, version, clinician):
    sign(make_assessment(patient, version, clinician), clinician, case_answers(version, "Worked example 2"))
    make_assessment(patient, version, clinician)
    make_patient(clinician, family_name="Unseen")
    body = clinician_client.get(LIST).content.decode().split("<table")[1]
    row = body.split("MUÑOZ, Lucía</a>")[1].split("</tr>")[0]
    today = datetime.date.today()
    age = today.year - 1980 - ((today.month, today.day) < (4, 1))
    assert f"<td>{age}</td>" in row and f"{today:%-d %b %Y}" in row and "<td>2</td>" in row
    unseen = body.split("UNSEEN, Lucía</a>")[1].split("</tr>")[0]
    assert "none" in unseen and "<td>0</td>" in unseen


def list_queries(client, query: str = "") -> int:
    client.post(LIST, {"q": query})
    with CaptureQueriesContext(connection) as queries:
        assert client.get(LIST).status_code == 200
    return len(queries)


@pytest.mark.parametrize("query", ["", "bulk", "bulk-00003", "1 Jan 1960", "test 2 Jan 1960"])
def test_it_runs_the_same_number_of_queries_for_10_or_300_patients(clinician_client, clinician, version, query):
    bulk_patients(10)
    for patient in Patient.objects.all()[:5]:
        make_assessment(patient, version, clinician)
    small = list_queries(clinician_client, query)
    bulk_patients(290, start=10)
    for patient in Patient.objects.filter(assessments__isnull=True)[:40]:
        make_assessment(patient, version, clinician)
    assert list_queries(clinician_client, query) == small
    # An exact MRN costs one look-up more, and the audit event's chain one read of its last hash (and, on
    # PostgreSQL, its advisory lock); nothing grows with the register.
    assert small <= 12 + (connection.vendor == "postgresql")


def test_it_counts_visits_for_the_page_only_and_never_groups_for_the_pager(clinician_client, clinician):
    bulk_patients(60)
    clinician_client.post(LIST, {"q": "bu"})  # a broad search: counted, its page, one grouped query for its visits
    with CaptureQueriesContext(connection) as queries:
        clinician_client.get(LIST)
    grouped = [q["sql"] for q in queries.captured_queries if "GROUP BY" in q["sql"]]
    assert len(grouped) == 1 and "evaluation_assessment" in grouped[0]
    named = [p for p in Patient.objects.all() if str(p.pk) in grouped[0] or p.pk.hex in grouped[0]]
    assert len(named) == 25  # the page's rows, not the register
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(*)" in q["sql"] and "evaluation_patient" in q["sql"]]
    assert len(counts) == 1 and "JOIN" not in counts[0]

    clinician_client.post(LIST, {"q": ""})  # the whole register: the page, its visits and the size in one query
    with CaptureQueriesContext(connection) as queries:
        clinician_client.get(LIST)
    reading_patients = [q["sql"] for q in queries.captured_queries if '"evaluation_patient"' in q["sql"]
                        and "evaluation_auditevent" not in q["sql"]]
    assert not [q for q in queries.captured_queries if "GROUP BY" in q["sql"]]
    [page] = [sql for sql in reading_patients if "page.id" in sql]
    assert "LIMIT 25 OFFSET 0) page" in page and "register_size" in page


@pytest.mark.skipif(connection.vendor != "postgresql", reason="reads PostgreSQL's plan with its row counts")
def test_a_deep_page_counts_the_visits_of_its_own_rows_only(clinician, db):
    """The visit subqueries hang off the page (a derived table), so an OFFSET's skipped rows cost no
    subquery: each subplan runs once per row shown."""
    bulk_patients(80)
    with connection.cursor() as cursor:
        sql, params = register._register_page_query(50, 75)
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
        [[[plan]]] = cursor.fetchall()

    def subplans(node):
        found = [node] if node.get("Subplan Name", "").startswith("SubPlan") else []
        return found + [sub for child in node.get("Plans", []) for sub in subplans(child)]

    loops = [node["Actual Loops"] for node in subplans(plan["Plan"])]
    assert loops and set(loops) == {25}, loops


# ---------------------------------------------------------------- indexes, as the database plans them


def plan(sql: str, params: list) -> str:
    prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")  # a few rows would otherwise be scanned anyway
        cursor.execute(prefix + sql, params)
        return " ".join(str(part) for row in cursor.fetchall() for part in row)


def test_it_serves_mrn_and_date_of_birth_from_their_indexes(db):
    bulk_patients(50)
    exact = plan(*register.patient_search("bulk-00007").query.sql_with_params())
    born = plan(*register.patient_search("1 Jan 1960").query.sql_with_params())
    if connection.vendor == "sqlite":
        assert "USING INDEX" in exact and "(mrn=?)" in exact
        assert "USING INDEX" in born and "date_of_birth" in born
    else:
        assert "Index Scan using evaluation_patient_mrn" in exact
        assert "evaluation_patient_date_of_birth" in born


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigram index exists on PostgreSQL only")
def test_it_serves_name_fragments_from_the_trigram_index(db):
    bulk_patients(50)
    found = plan(*register.patient_search("ulk0001")[:25].query.sql_with_params())
    assert "patient_search_trgm" in found and "patient_name_order" not in found  # matches first, then sorted
    ordered = plan(*Patient.objects.all()[:25].query.sql_with_params())
    assert "patient_name_order" in ordered


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the size estimate is PostgreSQL's")
def test_it_shows_a_large_registers_estimated_size_without_counting_it(clinician_client, monkeypatch):
    bulk_patients(60)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_userbyid(relowner) = current_user FROM pg_class WHERE relname = %s",
                       ["evaluation_patient"])
        if not cursor.fetchone()[0]:
            # The runtime role owns no table, so it cannot ANALYZE; in service autovacuum keeps the estimate.
            pytest.skip("only the table's owner can refresh the planner's estimate")
        cursor.execute("ANALYZE evaluation_patient")
    monkeypatch.setattr(register, "ESTIMATE_ABOVE", 50)
    clinician_client.post(LIST, {"q": ""})
    with CaptureQueriesContext(connection) as queries:
        body = clinician_client.get(LIST).content.decode()
    assert "About 60 patients" in body and "Page 1 of 3" in body
    assert not [q for q in queries.captured_queries if q["sql"].startswith("SELECT COUNT(*)")]
    with connection.cursor() as cursor:  # the one size query has a count in it, which the database skips
        cursor.execute("EXPLAIN (ANALYZE, COSTS OFF) " + register.REGISTER_SIZE_SQL, [50, 50, "evaluation_patient"])
        plan = "\n".join(line for [line] in cursor.fetchall())
    assert "Aggregate (never executed)" in plan, plan
    assert "60 patients matching" in search(clinician_client, "bulk")  # a search still counts exactly


# ---------------------------------------------------------------- the start page


def test_it_shows_my_open_drafts_and_whom_i_saw_today(clinician_client, clinician, other_clinician, version, patient):
    mine = make_assessment(patient, version, clinician)
    someone_elses = make_patient(other_clinician, family_name="Elsewhere")
    make_assessment(someone_elses, version, other_clinician)
    body = clinician_client.get(LIST).content.decode()
    drafts = body.split("My open drafts")[1].split("</section>")[0]
    assert reverse("evaluation:assessment_edit", args=[mine.pk]) in drafts and "ELSEWHERE" not in drafts
    today = body.split("Seen today")[1].split("</section>")[0]
    assert mine.get_absolute_url() in today and "ELSEWHERE" not in today


def test_it_leaves_yesterdays_visits_out_of_seen_today(clinician_client, clinician, version, patient):
    visit = make_assessment(patient, version, clinician)
    visit.__class__.objects.filter(pk=visit.pk).update(created_at=visit.created_at - datetime.timedelta(days=1))
    body = clinician_client.get(LIST).content.decode()
    assert "Seen today" not in body and "My open drafts" in body


# ---------------------------------------------------------------- registering someone twice


REGISTER = reverse("evaluation:patient_create")
SAME_PERSON = {"mrn": "NEW-1", "family_name": "MUNOZ", "given_name": "lucia", "date_of_birth": "1980-04-01",
               "sex": "female"}


def test_it_asks_to_confirm_a_patient_with_the_same_name_and_date_of_birth(clinician_client, patient):
    response = clinician_client.post(REGISTER, SAME_PERSON)
    body = response.content.decode()
    assert response.status_code == 200 and Patient.objects.count() == 1
    assert "same name and date of birth" in body and patient.get_absolute_url() in body
    assert "Register anyway" in body and 'value="lucia"' in body
    confirmed = clinician_client.post(REGISTER, {**SAME_PERSON, "confirm_duplicate": str(patient.pk)})
    assert confirmed.status_code == 302 and Patient.objects.count() == 2


def test_it_asks_again_when_the_details_now_match_someone_else(clinician_client, patient, clinician):
    other = make_patient(clinician, family_name="Other", given_name="Person", date_of_birth=datetime.date(1990, 1, 1))
    response = clinician_client.post(REGISTER, {**SAME_PERSON, "family_name": "Other", "given_name": "Person",
                                                "date_of_birth": "1990-01-01", "confirm_duplicate": str(patient.pk)})
    assert other.get_absolute_url() in response.content.decode() and Patient.objects.count() == 2


def test_it_registers_a_namesake_born_another_day_without_asking(clinician_client, patient):
    response = clinician_client.post(REGISTER, {**SAME_PERSON, "date_of_birth": "1981-04-01"})
    assert response.status_code == 302 and Patient.objects.count() == 2
