"""Shared test data, built explicitly in code (no JSON fixtures)."""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Group

from evaluation import services
from evaluation.management.commands.load_default_template import DEFAULT_FILE, load_default_template
from evaluation.permissions import CLINICIANS, TEMPLATE_ADMINS

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def default_document() -> dict[str, Any]:
    return json.loads(Path(DEFAULT_FILE).read_text(encoding="utf-8"))


@pytest.fixture
def version(db):
    version, _ = load_default_template()
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
    return services.patient_create(
        user=clinician, mrn="MRN-1001", family_name="Muñoz", given_name="Lucía",
        date_of_birth=datetime.date(1980, 4, 1), sex="female",
    )


@pytest.fixture
def assessment(version, patient, clinician):
    return services.assessment_create(patient=patient, version=version, clinician=clinician)


def case_answers(version, prefix: str) -> dict[str, Any]:
    return dict(version.cases.get(name__startswith=prefix).answers)


def sign(assessment, user, answers: dict[str, Any] | None = None):
    """Save answers (if given), order every suggestion, and sign."""
    if answers is not None:
        assessment = services.assessment_save(assessment=assessment, answers=answers,
                                              expected_revision=assessment.revision, user=user)
    evaluation = assessment.evaluate()
    decisions = {"suggested": {k: {"decision": "ordered"} for k in services.decision_keys(evaluation)}, "added": []}
    return services.assessment_finalize(assessment=assessment, user=user, expected_revision=assessment.revision,
                                        decisions=decisions)
