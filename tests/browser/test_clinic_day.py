"""A clinician's day in a real browser: autosave, the session warning, answers kept across a sign-in,
Enter in the password box, a typed "8 weeks", and printing an old revision."""

from __future__ import annotations

import datetime
import re
from io import BytesIO
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from pypdf import PdfReader

from evaluation.audit import Actor
from evaluation.selectors import newest_published_version
from evaluation.services import assessments as assessment_services
from tests.browser.conftest import DEMO_PASSWORD, Page, _sign_in, expect
from tests.browser.test_clinic_flow import _answer
from tests.factories import case_answers, make_assessment, make_patient, save, sign

pytestmark = pytest.mark.browser


def _draft(**answers: Any) -> Any:
    """A patient with a draft assessment by the demo clinician, made through the services."""
    clinician = get_user_model().objects.get(username="clinician")
    patient = make_patient(clinician, mrn=f"DAY-{datetime.datetime.now():%H%M%S%f}")
    assessment = make_assessment(patient, newest_published_version(), clinician, answers or None)
    return assessment


def _complete_answers() -> dict[str, Any]:
    return case_answers(newest_published_version(), "Worked example 4")


def test_it_autosaves_warns_before_the_session_ends_and_keeps_answers_across_a_new_sign_in(
        page: Page, settings: Any) -> None:
    settings.SESSION_INACTIVITY_TIMEOUT = datetime.timedelta(seconds=125)
    assessment = _draft()
    _sign_in(page)
    page.goto(f"/assessments/{assessment.pk}/edit/")

    # Autosave: a change is saved without pressing anything, and the page says when.
    _answer(page, "fasciculations", "Yes")
    expect(page.locator("#autosave-status")).to_have_text(re.compile(r"^Saved \d\d:\d\d$"))
    assessment.refresh_from_db()
    assert assessment.answers.get("fasciculations") is True

    # Two minutes before the end: the warning, and "Stay signed in" extends the session.
    warning = page.get_by_role("alert").filter(has_text="you will be signed out in")
    expect(warning).to_be_visible(timeout=15_000)
    with page.expect_response(lambda r: r.url.endswith("/session/keepalive/") and r.ok):
        warning.get_by_role("button", name="Stay signed in").click()

    # The session ends anyway (here: at once): what is typed next cannot be saved, and is kept.
    settings.SESSION_INACTIVITY_TIMEOUT = datetime.timedelta(seconds=1)
    page.wait_for_timeout(1500)
    page.get_by_label("Weeks since the symptoms began").fill("12")
    expect(page.locator("#autosave-status")).to_contain_text("you are signed out", timeout=10_000)
    stored = page.evaluate(f"localStorage.getItem('unsaved-answers:{assessment.pk}')")
    assert stored and "symptom_weeks" in stored

    # Sign in again: the page offers back what was typed, and saves it.
    settings.SESSION_INACTIVITY_TIMEOUT = datetime.timedelta(minutes=30)
    page.goto(f"/accounts/login/?next=/assessments/{assessment.pk}/edit/")
    page.get_by_label("Username").fill("clinician")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    offer = page.locator("#restore-offer")
    expect(offer).to_be_visible()
    offer.get_by_role("button", name="Restore them").click()
    expect(page.get_by_label("Weeks since the symptoms began")).to_have_value("12")
    expect(page.locator("#autosave-status")).to_have_text(re.compile(r"^Saved \d\d:\d\d$"))
    assessment.refresh_from_db()
    assert assessment.answers.get("symptom_weeks") == 12
    assert page.evaluate(f"localStorage.getItem('unsaved-answers:{assessment.pk}')") is None


def test_a_typed_8_weeks_is_refused_with_a_message_and_kept_in_the_box(page: Page) -> None:
    assessment = _draft()
    _sign_in(page)
    page.goto(f"/assessments/{assessment.pk}/edit/")

    weeks = page.get_by_label("Weeks since the symptoms began")
    weeks.fill("8 weeks")
    expect(page.locator("#autosave-status")).to_contain_text("Not saved: check Weeks since the symptoms began")
    expect(weeks).to_have_value("8 weeks")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Enter a whole number, digits only (for example 8).")).to_be_visible()
    expect(page.get_by_text("Draft saved.")).to_have_count(0)
    expect(page.get_by_label("Weeks since the symptoms began")).to_have_value("8 weeks")
    assessment.refresh_from_db()
    assert "symptom_weeks" not in assessment.answers


def test_enter_in_the_password_box_signs_and_never_just_saves_the_decisions(page: Page) -> None:
    assessment = _draft(**_complete_answers())
    _sign_in(page)
    page.goto(f"/assessments/{assessment.pk}/review/")

    # Without the decisions, Enter tries to sign and lists what is missing.
    page.get_by_label("Your password").fill(DEMO_PASSWORD)
    page.get_by_label("Your password").press("Enter")
    expect(page.locator("#problems")).to_be_visible()
    expect(page.get_by_text("Decisions saved.")).to_have_count(0)
    assessment.refresh_from_db()
    assert assessment.status == "draft"

    page.get_by_role("button", name="Mark all as ordered").click()
    page.get_by_label("Your password").fill(DEMO_PASSWORD)
    page.get_by_label("Your password").press("Enter")
    expect(page.get_by_text("Assessment signed. The record is now read-only.")).to_be_visible()
    assessment.refresh_from_db()
    assert assessment.status == "final"


def test_printing_an_old_revision_prints_that_revision(page: Page) -> None:
    clinician = get_user_model().objects.get(username="clinician")
    assessment = _draft()
    sign(assessment, clinician, {**_complete_answers(), "symptom_weeks": 6})
    assessment.refresh_from_db()
    amended = assessment_services.assessment_amend(assessment=assessment, reason="Duration corrected",
                                                   actor=Actor(clinician))
    sign(save(amended, clinician, {**_complete_answers(), "symptom_weeks": 14}), clinician)

    _sign_in(page)
    page.goto(f"/assessments/{assessment.pk}/revisions/1/")
    link = page.get_by_role("link", name=re.compile("Print summary"))
    href = link.get_attribute("href")
    assert "revision=1" in href
    assert link.get_attribute("target") == "_blank"
    response = page.request.get(href)
    assert response.ok and response.body().startswith(b"%PDF")

    text = " ".join(p.extract_text() for p in PdfReader(BytesIO(response.body())).pages)
    assert "revision 1" in text and "revision 2" not in text
    assert "Duration corrected" not in text  # the amendment reason belongs to revision 2


def test_save_draft_leaves_nothing_to_offer_back(page: Page) -> None:
    """Leaving a text box to press "Save draft" keeps a copy as it goes; the save went through, so the page
    that comes back offers nothing to restore."""
    assessment = _draft()
    _sign_in(page)
    page.goto(f"/assessments/{assessment.pk}/edit/")
    page.get_by_label("Weeks since the symptoms began").fill("6")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Draft saved.")).to_be_visible()
    expect(page.locator("#restore-offer")).to_be_hidden()
    assert page.evaluate(f"localStorage.getItem('unsaved-answers:{assessment.pk}')") is None
    assessment.refresh_from_db()
    assert assessment.answers.get("symptom_weeks") == 6
