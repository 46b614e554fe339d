"""The form page's fast paths (issue 11) show exactly what the slow ones did.

The questions come from markup built once per template version with only the
answers filled in, and live suggestions validate against fields built once per
version: here each is held to the full form rendered and validated as before,
for blank, answered, hidden and hostile answers, in both languages, and a new
version is seen to bring its own questions, never the previous version's.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.http import QueryDict
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from evaluation.audit import Actor
from evaluation.engine import clear_compiled_cache
from evaluation.forms import AssessmentForm, posted_answers
from evaluation.layout import form_layout
from evaluation.services.templates import template_clone, template_publish
from evaluation.views.form_page import form_sections_html
from tests.factories import case_answers, form_data, make_assessment, make_patient, save

pytestmark = pytest.mark.django_db


def classic_sections(compiled: Any, answers: dict[str, Any]) -> str:
    """The questions as the bound form renders them through the templates (the page before issue 11)."""
    evaluation = compiled.evaluate(answers)
    form = AssessmentForm(compiled=compiled, answers=answers)
    return render_to_string("evaluation/_form_sections.html", {
        **form_layout(compiled, form), "hidden": evaluation.hidden, "mrc_sum": evaluation.mrc_sum,
        "mrc_max": evaluation.mrc_max})


def answer_sets(version: Any) -> dict[str, dict[str, Any]]:
    items = version.compiled().items
    hostile = {code: '</textarea><script>alert("x")</script> & ü' for code, item in items.items()
               if item.type == "text"}
    hostile.update({code: 12 for code, item in items.items() if item.type == "int"})
    hostile.update({code: [value for value, _label in item.choices] for code, item in items.items()
                    if item.type == "multi"})
    every_grade = {code: 3 for code, item in items.items() if item.type == "mrc"}
    return {"blank": {}, "worked example 2": case_answers(version, "Worked example 2"),
            "worked example 4": case_answers(version, "Worked example 4"), "hostile": hostile,
            "every movement graded": every_grade}


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_stored_markup_with_answers_filled_in_is_the_form_as_rendered(version, language):
    compiled = version.compiled(language)
    with translation.override(language):
        for name, answers in answer_sets(version).items():
            evaluation = compiled.evaluate(answers)
            assert str(form_sections_html(compiled, answers, evaluation)) == classic_sections(compiled, answers), name


def test_the_form_page_shows_the_saved_answers_and_hides_what_the_rules_hide(clinician_client, assessment, version):
    answers = case_answers(version, "Worked example 2")
    assessment = save(assessment, assessment.clinician, answers)
    page = clinician_client.get(reverse("evaluation:assessment_edit", args=[assessment.pk])).content.decode()
    compiled = version.compiled()
    expected = classic_sections(compiled, answers)
    assert expected in page
    hidden = compiled.evaluate(answers, assessment.context).hidden
    assert all(f'id="item-{code}" data-item="{code}" hidden>' in page for code in hidden if code in compiled.items
               and compiled.items[code].grid is None)


def test_a_newly_published_version_shows_its_own_questions_not_the_previous_versions(
        clinician_client, clinician, template_admin, version, patient):
    first = make_assessment(patient, version, clinician)
    first_page = clinician_client.get(reverse("evaluation:assessment_edit", args=[first.pk])).content.decode()
    draft = template_clone(version=version, actor=Actor(template_admin))
    section = draft.sections.order_by("order").first()
    item = section.items.order_by("order").first()
    item.label = "A question only the new version asks"
    item.save()
    newer = template_publish(version=draft, actor=Actor(template_admin))
    other = make_assessment(make_patient(clinician), newer, clinician)
    page = clinician_client.get(reverse("evaluation:assessment_edit", args=[other.pk])).content.decode()
    assert "A question only the new version asks" in page
    assert "A question only the new version asks" not in first_page
    again = clinician_client.get(reverse("evaluation:assessment_edit", args=[first.pk])).content.decode()
    assert "A question only the new version asks" not in again


def test_markup_is_built_afresh_when_the_compiled_versions_are_forgotten(clinician_client, assessment):
    url = reverse("evaluation:assessment_edit", args=[assessment.pk])
    before = clinician_client.get(url).content
    clear_compiled_cache()
    assert clinician_client.get(url).content.count(b'class="answer-item') == before.count(b'class="answer-item')


def posts(version: Any) -> dict[str, QueryDict]:
    """Posts as a browser (or someone tampering) sends them, valid and not."""
    compiled = version.compiled()
    some_codes = list(compiled.items)
    bad = QueryDict(mutable=True)
    for code, item in compiled.items.items():
        bad.setlist(code, {"int": ["eight weeks"], "mrc": ["7"], "bool": ["maybe"], "choice": ["nonsense"],
                           "multi": ["x", "y"], "text": ["a" * 5000]}[item.type])
    repeated = QueryDict(mutable=True)
    for code, item in compiled.items.items():
        if item.type == "multi" and item.choices:
            repeated.setlist(code, [item.choices[0][0]] * 3)
    repeated["visit_type"] = "follow_up"  # filled by the service: a post cannot set it
    encoded = {}
    for name, answers in answer_sets(version).items():
        data = QueryDict(mutable=True)
        for key, value in form_data(version, answers, 1).items():
            data.setlist(key, value if isinstance(value, list) else [value])
        encoded[name] = data
    return {"empty": QueryDict(), "invalid everywhere": bad, "repeated choices": repeated, **encoded,
            "unknown fields": QueryDict(f"{some_codes[0]}=yes&nonsense=1")}


def test_live_suggestions_read_the_same_answers_as_the_full_form(version):
    compiled = version.compiled()
    for name, data in posts(version).items():
        assert posted_answers(compiled, data) == AssessmentForm(data, compiled=compiled).valid_answers(), name


def test_live_suggestions_answer_as_before(clinician_client, assessment, version):
    url = reverse("evaluation:assessment_suggest", args=[assessment.pk])
    response = clinician_client.post(url, form_data(version, case_answers(version, "Worked example 2"), 1))
    assert response.status_code == 200
    evaluation = version.compiled().evaluate(case_answers(version, "Worked example 2"), assessment.context)
    assert f'data-hidden="{" ".join(sorted(evaluation.hidden))}"' in response.content.decode()
