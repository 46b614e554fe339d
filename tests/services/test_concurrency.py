"""Concurrent writers on a real PostgreSQL: optimistic locking and signing hold under real threads.

SQLite serialises writers itself, so these run only when DATABASE_URL points at PostgreSQL (CI does both).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from evaluation.audit import Actor
from evaluation.decisions import Decisions
from evaluation.models import Assessment, Signature
from evaluation.services import assessments as assessment_services
from tests.concurrency import race
from tests.factories import case_answers

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (set DATABASE_URL)")


@pytest.mark.django_db(transaction=True)
def test_it_lets_exactly_one_of_many_simultaneous_saves_win(version, patient, clinician, other_clinician):
    assessment = assessment_services.assessment_create(patient=patient, version=version, actor=Actor(clinician))
    users = [clinician, other_clinician] * 4

    def save(n: int, user: Any) -> Callable[[], Any]:
        return lambda: assessment_services.assessment_save(assessment=assessment, answers={"symptom_weeks": n},
                                                expected_revision=1, actor=Actor(user))

    results = race([save(n, user) for n, user in enumerate(users)])
    winners = [r for r in results if isinstance(r, Assessment)]
    conflicts = [r for r in results if isinstance(r, assessment_services.ConflictError)]
    assert len(winners) == 1 and len(conflicts) == len(users) - 1, results
    assessment.refresh_from_db()
    assert assessment.revision == 2
    assert assessment.answers == winners[0].answers


@pytest.mark.django_db(transaction=True)
def test_it_signs_an_assessment_once_when_signed_twice_at_the_same_moment(version, patient, clinician):
    assessment = assessment_services.assessment_create(patient=patient, version=version, actor=Actor(clinician))
    assessment = assessment_services.assessment_save(assessment=assessment, answers=case_answers(version, "Worked example 2"),
                                          expected_revision=1, actor=Actor(clinician))
    decisions = {"suggested": {"test:electrolytes": {"decision": "ordered"}}, "added": []}

    def finalize() -> Any:
        return assessment_services.assessment_sign(assessment=assessment, actor=Actor(clinician),
                                            expected_revision=assessment.revision, decisions=Decisions.from_json(decisions))

    results = race([finalize, finalize, finalize])
    signed = [r.signature for r in results if isinstance(r, assessment_services.SignOutcome) and r.signed]
    refused = [r for r in results if isinstance(r, (assessment_services.NotEditableError, assessment_services.ConflictError))]
    assert len(signed) == 1 and len(refused) == 2, results
    assert Signature.objects.filter(assessment=assessment).count() == 1
    assessment.refresh_from_db()
    assert assessment.status == "final"
