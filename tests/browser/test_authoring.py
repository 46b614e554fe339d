"""Template authoring in a real browser, from a new draft to a clinician seeing the change.

The template admin makes a draft, adds a question, builds a rule on it with
the structured builder (no JSON typed), keeps a preview as a test case, sees
the case table pass, publishes through the review and confirmation; then a
clinician's new assessment asks the question and the rule fires, while an
assessment begun before keeps its own version. Every page runs under the CSP
with no console error.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from accounts.models import Profile
from evaluation.audit import Actor
from evaluation.models import Assessment, Patient, TemplateVersion
from evaluation.selectors import newest_published_version
from evaluation.services.templates import template_clone
from tests.browser.conftest import DEMO_PASSWORD, Page, _sign_in, expect
from tests.factories import make_assessment, make_patient

pytestmark = pytest.mark.browser

QUESTION = "Tingling in the feet"
RULE = "Check the feet for a neuropathy"
SPECIALIST = "When should you consider seeing a specialist?"


def _sign_in_as(page: Page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def _patient() -> Patient:
    clinician = get_user_model().objects.get(username="clinician")
    return make_patient(clinician, mrn=f"AUTH-{datetime.datetime.now():%H%M%S%f}")


def _earlier_assessment() -> Assessment:
    """An assessment begun on the published version, before the change (and still open)."""
    clinician = get_user_model().objects.get(username="clinician")
    return make_assessment(_patient(), newest_published_version(), clinician, {"fasciculations": True})


def _draft_label() -> str:
    """The label the new draft takes: after the newest version of the default template."""
    newest = TemplateVersion.objects.filter(template__slug="fasciculation-cramp").order_by("-number").first()
    return f"fasciculation-cramp@{newest.number + (1 if newest.status != TemplateVersion.Status.DRAFT else 0)}"


def _open_the_workspace(page: Page) -> None:
    """Template admins land on the workspace's list of templates."""
    expect(page.get_by_role("heading", name="Checklist templates")).to_be_visible()


def _new_draft_with_a_question(page: Page) -> None:
    base = newest_published_version()
    _open_the_workspace(page)
    page.get_by_role("button", name=f"New draft from this version ({base.label})").click()
    expect(page.get_by_text(f"Draft {_draft_label()} created from {base.label}.")).to_be_visible()
    expect(page.locator("#case-summary")).to_have_text(f"All {base.cases.count()} pass")

    nav = page.get_by_role("navigation", name=f"Parts of {_draft_label()}")
    nav.get_by_role("link", name="Presenting symptoms (history)").click()
    page.get_by_role("link", name="Add a question").click()
    page.get_by_label("Label").fill(QUESTION)
    page.get_by_label("Type").select_option(label="Yes / no")
    expect(page.get_by_label("Choices")).to_be_hidden()  # only choice questions take choices
    page.get_by_label("Help text").fill("Pins and needles or numbness in either foot.")
    page.get_by_role("button", name="Save question").click()
    expect(page.get_by_text(f"Saved the question “{QUESTION}”.")).to_be_visible()
    expect(page.locator("#question-tingling_in_the_feet")).to_contain_text("Yes / no")


def _add_a_rule_with_the_builder(page: Page) -> None:
    page.get_by_role("navigation", name=f"Parts of {_draft_label()}").get_by_role("link", name="Rules").click()
    page.get_by_role("link", name="Add a rule").click()
    page.get_by_label("Title").fill(RULE)
    page.get_by_label("Kind").select_option(label="Advice")

    condition = page.locator("#id_condition-field")
    expect(condition.get_by_label("Fires when as JSON")).to_be_hidden()  # the builder, not a JSON box
    condition.get_by_role("button", name="Add a condition").click()
    condition.get_by_role("combobox", name="Question, finding or patient detail").select_option(label=QUESTION)
    condition.get_by_role("combobox", name="Operator").select_option(label="is Yes")
    expect(condition.locator("[data-readable-text]")).to_have_text(f"{QUESTION} is Yes")
    # A second condition in an ANY group, then removed again: the sentence follows each step.
    condition.get_by_role("button", name="Add a condition").click()
    condition.get_by_role("combobox", name="Question, finding or patient detail").nth(1).select_option(
        label="Loss of sensation or numbness")
    condition.get_by_role("combobox", name="How the conditions combine").select_option(label="ANY of these is true")
    expect(condition.locator("[data-readable-text]")).to_have_text(
        f"{QUESTION} is Yes OR Loss of sensation or numbness is Yes")
    condition.get_by_role("button", name="Remove this condition").nth(1).click()
    expect(condition.locator("[data-readable-text]")).to_have_text(f"{QUESTION} is Yes")
    # The expert view shows the JSON the builder wrote.
    condition.get_by_role("button", name="Expert: edit as JSON").click()
    expect(condition.get_by_label("Fires when as JSON")).to_have_value('{"item":"tingling_in_the_feet","is":true}')
    condition.get_by_role("button", name="Back to the builder").click()

    page.get_by_label("Section of the source document").select_option(label=SPECIALIST)
    page.get_by_role("button", name="Loss of sensation.", exact=True).click()
    expect(page.get_by_label("Quoted passage")).to_have_value("Loss of sensation.")
    page.get_by_role("button", name="Save rule").click()
    expect(page.get_by_text(f"Saved the rule “{RULE}”.")).to_be_visible()
    expect(page.locator(".rule-row").filter(has_text=RULE)).to_contain_text(f"Fires when {QUESTION} is Yes")


def _keep_a_preview_as_a_test_case(page: Page) -> None:
    page.get_by_role("navigation", name=f"Parts of {_draft_label()}").get_by_role("link", name="Preview").click()
    question = page.locator('[data-item="tingling_in_the_feet"]')
    question.get_by_label("Yes", exact=True).check()
    page.locator('[data-item="fasciculations"]').get_by_label("No", exact=True).check()
    page.get_by_role("button", name="Show suggestions").click()
    expect(page.locator("#preview-suggestions")).to_contain_text(RULE)
    page.get_by_label("Test case name").fill("Tingling feet, no twitches")
    page.get_by_role("button", name="Save these answers as a test case").click()
    expect(page.get_by_text("Saved the test case “Tingling feet, no twitches”.")).to_be_visible()
    cases = TemplateVersion.objects.get(status=TemplateVersion.Status.DRAFT).cases.count()
    expect(page.locator("#case-summary")).to_have_text(f"All {cases} pass")
    row = page.get_by_role("row").filter(has_text="Tingling feet, no twitches")
    expect(row).to_contain_text("Pass")


def _publish_through_the_review(page: Page, base: TemplateVersion) -> None:
    draft = _draft_label()
    page.get_by_role("link", name="Review and publish").first.click()
    expect(page.get_by_text(f"Changes from {base.label}")).to_be_visible()
    diff = page.locator(".diff")
    expect(diff.get_by_role("region", name="Questions")).to_contain_text(f"Added {QUESTION}")
    expect(diff.get_by_role("region", name="Rules")).to_contain_text(f"Added {RULE}")
    expect(diff.get_by_role("region", name="Test cases")).to_contain_text("Added Tingling feet, no twitches")
    page.get_by_role("button", name=f"Publish {draft}").click()
    expect(page.get_by_text("Tick the box to confirm you reviewed the changes.").first).to_be_visible()
    page.get_by_label("I have reviewed the changes and the test case results.").check()
    page.get_by_role("button", name=f"Publish {draft}").click()
    expect(page.get_by_text(f"Published {draft}.")).to_be_visible()
    expect(page.get_by_role("row").filter(has=page.get_by_role("link", name=base.label, exact=True))).to_contain_text(
        "Superseded")


def test_it_takes_a_change_from_a_new_draft_to_the_clinicians_form(page: Page) -> None:
    earlier = _earlier_assessment()
    base = earlier.version
    patient = _patient()
    _sign_in_as(page, "templateadmin")
    _new_draft_with_a_question(page)
    new = _draft_label()
    _add_a_rule_with_the_builder(page)
    _keep_a_preview_as_a_test_case(page)
    _publish_through_the_review(page, base)
    assert newest_published_version().label == new
    page.get_by_role("button", name="Sign out").click()
    # Let the sign-out land on the sign-in page before going there again, or the browser aborts it.
    expect(page.get_by_label("Username")).to_be_visible()

    # A clinician's new assessment uses version 2: the new question, and the rule firing live.
    _sign_in(page)
    page.goto(patient.get_absolute_url())
    expect(page.get_by_label("Checklist")).to_have_count(1)
    expect(page.get_by_label("Checklist").locator("option")).to_have_count(1)  # one choice per template
    page.get_by_role("button", name="Start assessment").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(new)
    question = page.locator('[data-item="tingling_in_the_feet"]')
    expect(question).to_contain_text(QUESTION)
    question.get_by_label("Yes", exact=True).check()
    advice = page.locator("#suggestions section").filter(has=page.get_by_role("heading", name="Advice", exact=True))
    expect(advice).to_contain_text(RULE)

    # The assessment begun before still shows its own version, without the new question.
    page.goto(f"/assessments/{earlier.pk}/edit/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(base.label)
    expect(page.locator('[data-item="tingling_in_the_feet"]')).to_have_count(0)
    expect(page.locator('[data-item="fasciculations"]')).to_be_visible()

    assert page.console.problems == [], "\n".join(page.console.problems)


def test_it_keeps_a_hand_written_condition_the_builder_cannot_show(page: Page, live_server: Any) -> None:
    _sign_in_as(page, "templateadmin")
    base = newest_published_version()
    _open_the_workspace(page)
    page.get_by_role("button", name=f"New draft from this version ({base.label})").click()
    page.get_by_role("navigation", name=f"Parts of {_draft_label()}").get_by_role("link", name="Rules").click()
    page.get_by_role("link", name="Reduce caffeine").click()
    condition = page.locator("#id_condition-field")
    expect(condition.locator("[data-readable-text]")).to_have_text("High caffeine intake is Yes")
    condition.get_by_role("button", name="Expert: edit as JSON").click()
    box = condition.get_by_label("Fires when as JSON")
    box.fill('{"item": "trigger_caffeine", "is": "often"}')
    condition.get_by_role("button", name="Back to the builder").click()
    expect(condition.get_by_text("The builder cannot show this condition")).to_be_visible()
    page.get_by_role("button", name="Save rule").click()
    # Refused by the engine, named on its field, and what was typed is still there.
    expect(page.locator("#problems")).to_contain_text("'is' on trigger_caffeine takes true or false")
    expect(page.locator("#id_condition-errors")).to_contain_text("takes true or false")
    expect(condition.get_by_label("Fires when as JSON")).to_have_value('{"item": "trigger_caffeine", "is": "often"}')
    assert page.console.problems == [], "\n".join(page.console.problems)


def test_the_rule_builder_speaks_the_admins_language(page: Page, live_server: Any) -> None:
    """A Spanish-speaking template admin: the builder's controls and its sentence are Spanish too."""
    admin = get_user_model().objects.get(username="templateadmin")
    Profile.objects.update_or_create(user=admin, defaults={"language": Profile.Language.SPANISH})
    try:
        draft = template_clone(version=newest_published_version(), actor=Actor(admin))
        rule = draft.rules.get(code="reduce_caffeine")
        _sign_in_as(page, "templateadmin")
        page.goto(f"/authoring/versions/{draft.pk}/rules/{rule.pk}/")
        condition = page.locator("#id_condition-field")
        sentence = condition.locator("[data-readable-text]")
        expect(sentence).to_have_text("High caffeine intake es Sí")  # the question's own (English) label
        expect(condition.get_by_role("button", name="Añadir una condición")).to_be_visible()
        expect(condition.get_by_role("combobox", name="Cómo se combinan las condiciones")).to_be_visible()
        condition.get_by_role("button", name="Añadir una condición").click()
        condition.get_by_role("combobox", name="Pregunta, hallazgo o dato del paciente").last.select_option(
            label="High caffeine intake")
        expect(sentence).to_have_text("High caffeine intake es Sí Y High caffeine intake es Sí")
        condition.get_by_role("button", name="Avanzado: editar en JSON").click()
        expect(condition.get_by_role("button", name="Volver al editor visual")).to_be_visible()
        assert page.console.problems == [], "\n".join(page.console.problems)
    finally:
        Profile.objects.filter(user=admin).update(language=Profile.Language.ENGLISH)
