"""The patient page's assessment rows and version options are written in Python (issue 11, third round).

Held to the markup the template's loops wrote (kept below as the reference) in both languages, for a
draft and a signed assessment by clinicians with and without a full name.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from evaluation import selectors
from evaluation.permissions import CLINICIANS
from evaluation.views.patients import assessment_rows, version_options
from tests.factories import case_answers, make_assessment, sign

pytestmark = pytest.mark.django_db

OLD_ROWS = """{% load i18n %}{% for a in assessments %}
      <tr>
        <td class="text-nowrap">{{ a.created_at|date:"j M Y H:i" }}</td>
        <td>{% include "evaluation/_status.html" %}</td>
        <td class="text-nowrap">{{ a.version.label }}</td>
        <td>{{ a.clinician.get_full_name|default:a.clinician.get_username }}</td>
        <td class="text-end text-nowrap">
          <a class="btn btn-sm btn-outline-primary" href="{{ a.get_absolute_url }}">{% translate "Summary" %}</a>
          {% if a.status == "draft" %}<a class="btn btn-sm btn-primary" href="{% url 'evaluation:assessment_edit' a.pk %}">{% translate "Continue" %}</a>{% endif %}
        </td>
      </tr>
      {% endfor %}|{% for choice in versions %}<option value="{{ choice.pk }}">{{ choice.title }} ({{ choice.label }})</option>{% endfor %}"""


@pytest.mark.parametrize("language", ["en", "es"])
def test_rows_and_options_are_what_the_loops_wrote(patient: Any, version: Any, clinician: Any,
                                                   django_user_model: Any, language: str) -> None:
    unnamed = django_user_model.objects.create_user("dr.<unnamed>", password="a-long-password-123")
    unnamed.groups.add(Group.objects.get(name=CLINICIANS))
    sign(make_assessment(patient, version, unnamed), unnamed, case_answers(version, "Worked example 2"))
    make_assessment(patient, version, clinician)
    rows = selectors.patient_assessment_rows(patient)
    assert {a.status for a in rows} == {"draft", "final"}
    with translation.override(language):
        new = f"{assessment_rows(rows)}|{version_options()}"
        expected = Template(OLD_ROWS).render(Context({"assessments": rows,
                                                      "versions": selectors.published_versions()}))
    assert new == expected
    assert "dr.&lt;unnamed&gt;" in new and new.count("<option ") == selectors.published_versions().count()


def test_the_page_lists_the_assessments_and_offers_the_published_versions(clinician_client: Any, patient: Any,
                                                                          version: Any, clinician: Any) -> None:
    draft = make_assessment(patient, version, clinician)
    body = clinician_client.get(patient.get_absolute_url()).content.decode()
    assert reverse("evaluation:assessment_edit", args=[draft.pk]) in body
    assert f'<option value="{version.pk}">{version.title} ({version.label})</option>' in body
