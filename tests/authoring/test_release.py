"""Publishing through the review page, and retiring with confirmation."""

from __future__ import annotations

from evaluation.audit import Actor
from evaluation.models import AuditEvent, TemplateVersion
from evaluation.services.templates import template_import, template_publish

from .conftest import url


def _change_something(draft):
    item = draft.items.get(code="rf_weakness")
    item.label = "Weakness of the muscles"
    item.save()
    rule = draft.rules.get(code="reduce_caffeine")
    rule.condition = {"all": [{"item": "trigger_caffeine", "is": True}, {"item": "fasciculations", "is": True}]}
    rule.save()


def test_it_reviews_a_draft_against_the_version_it_was_made_from(admin_client_, draft):
    _change_something(draft)
    body = admin_client_.get(url("publish", draft.pk)).content.decode()
    assert "Changes from <strong>fasciculation-cramp@1</strong>, the version this draft was made from" in body
    assert "Wording changed" in body and "<del>Muscle weakness</del> <ins>Weakness of the muscles</ins>" in body
    assert "Reduce caffeine" in body and (
        "<ins>High caffeine intake is Yes AND Fasciculations (small involuntary twitches under the skin) is Yes</ins>"
        in body)
    assert "all 15 test cases pass" in body
    assert "fasciculation-cramp@1 is superseded" in body


def test_it_publishes_only_after_confirmation(admin_client_, draft):
    response = admin_client_.post(url("publish", draft.pk), {})
    assert response.status_code == 400
    assert "Tick the box to confirm you reviewed the changes." in response.content.decode()
    draft.refresh_from_db()
    assert draft.is_draft
    response = admin_client_.post(url("publish", draft.pk), {"confirm": "on"}, follow=True)
    assert "Published fasciculation-cramp@2" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == TemplateVersion.Status.PUBLISHED
    assert AuditEvent.objects.filter(action="template_publish", object_id=str(draft.pk)).exists()


def test_it_shows_why_a_draft_cannot_be_published(admin_client_, draft):
    case = draft.cases.first()
    case.expect = {"patterns": {"exactly": ["exercise_associated_cramps"]}}
    case.save()
    body = admin_client_.get(url("publish", draft.pk)).content.decode()
    assert "This draft cannot be published yet" in body
    assert "fails: patterns expected exactly Exercise-associated cramps, got Pattern consistent with benign" in body
    assert "exercise_associated_cramps" not in body
    response = admin_client_.post(url("publish", draft.pk), {"confirm": "on"})
    assert "Not published:" in response.content.decode()
    draft.refresh_from_db()
    assert draft.is_draft


def test_it_sends_a_published_version_back_from_the_review(admin_client_, version):
    response = admin_client_.get(url("publish", version.pk), follow=True)
    assert "only a draft can be published" in response.content.decode()


def test_it_asks_before_retiring_and_explains_the_consequence(admin_client_, version):
    body = admin_client_.get(url("retire", version.pk)).content.decode()
    assert "This is the only published version" in body and "Replacement for new assessments" in body
    response = admin_client_.post(url("retire", version.pk), {})
    assert "Tick the box to confirm the retirement." in response.content.decode()
    version.refresh_from_db()
    assert version.status == TemplateVersion.Status.PUBLISHED


def test_it_refuses_to_retire_the_only_published_version_without_a_replacement(admin_client_, version):
    response = admin_client_.post(url("retire", version.pk), {"confirm": "on"})
    assert response.status_code == 400
    assert "is the only version clinicians can start new assessments with" in response.content.decode()
    version.refresh_from_db()
    assert version.status == TemplateVersion.Status.PUBLISHED


def test_it_retires_a_version_naming_a_draft_to_publish_in_its_place(admin_client_, draft, version):
    page = admin_client_.get(url("retire", version.pk)).content.decode()
    assert "fasciculation-cramp@2: Fasciculations and cramps: initial assessment (draft, published in its place)" in page
    response = admin_client_.post(url("retire", version.pk), {"confirm": "on", "replacement": draft.pk}, follow=True)
    assert "New assessments use fasciculation-cramp@2." in response.content.decode()
    draft.refresh_from_db()
    version.refresh_from_db()
    assert draft.status == TemplateVersion.Status.PUBLISHED
    assert version.status in (TemplateVersion.Status.RETIRED, TemplateVersion.Status.SUPERSEDED)


def test_it_retires_a_version_when_another_template_stays_published(admin_client_, version, template_admin):
    document = version.to_document()
    document["template"] = {"slug": "other-checklist", "title": "Other checklist"}
    other = template_publish(version=template_import(document=document, actor=Actor(template_admin)),
                             actor=Actor(template_admin))
    response = admin_client_.post(url("retire", version.pk), {"confirm": "on"}, follow=True)
    assert f"{version.label} is now retired" in response.content.decode()
    version.refresh_from_db()
    assert version.status == TemplateVersion.Status.RETIRED and other.status == TemplateVersion.Status.PUBLISHED
