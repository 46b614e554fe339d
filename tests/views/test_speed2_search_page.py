"""A selective search's page comes with its count in one query (issue 11, second round), and is the page
Django's paginator gave: same rows, same number, same count, for every page number an address may carry."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

import pytest
from django.core.management import call_command
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from evaluation import register as patient_register
from evaluation.models import Assessment, Patient
from evaluation.views.patients import PAGE_SIZE, patient_page
from tests.factories import make_patient

pytestmark = pytest.mark.django_db


@pytest.fixture
def register(clinician: Any) -> None:
    for number in range(60):
        make_patient(clinician, mrn=f"KW-{number:04d}", family_name=f"Kowalski{number % 7}",
                     given_name=f"Jan{number}", date_of_birth=datetime.date(1971, 6, 14 if number % 3 else 15),
                     sex="male")
    make_patient(clinician, mrn="MRN-1", family_name="Other", given_name="Ann",
                 date_of_birth=datetime.date(1990, 1, 1), sex="female")


def as_paginator_gave(query: str, number: Any) -> tuple[int, int, list[Any]]:
    page = Paginator(patient_register.patient_search(query), PAGE_SIZE).get_page(number)
    return page.number, page.paginator.count, [p.pk for p in page.object_list]


QUERIES = ["kw-0007", "KW-0007", "kowalski", "kowalski3", "14 Jun 1971", "15/06/1971 kowal", "nobody-here",
           "zzzz", "MRN-1", "mrn-9"]
NUMBERS = [None, "1", "2", "3", "4", "99", "0", "-1", "abc", "2.0"]


@pytest.mark.parametrize("query", QUERIES)
def test_search_pages_are_the_paginators(register: None, query: str) -> None:
    assert patient_register.is_selective(query)
    for number in NUMBERS:
        page, estimated = patient_page(query, number)
        assert not estimated
        assert (page.number, page.paginator.count, [p.pk for p in page.object_list]) == \
            as_paginator_gave(query, number), (query, number)


def test_a_selective_search_reads_its_page_and_count_in_one_query(register: None) -> None:
    """The page and the number found in one query; the page's visit counts in one more when it has rows."""
    for query in ("kw-0007", "kowalski", "14 Jun 1971", "nobody-here"):
        with CaptureQueriesContext(connection) as queries:
            page, _ = patient_page(query, "1")
            list(page.object_list)
        expected = 2 if page.object_list else 1
        assert len(queries) == expected, (query, [q["sql"] for q in queries.captured_queries])
        assert all(hasattr(patient, "assessment_count") for patient in page.object_list)


@pytest.fixture
def visits(register: None, version: Any, settings: Any, monkeypatch: Any) -> None:
    """The register above and 40 generated patients with three visits each (61 have none)."""
    monkeypatch.setenv("DJANGO_DEBUG", "True")  # generate_patients is for development only
    settings.DEBUG = True
    call_command("generate_patients", "40", "--assessments-per-patient", "3", "--seed", "7", verbosity=0)
    assert Assessment.objects.values("patient").distinct().count() == 40
    settings.DEBUG = False


@pytest.mark.parametrize("number", NUMBERS)
def test_the_whole_register_is_the_paginators_pages_with_their_visits(visits: None, number: str | None) -> None:
    """The unfiltered list: the page, its visits and the register's size in one query; a page past the end
    is the paginator's last page, as before."""
    with CaptureQueriesContext(connection) as queries:
        page, estimated = patient_page("", number)
    expected = Paginator(patient_register.patient_search(""), PAGE_SIZE).get_page(number)
    assert (page.number, page.paginator.count, page.paginator.num_pages) == (
        expected.number, expected.paginator.count, expected.paginator.num_pages)
    assert [p.pk for p in page.object_list] == [p.pk for p in expected.object_list] and not estimated
    visits = {p.pk: (p.assessment_count, p.last_visit)
              for p in patient_register.with_visits(list(expected.object_list))}
    assert {p.pk: (p.assessment_count, p.last_visit) for p in page.object_list} == visits
    # Past the end (99): the empty page, then the size, the last page and its visits. Below 1 the paginator
    # gives the last page: the size, the page and its visits. Still nothing that grows with the register.
    assert len(queries) == {"99": 4, "0": 3, "-1": 3}.get(number, 1), [q["sql"] for q in queries.captured_queries]


def test_a_broad_search_still_counts_first(register: None) -> None:
    assert not patient_register.is_selective("ko")
    page, _ = patient_page("ko", "2")
    assert (page.number, page.paginator.count, [p.pk for p in page.object_list]) == as_paginator_gave("ko", "2")


def test_every_page_of_the_register_carries_its_own_visits(visits: None) -> None:
    shown = {}
    for number in range(1, 6):
        page, _ = patient_page("", str(number))
        shown.update({p.pk: (p.assessment_count, p.last_visit) for p in page.object_list})
    every = patient_register.with_visits(list(patient_register.patient_search("")))
    assert shown == {p.pk: (p.assessment_count, p.last_visit) for p in every} and len(shown) == 101
    assert sorted({count for count, _ in shown.values()}) == [0, 3] and all(last for count, last in shown.values()
                                                                             if count)


@pytest.mark.parametrize("query", ["kw-0007", "kowalski", "ko"])
def test_search_rows_read_only_the_fields_the_list_shows(register: None, query: str) -> None:
    """Every way a search reads its page leaves the fields the list does not show (the folded search text,
    who registered the patient and when ...) unread; the rows still have what the table writes."""
    page, _ = patient_page(query, "1")
    assert page.object_list
    unread = {f.attname for f in Patient._meta.concrete_fields} - set(patient_register.LISTED_PATIENT_FIELDS)
    for patient in page.object_list:
        assert patient.get_deferred_fields() == unread, query
        assert patient.display_name and patient.date_of_birth and patient.sex


def test_the_whole_registers_rows_are_plain_values_typed_as_the_orm_reads_them(visits: None) -> None:
    page, _ = patient_page("", "1")
    stored = {p.pk: p for p in patient_register.with_visits(list(Patient.objects.all()))}
    assert len(page.object_list) == PAGE_SIZE
    for row in page.object_list:
        assert isinstance(row, patient_register.ListedPatient) and isinstance(row.pk, uuid.UUID)
        patient = stored[row.pk]
        assert row == (patient.pk, patient.mrn, patient.family_name, patient.given_name, patient.date_of_birth,
                       patient.sex, patient.assessment_count, patient.last_visit)
        assert (row.display_name, row.age_on(datetime.date(2030, 1, 1))) == (
            patient.display_name, patient.age_on(datetime.date(2030, 1, 1)))
    assert any(isinstance(row.last_visit, datetime.date) for row in page.object_list)
