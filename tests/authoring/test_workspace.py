"""The workspace pages of a draft, through the test client: sections, questions, who may use them."""

from __future__ import annotations

import json

from evaluation.authoring import references
from evaluation.models import AuditEvent, Item, Section

from .conftest import url


def test_it_lists_templates_and_their_versions(admin_client_, draft):
    body = admin_client_.get(url("index")).content.decode()
    assert "fasciculation-cramp@1" in body and "fasciculation-cramp@2" in body
    assert "Edit draft" in body and "New draft from this version" in body and "Retire…" in body


def test_it_refuses_the_workspace_to_clinicians_and_to_staff_without_the_role(client, clinician, django_user_model,
                                                                               draft):
    client.force_login(clinician)
    assert client.get(url("workspace", draft.pk)).status_code == 403
    assert client.post(url("item_delete", draft.pk, draft.items.first().pk)).status_code == 403
    staff = django_user_model.objects.create_user("staffer", password="x-very-long-pass", is_staff=True)
    client.force_login(staff)
    assert client.get(url("index")).status_code == 403
    assert draft.items.count() == 51


def test_it_opens_the_workspace_for_superusers(client, superuser, draft):
    client.force_login(superuser)
    assert client.get(url("workspace", draft.pk)).status_code == 200


def test_it_shows_the_drafts_sections_and_the_case_table(admin_client_, draft):
    body = admin_client_.get(url("workspace", draft.pk)).content.decode()
    assert "Presenting symptoms (history)" in body and "Red flags (history)" in body
    assert "All 15 pass" in body
    assert "Draft made from fasciculation-cramp@1" in body


def test_it_shows_one_section_with_each_questions_condition_in_words(admin_client_, draft):
    section = draft.sections.get(code="symptoms")
    body = admin_client_.get(url("section", draft.pk, section.pk)).content.decode()
    assert "Where the twitches occur" in body
    assert "Shown when: Fasciculations (small involuntary twitches under the skin) is Yes" in body
    assert "Weeks since the symptoms began" in body and "Add a question" in body
    assert "Muscle weakness" not in body  # another section's question


def test_it_adds_a_question_with_its_shown_when_and_audits_it(admin_client_, draft):
    section = draft.sections.get(code="symptoms")
    response = admin_client_.post(url("item_create", draft.pk, section.pk), {
        "section": section.pk, "label": "Tingling in the feet", "code": "", "type": "choice",
        "choices_text": "Left foot\nright | Right foot", "help_text": "Ask about both feet.",
        "shown_when": json.dumps({"item": "cramps", "is": True}),
    })
    assert response.status_code == 302
    item = draft.items.get(code="tingling_in_the_feet")
    assert item.choices == [["left_foot", "Left foot"], ["right", "Right foot"]]
    assert item.shown_when == {"item": "cramps", "is": True}
    assert item.order == section.items.count() - 1
    event = AuditEvent.objects.get(action="template_edit")
    assert event.detail == {"version": draft.label, "fields": ["item tingling_in_the_feet"]}
    assert "All 15 pass" in admin_client_.get(response["Location"]).content.decode()


def test_it_keeps_what_was_typed_and_names_the_field_when_a_save_is_refused(admin_client_, draft):
    section = draft.sections.get(code="symptoms")
    typed = {"section": section.pk, "label": "Tingling", "code": "", "type": "bool", "help_text": "Typed help",
             "shown_when": json.dumps({"item": "exam_notes", "present": True})}
    response = admin_client_.post(url("item_create", draft.pk, section.pk), typed)
    body = response.content.decode()
    assert response.status_code == 400
    assert "Nothing was saved." in body
    assert "Shown when</a>: Item tingling shown-when: refers to unknown item &#x27;exam_notes&#x27;" in body
    assert 'value="Tingling"' in body and "Typed help" in body and "exam_notes" in body
    assert not draft.items.filter(code="tingling").exists()
    assert not AuditEvent.objects.filter(action="template_edit").exists()


def test_it_names_a_json_mistake_on_its_field(admin_client_, draft):
    item = draft.items.get(code="cramp_regions")
    response = admin_client_.post(url("item", draft.pk, item.pk), {
        "section": item.section_id, "label": item.label, "code": item.code, "type": "multi",
        "choices_text": "calves | Calves", "shown_when": '{"item": "cramps", "is": tru'})
    body = response.content.decode()
    assert response.status_code == 400
    assert "This is not valid JSON" in body and "{&quot;item&quot;: &quot;cramps&quot;, &quot;is&quot;: tru" in body
    item.refresh_from_db()
    assert len(item.choices) == 6


def test_it_renames_a_question_in_every_rule_finding_and_case(admin_client_, draft):
    item = draft.items.get(code="rf_weakness")
    response = admin_client_.post(url("item", draft.pk, item.pk), {
        "section": item.section_id, "label": "Muscle weakness", "code": "weakness_reported", "type": "bool",
        "required": "on"})
    assert response.status_code == 302
    draft.refresh_from_db()
    document = draft.to_document()
    conditions = [r["condition"] for r in document["rules"]] + [f["condition"] for f in document["findings"]]
    assert "rf_weakness" not in references.items_named(conditions)
    assert "weakness_reported" in references.items_named(conditions)
    assert not any("rf_weakness" in case["answers"] for case in document["cases"])
    assert draft.rules.get(code="rf_weakness").condition == {"item": "weakness_reported", "is": True}
    assert "All 15 pass" in admin_client_.get(url("workspace", draft.pk)).content.decode()


def test_it_refuses_to_delete_a_question_a_rule_asks_about(admin_client_, draft):
    item = draft.items.get(code="trigger_caffeine")
    response = admin_client_.post(url("item_delete", draft.pk, item.pk), follow=True)
    body = response.content.decode()
    assert "“High caffeine intake” was not deleted, because:" in body
    assert "rule reduce_caffeine: refers to unknown item" in body
    assert draft.items.filter(code="trigger_caffeine").exists()


def test_it_deletes_an_unused_question_and_its_answers_in_the_cases(admin_client_, draft):
    item = draft.items.get(code="post_cramp_soreness")
    admin_client_.post(url("item_delete", draft.pk, item.pk))
    assert not draft.items.filter(code="post_cramp_soreness").exists()
    assert not any("post_cramp_soreness" in case.answers for case in draft.cases.all())


def test_it_moves_questions_and_sections(admin_client_, draft):
    section = draft.sections.get(code="red_flags")
    first, second = section.items.order_by("order")[:2]
    admin_client_.post(url("item_move", draft.pk, second.pk), {"direction": "up"})
    assert list(section.items.order_by("order").values_list("code", flat=True)[:2]) == [second.code, first.code]
    admin_client_.post(url("section_move", draft.pk, section.pk), {"direction": "up"})
    assert list(draft.sections.order_by("order").values_list("code", flat=True)[:3]) == ["symptoms", "red_flags",
                                                                                          "causes"]


def test_it_refuses_a_move_that_puts_a_question_before_the_one_it_is_shown_after(admin_client_, draft):
    regions = draft.items.get(code="fasciculation_regions")
    response = admin_client_.post(url("item_move", draft.pk, regions.pk), {"direction": "up"}, follow=True)
    assert "Not moved: item fasciculation_regions shown-when: refers to unknown item" in response.content.decode()
    assert list(regions.section.items.order_by("order").values_list("code", flat=True)[:2]) == [
        "fasciculations", "fasciculation_regions"]


def test_it_adds_a_section_and_edits_its_follow_up_behaviour(admin_client_, draft):
    response = admin_client_.post(url("workspace", draft.pk), {
        "add_section": "1", "new-title": "Visit details", "new-code": "", "new-reassess_each_visit": "on"})
    section = Section.objects.get(version=draft, code="visit_details")
    assert response["Location"] == url("section", draft.pk, section.pk)
    assert section.reassess_each_visit and not section.compare_on_follow_up
    admin_client_.post(url("section", draft.pk, section.pk), {"title": "Visit", "code": "visit",
                                                              "compare_on_follow_up": "on"})
    section.refresh_from_db()
    assert (section.title, section.code, section.reassess_each_visit, section.compare_on_follow_up) == (
        "Visit", "visit", False, True)
    admin_client_.post(url("section_delete", draft.pk, section.pk))
    assert not Section.objects.filter(pk=section.pk).exists()


def test_it_refuses_a_duplicate_code_on_its_field(admin_client_, draft):
    section = draft.sections.get(code="symptoms")
    response = admin_client_.post(url("item_create", draft.pk, section.pk), {
        "section": section.pk, "label": "Cramps again", "code": "cramps", "type": "bool"})
    assert "Another part of this version already has the code “cramps”." in response.content.decode()
    assert Item.objects.filter(version=draft, code="cramps").count() == 1


def test_it_shows_a_published_version_read_only(admin_client_, version):
    section = version.sections.get(code="symptoms")
    body = admin_client_.get(url("section", version.pk, section.pk)).content.decode()
    assert "can no longer be changed" in body and "Add a question" not in body
    item = section.items.first()
    response = admin_client_.post(url("item", version.pk, item.pk), {"label": "Changed"}, follow=True)
    assert "can no longer be changed" in response.content.decode()
    item.refresh_from_db()
    assert item.label != "Changed"


def test_it_creates_a_draft_from_a_published_version(admin_client_, version):
    response = admin_client_.post(url("clone", version.pk))
    draft = version.template.versions.get(number=2)
    assert response["Location"] == url("workspace", draft.pk)
    assert draft.is_draft and draft.cloned_from == version


def test_it_explains_a_badly_written_choice_line(admin_client_, draft):
    item = draft.items.get(code="exam_sensation")
    response = admin_client_.post(url("item", draft.pk, item.pk), {
        "section": item.section_id, "label": item.label, "code": item.code, "type": "choice",
        "choices_text": "normal | Normal\nBad Code | Reduced"})
    body = response.content.decode()
    assert response.status_code == 400
    assert "Choices</a>: Line 2: the code “Bad Code” may use only lower-case letters" in body
    assert "Bad Code | Reduced" in body  # what was typed stays
    item.refresh_from_db()
    assert item.choices == [["normal", "Normal"], ["reduced", "Reduced"]]


def test_it_refuses_a_condition_holding_a_nul_character(admin_client_, draft):
    section = draft.sections.get(code="symptoms")
    response = admin_client_.post(url("item_create", draft.pk, section.pk), {
        "section": section.pk, "label": "Tingling", "type": "bool", "shown_when": '{"item": "cramps\\u0000", "is": true}'})
    assert "cannot contain the NUL character" in response.content.decode()
    assert not draft.items.filter(code="tingling").exists()
