"""Shared test data, built explicitly in code (no JSON fixtures)."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache

from evaluation.engine import clear_compiled_cache
from evaluation.permissions import CLINICIANS, TEMPLATE_ADMINS
from evaluation.services.templates import DEFAULT_TEMPLATE_FILE, template_load_default
from tests.factories import PASSWORD, case_answers, make_assessment, make_patient, sign  # noqa: F401


@pytest.fixture(autouse=True)
def fresh_compiled_templates():
    """Compiled versions are cached by primary key; a rolled-back test may leave its key to the next."""
    clear_compiled_cache()
    yield
    clear_compiled_cache()


@pytest.fixture(autouse=True)
def empty_cache():
    """Counters kept in the cache (signing's limit) are per user id, which a rolled-back test may hand on."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def default_document() -> dict[str, Any]:
    return json.loads(DEFAULT_TEMPLATE_FILE.read_text(encoding="utf-8"))


@pytest.fixture
def version(db):
    version, _ = template_load_default()
    return version


def _user(django_user_model, username: str, group: str | None = None, **extra: Any):
    user = django_user_model.objects.create_user(
        username=username, password=PASSWORD, first_name=username.title(), last_name="Tester", **extra
    )
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def clinician(db, django_user_model):
    return _user(django_user_model, "drwho", CLINICIANS)


@pytest.fixture
def other_clinician(db, django_user_model):
    return _user(django_user_model, "drno", CLINICIANS)


@pytest.fixture
def template_admin(db, django_user_model):
    return _user(django_user_model, "tadmin", TEMPLATE_ADMINS, is_staff=True)


@pytest.fixture
def superuser(db, django_user_model):
    return _user(django_user_model, "root", None, is_staff=True, is_superuser=True)


@pytest.fixture
def clinician_client(client, clinician):
    client.force_login(clinician)
    return client


@pytest.fixture
def patient(clinician):
    return make_patient(clinician, mrn="MRN-1001", family_name="Muñoz", given_name="Lucía",
                        date_of_birth=datetime.date(1980, 4, 1), sex="female")


@pytest.fixture
def assessment(version, patient, clinician):
    return make_assessment(patient, version, clinician)
