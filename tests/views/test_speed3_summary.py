"""A signed revision's summary page keeps its two columns (issue 11, third round).

The suggestions column and the history-and-examination column of a signed revision come from its
snapshot alone, so the page renders them once per revision and language and keeps them; on later
views it builds no report at all, only the comparison with the previous visit. Held here: the kept
page is the page as first rendered, in both languages and with a follow-up comparison; a draft is
never kept; a new revision is shown as signed, not the kept text of the one before.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation

from evaluation.audit import Actor
from evaluation.models import Assessment
from evaluation.services import assessments as assessment_services
from evaluation.views import assessments as assessment_views
from evaluation.views import fragments
from tests.factories import case_answers, make_assessment, save, sign

pytestmark = pytest.mark.django_db

CSRF_VALUE = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]+')


@pytest.fixture(autouse=True)
def fresh_fragments():
    fragments.forget_fragments()
    yield
    fragments.forget_fragments()


def page(client: Any, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return CSRF_VALUE.sub(r"\1X", response.content.decode())


def no_report_built(monkeypatch: Any) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the kept columns' page built the report")

    monkeypatch.setattr(assessment_views, "report_for", refuse)


@pytest.fixture
def second_visit(patient: Any, version: Any, clinician: Any) -> Assessment:
    """A signed follow-up visit whose strength is worse than at the signed visit before it."""
    earlier = case_answers(version, "Worked example 4")
    earlier.update({"mrc_wrist_extension_right": 5, "rf_atrophy": False, "exam_atrophy": False})
    earlier.pop("exam_atrophy_regions")
    first = make_assessment(patient, version, clinician)
    sign(first, clinician, earlier)
    follow_up = assessment_services.assessment_create(patient=patient, version=version, actor=Actor(clinician),
                                                      start_from_previous=True)
    sign(follow_up, clinician, {**earlier, "mrc_wrist_extension_right": 3, "rf_atrophy": True})
    follow_up.refresh_from_db()
    return follow_up


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_kept_columns_give_the_page_as_first_rendered(clinician_client: Any, second_visit: Assessment,
                                                          monkeypatch: Any, language: str) -> None:
    clinician_client.post(reverse("accounts:language"), {"language": language}, follow=True)  # its message shown
    url = second_visit.get_absolute_url()
    first = page(clinician_client, url)
    no_report_built(monkeypatch)
    kept = page(clinician_client, url)
    assert kept == first
    heading = {"en": "History and examination", "es": "Anamnesis y exploración"}[language]
    assert heading in kept and "3/5" in kept and "id=\"follow-up\"" in kept
    if language == "en":
        assert "Strength is worse than at the previous visit." in kept
        assert "Wrist extension, right 5/5 → 3/5" in kept


def test_each_language_keeps_its_own_columns(clinician_client: Any, second_visit: Assessment) -> None:
    url = second_visit.get_absolute_url()
    assert "History and examination" in page(clinician_client, url)
    clinician_client.post(reverse("accounts:language"), {"language": "es"}, follow=True)
    spanish = page(clinician_client, url)
    assert "Anamnesis y exploración" in spanish and "History and examination" not in spanish


def test_kept_columns_are_what_the_templates_render(second_visit: Assessment) -> None:
    from evaluation.reports.content import report_for

    signature = second_visit.signatures.get()
    with translation.override("en"):
        report = report_for(second_visit, signature)
        assert fragments.kept_summary_columns(signature) is None
        kept = fragments.summary_columns(report)
        assert fragments.kept_summary_columns(signature) == kept == fragments.summary_columns(report, cached=False)
    assert "Suggestions and decisions" in kept[0] and "History and examination" in kept[1]


def test_a_draft_is_never_kept(clinician_client: Any, patient: Any, version: Any, clinician: Any) -> None:
    draft = make_assessment(patient, version, clinician, {"symptom_weeks": 13})
    url = draft.get_absolute_url()
    assert '<dd class="col-sm-6">13</dd>' in page(clinician_client, url)
    save(draft, clinician, {"symptom_weeks": 21})
    assert '<dd class="col-sm-6">21</dd>' in page(clinician_client, url)
    assert not fragments._summaries


def test_an_amended_record_shows_its_new_revision(clinician_client: Any, patient: Any, version: Any,
                                                  clinician: Any) -> None:
    assessment = make_assessment(patient, version, clinician)
    sign(assessment, clinician, {**case_answers(version, "Worked example 2"), "symptom_weeks": 13})
    url = assessment.get_absolute_url()
    assert '<dd class="col-sm-6">13</dd>' in page(clinician_client, url)  # kept now
    assessment.refresh_from_db()
    amending = assessment_services.assessment_amend(assessment=assessment, actor=Actor(clinician),
                                                    reason="Duration corrected")
    sign(amending, clinician, {**amending.answers, "symptom_weeks": 21})
    shown = page(clinician_client, url)
    assert "Duration corrected" in shown and "revision 2" in shown
    assert '<dd class="col-sm-6">21</dd>' in shown and '<dd class="col-sm-6">13</dd>' not in shown
    first_revision = page(clinician_client, reverse("evaluation:assessment_revision", args=[assessment.pk, 1]))
    assert "Viewing signed revision 1" in first_revision and '<dd class="col-sm-6">13</dd>' in first_revision
