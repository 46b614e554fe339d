"""Versioned checklist templates: loading, publishing, immutability, export and import."""

from __future__ import annotations

import copy
import json

import pytest
from django.core.management import call_command

from evaluation import engine, selectors
from evaluation.audit import Actor
from evaluation.models import (
    AuditEvent,
    ImmutableRecordError,
    Item,
    Rule,
    Section,
    TemplateCase,
    TemplateVersion,
)
from evaluation.services import templates as template_services
from tests.engine.helpers import SPEC_ITEMS


def counts() -> tuple[int, ...]:
    return tuple(m.objects.count() for m in (TemplateVersion, Section, Item, Rule, TemplateCase))


def test_it_loads_the_default_template_published(version):
    assert version.label == "fasciculation-cramp@1"
    assert version.status == TemplateVersion.Status.PUBLISHED
    assert version.title == "Fasciculations and cramps: initial assessment"


def test_it_loads_the_default_template_twice_without_changing_anything(db):
    call_command("load_default_template", stdout=__import__("io").StringIO())
    before = counts()
    first = dict(TemplateVersion.objects.values_list("number", "published_at"))
    call_command("load_default_template", stdout=__import__("io").StringIO())
    assert counts() == before
    assert dict(TemplateVersion.objects.values_list("number", "published_at")) == first
    # The newest shipped version is the one offered; older ones stay for their assessments.
    assert [v.number for v in selectors.published_versions()] == [max(first)]


def test_it_refuses_to_load_over_a_published_version_that_differs(version, tmp_path, default_document):
    default_document["rules"][0]["title"] = "Changed title"
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(default_document), encoding="utf-8")
    with pytest.raises(template_services.DefaultTemplateError, match="give the file a new version number"):
        template_services.template_load_default(path=changed)


def test_it_stores_every_spec_item_code_with_its_type(version):
    assert dict(version.items.values_list("code", "type")) == SPEC_ITEMS


def test_it_keeps_the_sections_in_spec_order(version):
    assert list(version.sections.values_list("code", flat=True)) == [
        "symptoms", "causes", "red_flags", "strength", "exam"]


# ---------------------------------------------------------------- publishing


@pytest.fixture
def draft(version, template_admin):
    return template_services.template_clone(version=version, actor=Actor(template_admin))


def test_it_clones_a_version_whole_into_a_new_draft(version, draft):
    assert (draft.number, draft.status, draft.cloned_from) == (2, "draft", version)
    assert list(AuditEvent.objects.filter(object_id=str(draft.pk)).values_list("action", flat=True)) == [
        "template_clone"]
    assert template_services.comparable_document(draft.to_document()) == template_services.comparable_document(version.to_document())


def test_it_publishes_a_valid_draft(draft, template_admin):
    published = template_services.template_publish(version=draft, actor=Actor(template_admin))
    assert published.status == "published"
    assert published.published_by == template_admin
    assert selectors.newest_published_version() == published


@pytest.mark.parametrize("breakage,fault", [
    (lambda d: Rule.objects.filter(version=d, code="emg").update(condition={"item": "ghost", "is": True}),
     "rule emg: refers to unknown item 'ghost'"),
    (lambda d: Rule.objects.filter(version=d, code="emg").update(condition={"item": "cramps", "like": 1}),
     "rule emg: item 'cramps': unknown operator like"),
    (lambda d: Item.objects.filter(version=d, code="cramps").delete(),
     "refers to unknown item 'cramps'"),
    (lambda d: Rule.objects.filter(version=d, code="ncv").update(source={"section": "x", "quote": ""}),
     "rule ncv: needs a source passage"),
    (lambda d: TemplateCase.objects.filter(version=d, order=1).update(expect={"tests": {"exactly": []}}),
     "tests: expected exactly [], got [electrolytes]"),
    (lambda d: TemplateVersion.objects.filter(pk=d.pk).update(
        findings=[*d.findings, {"code": "loop", "title": "Loop", "condition": {"finding": "loop"}}]),
     "cycle between findings"),
    (lambda d: TemplateCase.objects.filter(version=d).delete(), "add at least one test case"),
])
def test_it_refuses_to_publish_an_invalid_draft_naming_the_fault(draft, template_admin, breakage, fault):
    breakage(draft)
    draft.refresh_from_db()
    with pytest.raises(template_services.PublishError) as refused:
        template_services.template_publish(version=draft, actor=Actor(template_admin))
    assert any(fault in message for message in refused.value.messages), refused.value.messages
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_it_refuses_an_import_with_duplicate_codes_and_saves_nothing(version, default_document):
    default_document["sections"][1]["items"].append(copy.deepcopy(default_document["sections"][1]["items"][0]))
    before = counts()
    with pytest.raises(engine.TemplateError, match="item trigger_stress: duplicate item code"):
        template_services.template_import(document=default_document, actor=Actor.system())
    assert counts() == before


# ---------------------------------------------------------------- immutability


def test_it_refuses_model_changes_to_a_published_version(version):
    item = version.items.get(code="cramps")
    item.label = "Changed"
    with pytest.raises(ImmutableRecordError):
        item.save()
    with pytest.raises(ImmutableRecordError):
        Section.objects.create(version=version, code="extra", title="Extra")
    with pytest.raises(ImmutableRecordError):
        version.rules.first().delete()
    with pytest.raises(ImmutableRecordError):
        Rule.objects.filter(version=version).update(title="x")
    with pytest.raises(ImmutableRecordError):
        Item.objects.filter(version=version).delete()
    version.title = "Changed"
    with pytest.raises(ImmutableRecordError):
        version.save()
    with pytest.raises(ImmutableRecordError):
        TemplateVersion.objects.get(pk=version.pk).delete()
    version.refresh_from_db()
    assert version.items.get(code="cramps").label.startswith("Cramps")
    assert version.title == "Fasciculations and cramps: initial assessment"


def other_template_document(version: TemplateVersion) -> dict:
    """The version's content as another template, so retiring this one leaves a version to start with."""
    document = version.to_document()
    document["template"] = {"slug": "other-checklist", "title": "Another checklist"}
    return document


def test_it_allows_retiring_but_never_reviving(version, template_admin):
    other = template_services.template_import(document=other_template_document(version), actor=Actor(template_admin))
    template_services.template_publish(version=other, actor=Actor(template_admin))
    template_services.template_retire(version=version, actor=Actor(template_admin))
    version.refresh_from_db()
    assert version.status == "retired"
    version.status = "published"
    with pytest.raises(ImmutableRecordError):
        version.save()


def test_it_never_changes_a_published_version_through_an_import(version, default_document, template_admin):
    default_document["rules"][0]["title"] = "Imported change"
    imported = template_services.template_import(document=default_document, actor=Actor(template_admin))
    assert (imported.number, imported.status) == (2, "draft")
    version.refresh_from_db()
    assert version.rules.get(code="rf_weakness").title == "Muscle weakness"
    assert imported.rules.get(code="rf_weakness").title == "Imported change"


def test_it_round_trips_export_and_import_to_an_identical_version(version, template_admin):
    exported = json.loads(json.dumps(version.to_document()))
    imported = template_services.template_import(document=exported, actor=Actor(template_admin))
    again = imported.to_document()
    assert again["version"].pop("number") == 2
    exported["version"].pop("number")
    assert again == exported


def test_it_exports_exactly_the_shipped_document(version, default_document):
    assert version.to_document() == default_document


@pytest.mark.parametrize("change", [
    {"status": "draft"},
    {"source_document": "Another document"},
    {"status": "retired", "title": "Renamed while retiring"},
])
def test_it_refuses_to_reopen_or_alter_a_published_version(version, change):
    for name, value in change.items():
        setattr(version, name, value)
    with pytest.raises(ImmutableRecordError):
        version.save()
    version.refresh_from_db()
    assert (version.status, version.title) == ("published", "Fasciculations and cramps: initial assessment")
