"""Small factories for test data, built explicitly in code (no JSON fixtures).

Each builds through the real services, so what a test starts from is what the
service would have written.
"""

from __future__ import annotations

import datetime
import itertools
from typing import Any

from django.test import TestCase
from django.urls import reverse

from evaluation.audit import Actor
from evaluation.decisions import Decisions, key_of
from evaluation.models import Assessment, Patient, Signature, TemplateVersion
from evaluation.services import assessments as assessment_services
from evaluation.services import patients as patient_services

PASSWORD = "correct-horse-battery-staple"
_mrns = itertools.count(2001)


def make_patient(user: Any, **fields: Any) -> Patient:
    values = {"mrn": f"MRN-{next(_mrns)}", "family_name": "Muñoz", "given_name": "Lucía",
              "date_of_birth": datetime.date(1980, 4, 1), "sex": "female", **fields}
    return patient_services.patient_create(actor=Actor(user), **values)


def make_assessment(patient: Patient, version: TemplateVersion, user: Any,
                    answers: dict[str, Any] | None = None, **options: Any) -> Assessment:
    assessment = assessment_services.assessment_create(patient=patient, version=version, actor=Actor(user), **options)
    if answers is not None:
        assessment = save(assessment, user, answers)
    return assessment


def save(assessment: Assessment, user: Any, answers: dict[str, Any]) -> Assessment:
    return assessment_services.assessment_save(assessment=assessment, answers=answers,
                                               expected_revision=assessment.revision, actor=Actor(user))


def sign(assessment: Assessment, user: Any, answers: dict[str, Any] | None = None) -> Signature:
    """Save answers (if given), order every suggestion, and sign."""
    if answers is not None:
        assessment = save(assessment, user, answers)
    # The test's transaction never commits; run what signing leaves for after its commit (storing the PDFs).
    with TestCase.captureOnCommitCallbacks(execute=True):
        outcome = assessment_services.assessment_sign(
            assessment=assessment, actor=Actor(user), expected_revision=assessment.revision,
            decisions=Decisions.ordering_everything(assessment.evaluate()))
    assert outcome.signed, outcome.problems
    return outcome.signature


def make_signed_assessment(patient: Patient, version: TemplateVersion, user: Any,
                           answers: dict[str, Any]) -> Assessment:
    assessment = make_assessment(patient, version, user)
    sign(assessment, user, answers)
    assessment.refresh_from_db()
    return assessment


def case_answers(version: TemplateVersion, prefix: str) -> dict[str, Any]:
    """The answers of the version's test case whose name starts with ``prefix``."""
    return dict(version.cases.get(name__startswith=prefix).answers)


# ---------------------------------------------------------------- what the browser posts


def form_value(kind: str, value: Any) -> Any:
    """An answer as the browser would post it."""
    if kind == "bool":
        return "yes" if value else "no"
    if kind == "multi":
        return list(value)
    return str(value)


def form_data(version: TemplateVersion, answers: dict[str, Any], revision: int) -> dict[str, Any]:
    items = version.compiled().items
    data: dict[str, Any] = {"revision": str(revision)}
    for code, value in answers.items():
        data[code] = form_value(items[code].type, value)
    return data


def sign_through_view(client: Any, assessment: Assessment) -> Any:
    """Order every suggestion and sign with the password, as a clinician does on the review page."""
    assessment.refresh_from_db()
    data = {f"decision__{key_of(rec)}": "ordered" for rec in assessment.evaluate().needing_decision()}
    data.update({"revision": str(assessment.revision), "password": PASSWORD, "sign": "1"})
    with TestCase.captureOnCommitCallbacks(execute=True):  # as after the signing request's commit
        return client.post(reverse("evaluation:assessment_sign", args=[assessment.pk]), data)


def decision_keys(evaluation: Any) -> list[str]:
    """The keys of the suggestions that need a decision."""
    return [key_of(rec) for rec in evaluation.needing_decision()]
