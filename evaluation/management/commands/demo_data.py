"""A small demo clinic: patients with draft, signed and amended assessments from the spec's worked examples.

Idempotent: patients whose MRN already exists are left alone.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from evaluation import services
from evaluation.models import Patient, TemplateVersion

from .demo_users import ensure_demo_users


def _case(version: TemplateVersion, prefix: str) -> dict[str, Any]:
    case = version.cases.filter(name__startswith=prefix).first()
    if case is None:
        raise CommandError(f"the template has no case starting {prefix!r}")
    return dict(case.answers)


def _order_everything(assessment: Any) -> dict[str, Any]:
    evaluation = assessment.evaluate()
    return {"suggested": {key: {"decision": "ordered"} for key in services.decision_keys(evaluation)}, "added": []}


def _assess(patient: Patient, version: TemplateVersion, user: Any, answers: dict[str, Any], *, sign: bool,
            amend_with: tuple[str, dict[str, Any]] | None = None) -> None:
    assessment = services.assessment_create(patient=patient, version=version, clinician=user)
    assessment = services.assessment_save(assessment=assessment, answers=answers,
                                          expected_revision=assessment.revision, user=user)
    if not sign:
        return
    services.assessment_finalize(assessment=assessment, user=user, expected_revision=assessment.revision,
                                 decisions=_order_everything(assessment))
    if amend_with:
        reason, changes = amend_with
        assessment = services.assessment_amend(assessment=assessment, reason=reason, user=user)
        assessment = services.assessment_save(assessment=assessment, answers={**assessment.answers, **changes},
                                              expected_revision=assessment.revision, user=user)
        services.assessment_finalize(assessment=assessment, user=user, expected_revision=assessment.revision,
                                     decisions=_order_everything(assessment))


@transaction.atomic
def create_demo_clinic() -> int:
    ensure_demo_users()
    user = get_user_model().objects.get(username="clinician")
    version = services.newest_published_version()
    if version is None:
        raise CommandError("load the default template first: python manage.py load_default_template")
    created = 0
    people = [
        ("DEMO-0001", "Bennett", "Alice", datetime.date(1994, 5, 2), "female"),
        ("DEMO-0002", "Okafor", "Daniel", datetime.date(1988, 11, 19), "male"),
        ("DEMO-0003", "Müller", "Jürgen", datetime.date(1951, 3, 8), "male"),
        ("DEMO-0004", "Silva", "María José", datetime.date(1962, 7, 23), "female"),
    ]
    for mrn, family, given, dob, sex in people:
        if Patient.objects.filter(mrn=mrn).exists():
            continue
        patient = services.patient_create(user=user, mrn=mrn, family_name=family, given_name=given,
                                          date_of_birth=dob, sex=sex)
        created += 1
        if mrn == "DEMO-0001":
            _assess(patient, version, user, _case(version, "Worked example 1"), sign=True)
        elif mrn == "DEMO-0002":
            _assess(patient, version, user, _case(version, "Worked example 2"), sign=True)
            _assess(patient, version, user, {"fasciculations": False, "cramps": True}, sign=False)
        elif mrn == "DEMO-0003":
            _assess(patient, version, user, _case(version, "Worked example 3"), sign=True,
                    amend_with=("Cramp frequency recorded after the visit", {"cramp_frequency": "weekly"}))
        else:
            example = _case(version, "Worked example 4")
            earlier = {**example, "mrc_wrist_extension_right": 5, "rf_progressive": False, "rf_atrophy": False,
                       "exam_atrophy": False, "symptom_weeks": 4}
            earlier.pop("exam_atrophy_regions", None)
            _assess(patient, version, user, earlier, sign=True)
            _assess(patient, version, user, example, sign=False)
    return created


class Command(BaseCommand):
    help = "Create demo patients and assessments (development only; idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("Demo data is for development only (DJANGO_DEBUG=True).")
        created = create_demo_clinic()
        self.stdout.write(f"Demo clinic ready ({created} patient{'s' if created != 1 else ''} added).")
