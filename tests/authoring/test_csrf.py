"""Every authoring URL that writes refuses a post without a CSRF token, as the template admin who may use it.

The project-wide CSRF tests (tests/security/test_access_matrix.py) post as a
clinician, who may not reach these pages at all; here the same check is made
with the role that can, and a control shows the same posts succeed with a token.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from evaluation.authoring.translation_forms import field_name
from evaluation.engine.translations import Wording
from evaluation.models import AuditEvent, Item, Rule, Section, TemplateCase, TemplateVersion

from .conftest import url

LABEL = Wording("items", "post_cramp_soreness", "label", "")


def _posts(draft: TemplateVersion) -> list[tuple[str, dict[str, Any]]]:
    section = draft.sections.get(code="symptoms")
    item = draft.items.get(code="post_cramp_soreness")
    rule = draft.rules.get(code="reduce_caffeine")
    case = draft.cases.order_by("order").first()
    source = {"source_section": rule.source["section"], "source_quote": rule.source["quote"]}
    return [
        (url("workspace", draft.pk), {"save_version": "1", "title": "Forged", "source_document": "x"}),
        (url("section", draft.pk, section.pk), {"title": "Forged", "code": "symptoms"}),
        (url("section_move", draft.pk, section.pk), {"direction": "down"}),
        (url("item_create", draft.pk, section.pk), {"section": section.pk, "label": "Forged", "type": "bool"}),
        (url("item", draft.pk, item.pk), {"section": section.pk, "label": "Forged", "code": item.code, "type": "bool"}),
        (url("item_move", draft.pk, item.pk), {"direction": "up"}),
        (url("rule_create", draft.pk), {"kind": "advice", "title": "Forged", "condition": '{"all": []}', **source}),
        (url("rule", draft.pk, rule.pk), {"kind": "advice", "title": "Forged", "code": rule.code,
                                          "condition": json.dumps(rule.condition), **source}),
        (url("case", draft.pk, case.pk), {"name": "Forged expectations"}),
        (url("preview", draft.pk), {"revision": "0", "save_case": "1", "case-case_name": "Forged",
                                    "case-expect_mode": "exactly"}),
        (url("case_delete", draft.pk, case.pk), {}),
        (url("rule_delete", draft.pk, rule.pk), {}),
        (url("item_delete", draft.pk, item.pk), {}),
        (url("clone", draft.cloned_from.pk), {}),
        (url("translations", draft.pk, "es"), {field_name(LABEL): "Forjado"}),
        (url("publish", draft.pk), {"confirm": "on"}),
    ]


def _state() -> Any:
    return [(model.__name__, sorted(model.objects.values_list("pk", flat=True)))
            for model in (TemplateVersion, Section, Item, Rule, TemplateCase, AuditEvent)] + [
        list(TemplateVersion.objects.values_list("status", "title")),
        list(Item.objects.values_list("label", "order")), list(Section.objects.values_list("title", "order"))]


@pytest.fixture
def csrf_client(template_admin):
    client = Client(enforce_csrf_checks=True)
    client.force_login(template_admin)
    return client


def test_it_refuses_every_writing_post_without_a_csrf_token(csrf_client, draft, version):
    before = _state()
    for address, data in _posts(draft):
        response = csrf_client.post(address, data)
        assert response.status_code == 403, address
        assert b"Nothing was saved." in response.content
    assert _state() == before


def test_it_accepts_the_same_posts_with_a_token(csrf_client, draft, version):
    csrf_client.get(url("index"))
    token = csrf_client.cookies["csrftoken"].value
    for address, data in _posts(draft):
        response = csrf_client.post(address, {**data, "csrfmiddlewaretoken": token})
        assert response.status_code == 302, (address, response.content.decode()[:3000])
    draft.refresh_from_db()
    assert draft.status == TemplateVersion.Status.PUBLISHED and draft.title == "Forged"
    assert AuditEvent.objects.filter(action="template_edit").count() >= 10
