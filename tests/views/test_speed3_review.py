"""The review page's decision rows are written in Python when the page is first shown (issue 11, third round).

Held to the markup ``assessment_review.html``'s loop writes (kept below as the reference) for an
unbound form in both languages, with saved decisions (one ordered, one declined with an awkward
reason) and without; a posted form still goes through the loop, errors and all.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from evaluation.decisions import DECLINED, ORDERED, Decision, Decisions, key_of
from evaluation.forms import DecisionsForm
from evaluation.views.review_page import decision_rows_html
from tests.factories import case_answers, make_assessment

pytestmark = pytest.mark.django_db

# The rows as the review template's loop wrote them before this fast path (its first showing: no errors).
OLD_ROWS = """{% load i18n %}{% for row in form.rows %}
      <fieldset class="decision border rounded p-2 mb-2" id="decision-{{ row.rec.kind }}-{{ row.rec.code }}">
        <legend class="h6 mb-1">{{ row.rec.title }} {% if row.rec.priority == "urgent" %}<span class="badge text-bg-danger">{% translate "Urgent" %}</span>{% elif row.rec.priority %}<span class="badge text-bg-secondary">{% translate "Routine" %}</span>{% endif %}</legend>
        <p class="small text-body-secondary mb-1">{{ row.reasons|join:"; " }}</p>
        {% for radio in row.decision %}<div class="form-check form-check-inline"><input class="form-check-input" type="radio" name="{{ radio.data.name }}" value="{{ radio.data.value }}" id="{{ radio.id_for_label }}"{% if radio.data.selected %} checked{% endif %}><label class="form-check-label" for="{{ radio.id_for_label }}">{{ radio.choice_label }}</label></div>{% endfor %}
        <div class="mt-1">
          <label class="form-label small" for="{{ row.reason.id_for_label }}">{% if row.rec.kind == "referral" %}{% translate "Reason if not referred" %}{% else %}{% translate "Reason if declined" %}{% endif %}</label>
          <input class="form-control form-control-sm{% if row.reason.errors %} is-invalid{% endif %}" type="text" name="{{ row.reason.html_name }}" id="{{ row.reason.id_for_label }}" value="{{ row.reason.value|default:'' }}" maxlength="500"{% if row.reason.errors %} aria-describedby="{{ row.reason.id_for_label }}-error"{% endif %}>
          {% for e in row.reason.errors %}<div class="invalid-feedback" id="{{ row.reason.id_for_label }}-error">{{ e }}</div>{% endfor %}
        </div>
      </fieldset>
      {% endfor %}"""


def review_form(assessment: Any, decisions: Decisions, data: Any = None) -> DecisionsForm:
    evaluation = assessment.evaluate()
    return DecisionsForm(data, evaluation=evaluation, decisions=decisions, initial={"revision": assessment.revision})


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("decided", [False, True])
def test_first_showing_rows_are_what_the_loop_wrote(patient: Any, version: Any, clinician: Any, language: str,
                                                     decided: bool) -> None:
    assessment = make_assessment(patient, version, clinician, case_answers(version, "Worked example 4"))
    suggestions = assessment.evaluate().needing_decision()
    assert len(suggestions) >= 3 and {rec.kind for rec in suggestions} == {"test", "referral"}
    decisions = Decisions()
    if decided:
        decisions = Decisions(suggested={key_of(suggestions[0]): Decision(ORDERED),
                                         key_of(suggestions[1]): Decision(DECLINED, 'Done <last> week & "normal"')})
    with translation.override(language):
        form = review_form(assessment, decisions)
        fast = str(decision_rows_html(form))
        assert fast == Template(OLD_ROWS).render(Context({"form": form}))
    assert fast.count("<fieldset") == len(suggestions)
    assert (" checked>" in fast) is decided
    assert ("Done &lt;last&gt; week &amp; &quot;normal&quot;" in fast) is decided


def test_a_posted_form_goes_through_the_template_with_its_errors(clinician_client: Any, patient: Any, version: Any,
                                                                 clinician: Any) -> None:
    assessment = make_assessment(patient, version, clinician, case_answers(version, "Worked example 4"))
    rec = assessment.evaluate().needing_decision()[0]
    assert decision_rows_html(review_form(assessment, Decisions(), {"revision": "1"})) is None
    url = reverse("evaluation:assessment_review", args=[assessment.pk])
    shown = clinician_client.get(url).content.decode()
    assert f'id="decision-{rec.kind}-{rec.code}"' in shown
    response = clinician_client.post(url, {"revision": str(assessment.revision), f"decision__{key_of(rec)}": DECLINED,
                                           "save": "1"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "is-invalid" in body and "Give a reason for declining" in body
