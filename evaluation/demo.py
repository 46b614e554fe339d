"""The demo clinic for development: one sign-in per role, and patients from the spec's worked examples.

Both are idempotent: users and patients that already exist are left alone.
"""

from __future__ import annotations

import datetime
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
DEMO_PATIENTS = [
    ("DEMO-0001", "Bennett", "Alice", datetime.date(1994, 5, 2), "female"),
    ("DEMO-0002", "Okafor", "Daniel", datetime.date(1988, 11, 19), "male"),
    ("DEMO-0003", "Müller", "Jürgen", datetime.date(1951, 3, 8), "male"),
    ("DEMO-0004", "Silva", "María José", datetime.date(1962, 7, 23), "female"),
]


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


def _sign_ordering_everything(assessment: Assessment, actor: Actor) -> None:
    assessment_services.assessment_sign(assessment=assessment, actor=actor, expected_revision=assessment.revision,
                                        decisions=Decisions.ordering_everything(assessment.evaluate()))


def _assess(patient: Patient, version: TemplateVersion, actor: Actor, answers: dict[str, Any], *, sign: bool,
            amend_with: tuple[str, dict[str, Any]] | None = None) -> None:
    assessment = assessment_services.assessment_create(patient=patient, version=version, actor=actor)
    assessment = assessment_services.assessment_save(assessment=assessment, answers=answers,
                                                     expected_revision=assessment.revision, actor=actor)
    if not sign:
        return
    _sign_ordering_everything(assessment, actor)
    if amend_with:
        reason, changes = amend_with
        assessment = assessment_services.assessment_amend(assessment=assessment, reason=reason, actor=actor)
        assessment = assessment_services.assessment_save(
            assessment=assessment, answers={**assessment.answers, **changes}, expected_revision=assessment.revision,
            actor=actor)
        _sign_ordering_everything(assessment, actor)


def _visits_of(mrn: str, version: TemplateVersion) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Each demo patient's visits: answers and how far each went (signed, amended, or a draft)."""
    if mrn == "DEMO-0001":
        return [(_case(version, "Worked example 1"), {"sign": True})]
    if mrn == "DEMO-0002":
        return [(_case(version, "Worked example 2"), {"sign": True}),
                ({"fasciculations": False, "cramps": True}, {"sign": False})]
    if mrn == "DEMO-0003":
        amendment = ("Cramp frequency recorded after the visit", {"cramp_frequency": "weekly"})
        return [(_case(version, "Worked example 3"), {"sign": True, "amend_with": amendment})]
    example = _case(version, "Worked example 4")
    earlier = {**example, "mrc_wrist_extension_right": 5, "rf_progressive": False, "rf_atrophy": False,
               "exam_atrophy": False, "symptom_weeks": 4}
    earlier.pop("exam_atrophy_regions", None)
    return [(earlier, {"sign": True}), (example, {"sign": False})]


@transaction.atomic
def create_demo_clinic() -> int:
    """The demo users and patients; returns how many patients were added."""
    ensure_demo_users()
    actor = Actor(get_user_model().objects.get(username="clinician"))
    version = selectors.newest_published_version()
    if version is None:
        raise DemoError("load the default template first: .venv/bin/python manage.py load_default_template")
    created = 0
    for mrn, family, given, dob, sex in DEMO_PATIENTS:
        if Patient.objects.filter(mrn=mrn).exists():
            continue
        patient = patient_services.patient_create(actor=actor, mrn=mrn, family_name=family, given_name=given,
                                                  date_of_birth=dob, sex=sex)
        created += 1
        for answers, how in _visits_of(mrn, version):
            _assess(patient, version, actor, answers, **how)
    return created
