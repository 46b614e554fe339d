"""The demo clinic for development: one sign-in per role, and patients from the spec's worked examples.

Both are idempotent: users and patients that already exist are left alone.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from . import selectors
from .audit import Actor
from .decisions import Decisions
from .models import Assessment, Patient, TemplateVersion
from .permissions import CLINICIANS, TEMPLATE_ADMINS
from .services import assessments as assessment_services
from .services import patients as patient_services

DEMO_PASSWORD = "demo-clinic-password"
DEMO_USERS = [
    # username, full name, group, superuser
    ("clinician", ("Casey", "Clinician"), CLINICIANS, False),
    ("templateadmin", ("Taylor", "Templates"), TEMPLATE_ADMINS, False),
    ("superuser", ("Sam", "Superuser"), None, True),
]
# The demo patients and their visits are data, like the template they are answered on.
DEMO_CLINIC_FILE = Path(__file__).resolve().parent / "data" / "demo-clinic.json"


class DemoError(Exception):
    """The demo clinic cannot be built; the message says what to do."""


def ensure_demo_users() -> list[str]:
    """Create the demo sign-ins that do not exist yet; returns the user names created."""
    User = get_user_model()
    created = []
    for username, (first, last), group, superuser in DEMO_USERS:
        user, was_created = User.objects.get_or_create(
            username=username,
            defaults={"first_name": first, "last_name": last, "is_staff": group != CLINICIANS,
                      "is_superuser": superuser},
        )
        if was_created:
            user.set_password(DEMO_PASSWORD)
            user.save()
            created.append(username)
        if group:
            user.groups.add(Group.objects.get(name=group))
    return created


def _case(version: TemplateVersion, prefix: str) -> dict[str, Any]:
    case = version.cases.filter(name__startswith=prefix).first()
    if case is None:
        raise DemoError(f"the template has no case starting {prefix!r}")
    return dict(case.answers)


def _visit_answers(version: TemplateVersion, visit: dict[str, Any]) -> dict[str, Any]:
    """A demo visit's answers: its test case's, changed by ``answers`` and without ``without``."""
    answers = _case(version, visit["case"]) if "case" in visit else {}
    answers.update(visit.get("answers", {}))
    for code in visit.get("without", []):
        answers.pop(code, None)
    return answers


def _sign_ordering_everything(assessment: Assessment, actor: Actor) -> None:
    assessment_services.assessment_sign(assessment=assessment, actor=actor, expected_revision=assessment.revision,
                                        decisions=Decisions.ordering_everything(assessment.evaluate()))


def _assess(patient: Patient, version: TemplateVersion, actor: Actor, visit: dict[str, Any]) -> None:
    assessment = assessment_services.assessment_create(patient=patient, version=version, actor=actor)
    assessment = assessment_services.assessment_save(assessment=assessment, answers=_visit_answers(version, visit),
                                                     expected_revision=assessment.revision, actor=actor)
    if not visit["sign"]:
        return
    _sign_ordering_everything(assessment, actor)
    if "amend" in visit:
        assessment = assessment_services.assessment_amend(assessment=assessment, reason=visit["amend"]["reason"],
                                                          actor=actor)
        assessment = assessment_services.assessment_save(
            assessment=assessment, answers={**assessment.answers, **visit["amend"]["answers"]},
            expected_revision=assessment.revision, actor=actor)
        _sign_ordering_everything(assessment, actor)


@transaction.atomic
def create_demo_clinic() -> int:
    """The demo users and patients; returns how many patients were added."""
    ensure_demo_users()
    actor = Actor(get_user_model().objects.get(username="clinician"))
    version = selectors.newest_published_version()
    if version is None:
        raise DemoError("load the default template first: .venv/bin/python manage.py load_default_template")
    created = 0
    for demo in json.loads(DEMO_CLINIC_FILE.read_text(encoding="utf-8"))["patients"]:
        if Patient.objects.filter(mrn=demo["mrn"]).exists():
            continue
        patient = patient_services.patient_create(
            actor=actor, mrn=demo["mrn"], family_name=demo["family_name"], given_name=demo["given_name"],
            date_of_birth=datetime.date.fromisoformat(demo["date_of_birth"]), sex=demo["sex"])
        created += 1
        for visit in demo["visits"]:
            _assess(patient, version, actor, visit)
    return created
