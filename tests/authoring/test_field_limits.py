"""No page for editing a draft of the default template posts more than 500 fields.

Django refuses a request of more than 1,000 fields (TooManyFieldsSent), and the
old admin page of a draft posted 1,093. Each page's named form controls are
counted in its rendered HTML, every form together: an upper bound of what any
one of its forms can post.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from .conftest import url
from .html_forms import forms_of, named_controls

LIMIT = 500


def _pages(draft):
    section = draft.sections.order_by("order").first()
    yield url("index")
    yield url("workspace", draft.pk)
    for each in draft.sections.all():
        yield url("section", draft.pk, each.pk)
    yield url("item_create", draft.pk, section.pk)
    yield url("item", draft.pk, draft.items.get(code="cramp_timing").pk)
    yield url("rules", draft.pk)
    yield url("rule_create", draft.pk)
    yield url("rule", draft.pk, draft.rules.get(code="emg").pk)
    yield url("cases", draft.pk)
    yield url("case", draft.pk, draft.cases.order_by("order").first().pk)
    yield url("preview", draft.pk)
    yield url("publish", draft.pk)
    yield url("retire", draft.cloned_from.pk)
    yield reverse("admin:evaluation_templateversion_change", args=[draft.pk])
    yield reverse("admin:evaluation_templateversion_preview", args=[draft.pk])


def test_it_posts_no_more_than_500_fields_from_any_authoring_page(admin_client_, draft):
    counts = {}
    for page in _pages(draft):
        response = admin_client_.get(page)
        assert response.status_code == 200, page
        counts[page] = named_controls(response.content.decode())
    assert all(0 < n <= LIMIT for n in counts.values()), counts
    # The counting sees what matters: the preview holds the whole clinician form.
    assert counts[url("preview", draft.pk)] > 100


@pytest.mark.parametrize("page", ["admin", "workspace"])
def test_it_saves_an_unchanged_page_of_a_draft_as_the_browser_posts_it(admin_client_, draft, page):
    address = (reverse("admin:evaluation_templateversion_change", args=[draft.pk]) if page == "admin"
               else url("section", draft.pk, draft.sections.get(code="causes").pk))
    html = admin_client_.get(address).content.decode()
    form = max(forms_of(html), key=lambda f: f.field_count)
    data = form.data() + ([("_save", "Save")] if page == "admin" else [])
    response = admin_client_.post(form.action or address, _as_dict(data))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert draft.items.count() == 51 and draft.rules.count() == 27


def _as_dict(pairs):
    data = {}
    for name, value in pairs:
        data.setdefault(name, []).append(value)
    return data
