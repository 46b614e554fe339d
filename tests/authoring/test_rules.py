"""The rule list and the rule editor, through the test client."""

from __future__ import annotations

import json

from evaluation.models import Rule

from .conftest import url

SPECIALIST = "When should you consider seeing a specialist?"


def _rule_data(**changes):
    data = {"kind": "advice", "title": "Tingling advice", "code": "", "detail": "", "priority": "",
            "condition": json.dumps({"all": [{"item": "rf_weakness", "is": True}, {"finding": "any_red_flag"}]}),
            "urgent_when": "", "source_section": SPECIALIST, "source_quote": "Muscle weakness.",
            "patient_text": "See your doctor again.", "role": ""}
    data.update(changes)
    return data


def test_it_lists_rules_by_kind_with_each_condition_in_words(admin_client_, draft):
    body = admin_client_.get(url("rules", draft.pk)).content.decode()
    assert "Red flags" in body and "Advice" in body
    assert "Fires when</span> High caffeine intake is Yes" in body
    assert ("Urgent when</span> Fasciculations with weakness or wasting OR Difficulty speaking or swallowing "
            "(weakness of speech and swallowing muscles) is Yes") in body


def test_it_adds_a_rule_and_makes_its_code_from_the_title(admin_client_, draft):
    response = admin_client_.post(url("rule_create", draft.pk), _rule_data())
    assert response.status_code == 302
    rule = Rule.objects.get(version=draft, code="tingling_advice")
    assert rule.condition == {"all": [{"item": "rf_weakness", "is": True}, {"finding": "any_red_flag"}]}
    assert rule.source == {"section": SPECIALIST, "quote": "Muscle weakness."}
    assert rule.patient_text == "See your doctor again." and rule.order == 27
    body = admin_client_.get(response["Location"]).content.decode()
    assert "Muscle weakness is Yes AND red flag or abnormal examination" in body


def test_it_shows_the_editor_with_the_builder_vocabulary_and_the_source_passages(admin_client_, draft):
    rule = draft.rules.get(code="emg")
    body = admin_client_.get(url("rule", draft.pk, rule.pk)).content.decode()
    assert 'id="builder-vocabulary" type="application/json"' in body
    assert "data-condition-builder" in body and 'src="/static/js/rule-builder.js"' in body
    assert "Any of these:<ul class=\"condition-outline mb-0\"><li>Muscle weakness is Yes</li><li>Change in muscle size (wasting) is Yes</li>" in body
    assert 'data-passage="In some cases, electromyography (EMG)' in body


def test_it_refuses_a_condition_on_an_unknown_question_on_the_condition_field(admin_client_, draft):
    response = admin_client_.post(url("rule_create", draft.pk), _rule_data(
        condition=json.dumps({"item": "tingling", "is": True}), detail="Typed detail"))
    body = response.content.decode()
    assert response.status_code == 400
    assert "Fires when</a>: Rule tingling_advice: refers to unknown item &#x27;tingling&#x27;" in body
    assert 'id="id_condition-errors"' in body and "Typed detail" in body and "tingling" in body
    assert not Rule.objects.filter(version=draft, code="tingling_advice").exists()


def test_it_refuses_a_wrong_operator_and_names_the_urgent_when_field(admin_client_, draft):
    response = admin_client_.post(url("rule_create", draft.pk), _rule_data(
        kind="test", priority="routine", urgent_when=json.dumps({"item": "symptom_weeks", "is": True})))
    assert "Urgent when</a>: Rule tingling_advice urgent_when: operator &#x27;is&#x27; does not apply to int item" in (
        response.content.decode())


def test_it_refuses_a_quote_that_is_not_in_the_chosen_section(admin_client_, draft):
    response = admin_client_.post(url("rule_create", draft.pk), _rule_data(source_quote="Drink more coffee."))
    assert "Quoted passage</a>: “Drink more coffee.” is not in the section" in response.content.decode()


def test_it_renames_a_rule_in_the_cases_that_expect_it(admin_client_, draft):
    rule = draft.rules.get(code="reduce_caffeine")
    data = _rule_data(kind="advice", title=rule.title, code="less_caffeine", condition=json.dumps(rule.condition),
                      source_section=rule.source["section"], source_quote=rule.source["quote"], patient_text="")
    assert admin_client_.post(url("rule", draft.pk, rule.pk), data).status_code == 302
    expects = json.dumps([case.expect for case in draft.cases.all()])
    assert "reduce_caffeine" not in expects and "less_caffeine" in expects
    assert "All 15 pass" in admin_client_.get(url("rules", draft.pk)).content.decode()


def test_it_deletes_a_rule_and_the_cases_stop_expecting_it(admin_client_, draft):
    rule = draft.rules.get(code="reduce_caffeine")
    admin_client_.post(url("rule_delete", draft.pk, rule.pk))
    assert not draft.rules.filter(code="reduce_caffeine").exists()
    assert "reduce_caffeine" not in json.dumps([case.expect for case in draft.cases.all()])


def test_it_keeps_a_rules_extra_passages_when_it_is_saved(admin_client_, draft):
    rule = draft.rules.get(code="electrolytes")
    also = rule.source["also"]
    data = _rule_data(kind="test", priority="routine", title="Electrolytes", code="electrolytes",
                      condition=json.dumps(rule.condition), source_section=rule.source["section"],
                      source_quote=rule.source["quote"], patient_text="")
    assert admin_client_.post(url("rule", draft.pk, rule.pk), data).status_code == 302
    rule.refresh_from_db()
    assert rule.source["also"] == also and rule.title == "Electrolytes"
