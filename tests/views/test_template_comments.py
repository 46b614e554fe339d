"""Django ends a ``{# #}`` comment at the end of its line: one spread over two lines is printed on the page."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.urls import reverse

from tests.factories import make_assessment

TEMPLATES = Path(settings.BASE_DIR) / "templates"


def test_no_template_spreads_a_short_comment_over_lines():
    unclosed = [f"{path.relative_to(TEMPLATES)}:{number}"
                for path in TEMPLATES.rglob("*.html")
                for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
                if re.search(r"\{#(?!.*#\})", line)]
    assert unclosed == []


def test_the_form_page_shows_no_template_comment(clinician_client, clinician, patient, version):
    draft = make_assessment(patient, version, clinician)
    page = clinician_client.get(reverse("evaluation:assessment_edit", args=[draft.pk])).content.decode()
    assert 'id="item-cramps"' in page
    assert "{#" not in page and "#}" not in page and "per-field crispy cascade" not in page
