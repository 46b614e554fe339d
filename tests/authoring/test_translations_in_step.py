"""Edits of a translated draft keep its translations in step: a renamed code keeps its translation, a removed
text loses its own, and neither refuses the edit (a translation of nothing is a fault of the template)."""

from __future__ import annotations

import json

import pytest

from evaluation import engine
from evaluation.audit import Actor
from evaluation.authoring import services
from evaluation.engine import translations as wording
from evaluation.services.templates import template_clone
from tests.i18n.spanish import SPANISH, publish_spanish_version, spanish_document

from .conftest import url
from .html_forms import forms_of


@pytest.fixture
def spanish_draft(db, template_admin):
    return template_clone(version=publish_spanish_version(), actor=Actor(template_admin))


def _spanish(draft) -> dict:
    draft.refresh_from_db()
    return draft.translations["es"]


def test_renaming_a_question_keeps_its_translation(admin_client_, spanish_draft):
    item = spanish_draft.items.get(code="fasciculations")
    page = admin_client_.get(url("item", spanish_draft.pk, item.pk)).content.decode()
    form = next(f for f in forms_of(page) if "label" in dict(f.data()))
    response = admin_client_.post(url("item", spanish_draft.pk, item.pk), {**dict(form.data()), "code": "twitches"})
    assert response.status_code == 302, response.content.decode()
    assert _spanish(spanish_draft)["items"]["twitches"] == SPANISH["items"]["fasciculations"]
    assert "fasciculations" not in _spanish(spanish_draft)["items"]
    assert engine.validate_template(spanish_draft.to_document()) == []


def test_renaming_a_rule_keeps_its_translation(spanish_draft, template_admin):
    rule = spanish_draft.rules.get(kind="test", code="emg")
    rule.code = "electromyography"
    services.rule_save(version=spanish_draft, actor=Actor(template_admin), rule=rule, old_key=("test", "emg"))
    assert _spanish(spanish_draft)["rules"]["test:electromyography"] == SPANISH["rules"]["test:emg"]


def test_renaming_a_section_keeps_its_translation(spanish_draft, template_admin):
    section = spanish_draft.sections.get(code="symptoms")
    section.code = "presenting_symptoms"
    services.section_save(version=spanish_draft, actor=Actor(template_admin), section=section)
    assert _spanish(spanish_draft)["sections"]["presenting_symptoms"] == SPANISH["sections"]["symptoms"]


def test_clearing_a_help_text_drops_its_translation_instead_of_refusing_the_edit(spanish_draft, template_admin):
    actor = Actor(template_admin)
    item = spanish_draft.items.exclude(help_text="").exclude(code__in=SPANISH["items"]).order_by("pk").first()
    help_text = wording.Wording("items", item.code, "help_text", item.help_text)
    services.translations_save(version=spanish_draft, actor=actor, language="es", texts={help_text: "Ayuda"})
    assert _spanish(spanish_draft)["items"][item.code] == {"help_text": "Ayuda"}
    item.help_text = ""
    services.item_save(version=spanish_draft, actor=actor, item=item, old_code=item.code,
                       old_section_id=item.section_id)
    assert item.code not in _spanish(spanish_draft)["items"]
    assert _spanish(spanish_draft)["items"]["fasciculations"] == SPANISH["items"]["fasciculations"]


def test_deleting_a_rule_drops_its_translation(spanish_draft, template_admin):
    rule = spanish_draft.rules.get(kind="test", code="liver_panel")
    services.rule_delete(version=spanish_draft, actor=Actor(template_admin), rule=rule)
    assert "test:liver_panel" not in _spanish(spanish_draft)["rules"]
    assert engine.validate_template(spanish_draft.to_document()) == []


def test_the_service_refuses_translations_of_a_published_version(template_admin, version):
    with pytest.raises(services.DraftEditError, match="can no longer be changed"):
        services.translations_save(version=version, actor=Actor(template_admin), language="es",
                                   texts={wording.wording(version.to_document())[0]: "Fasciculaciones"})
    version.refresh_from_db()
    assert version.translations == {}


def test_kept_in_step_and_renamed_leave_their_input_unchanged():
    document = spanish_document()
    before = json.dumps(document["translations"], sort_keys=True)
    wording.renamed(document["translations"], "items", "fasciculations", "twitches")
    document["sections"][0]["items"] = []
    wording.kept_in_step(document["translations"], document)
    assert json.dumps(document["translations"], sort_keys=True) == before
