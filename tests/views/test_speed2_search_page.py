"""A selective search's page comes with its count in one query (issue 11, second round), and is the page
Django's paginator gave: same rows, same number, same count, for every page number an address may carry."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from evaluation import register as patient_register
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
    for query in ("kw-0007", "kowalski", "14 Jun 1971", "nobody-here"):
        with CaptureQueriesContext(connection) as queries:
            page, _ = patient_page(query, "1")
            list(page.object_list)
        assert len(queries) == 1, (query, [q["sql"] for q in queries.captured_queries])


def test_a_broad_search_still_counts_first(register: None) -> None:
    assert not patient_register.is_selective("ko")
    page, _ = patient_page("ko", "2")
    assert (page.number, page.paginator.count, [p.pk for p in page.object_list]) == as_paginator_gave("ko", "2")
