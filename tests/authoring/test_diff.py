"""What changed between two template documents (no database)."""

from __future__ import annotations

import copy

from evaluation.authoring.diff import diff_documents


def _item(document, code):
    return next(i for s in document["sections"] for i in s["items"] if i["code"] == code)


def _rule(document, code):
    return next(r for r in document["rules"] if r["code"] == code)


def test_it_finds_nothing_between_equal_documents(default_document):
    diff = diff_documents(default_document, copy.deepcopy(default_document))
    assert diff.is_empty and diff.wording == ()


def test_it_lists_questions_added_removed_and_changed(default_document):
    new = copy.deepcopy(default_document)
    new["sections"][0]["items"].append({"code": "tingling", "type": "bool", "label": "Tingling", "required": False})
    new["sections"][1]["items"] = [i for i in new["sections"][1]["items"] if i["code"] != "inactivity"]
    _item(new, "rf_bulbar")["required"] = True
    _item(new, "exam_sensation")["choices"].append(["absent", "Absent"])
    diff = diff_documents(default_document, new)
    assert [p.name for p in diff.items.added] == ["Tingling"]
    assert [(p.name, p.where) for p in diff.items.removed] == [("Prolonged inactivity", "Possible triggers and causes (history)")]
    changed = {p.key: p for p in diff.items.behaviour_changed}
    assert [(c.name, c.old, c.new) for c in changed["rf_bulbar"].changes] == [("Required", "No", "Yes")]
    assert [(c.name, c.old, c.new) for c in changed["exam_sensation"].changes] == [
        ("Choices", "Normal, Reduced", "Normal, Reduced, Absent")]


def test_it_shows_changed_conditions_in_words(default_document):
    new = copy.deepcopy(default_document)
    _rule(new, "reduce_caffeine")["condition"] = {"all": [{"item": "trigger_caffeine", "is": True},
                                                          {"item": "fasciculations", "is": True}]}
    _item(new, "cramp_timing")["shown_when"] = {"item": "cramps", "is": False}
    diff = diff_documents(default_document, new)
    rule = diff.rules.behaviour_changed[0]
    assert (rule.name, rule.where) == ("Reduce caffeine", "Advice")
    assert [(c.name, c.old, c.new) for c in rule.changes] == [(
        "Fires when", "High caffeine intake is Yes",
        "High caffeine intake is Yes AND Fasciculations (small involuntary twitches under the skin) is Yes")]
    shown = diff.items.behaviour_changed[0].changes[0]
    assert shown.name == "Shown when" and shown.new.endswith("is No")


def test_it_lists_wording_apart_from_behaviour(default_document):
    new = copy.deepcopy(default_document)
    _item(new, "rf_weakness")["label"] = "Weakness of the muscles"
    _rule(new, "stretching")["title"] = "Stretch every day"
    _item(new, "exam_plantar")["choices"][2][1] = "Unsure"
    diff = diff_documents(default_document, new)
    assert diff.items.behaviour_changed == () and diff.rules.behaviour_changed == ()
    wording = {(p.name, c.name, c.old, c.new) for p in diff.wording for c in p.changes}
    assert wording == {
        ("Weakness of the muscles", "Label", "Muscle weakness", "Weakness of the muscles"),
        ("Stretch every day", "Title", "Stretch regularly, and gently stretch the muscle during a cramp",
         "Stretch every day"),
        ("Plantar responses", "Choice labels", "Flexor, Extensor, Equivocal", "Flexor, Extensor, Unsure"),
    }


def test_it_lists_rules_sections_and_cases_added_and_removed(default_document):
    new = copy.deepcopy(default_document)
    new["rules"] = [r for r in new["rules"] if r["code"] != "hydration"]
    new["rules"].append({"code": "tingling_advice", "kind": "advice", "title": "Tingling advice",
                         "condition": {"all": []}, "source": {"section": "s", "quote": "q"}})
    new["sections"].append({"code": "visit", "title": "Visit", "items": []})
    new["sections"][0]["reassess_each_visit"] = True
    new["cases"] = new["cases"][1:]
    diff = diff_documents(default_document, new)
    assert [p.name for p in diff.rules.added] == ["Tingling advice"]
    assert [p.name for p in diff.rules.removed] == ["Keep well hydrated"]
    assert [p.name for p in diff.sections.added] == ["Visit"]
    assert [c.name for c in diff.sections.changed[0].changes] == ["Asked again at each visit"]
    assert len(diff.cases.removed) == 1


def test_it_notices_a_question_moved_to_another_section(default_document):
    new = copy.deepcopy(default_document)
    moved = new["sections"][1]["items"].pop(0)
    new["sections"][0]["items"].append(moved)
    diff = diff_documents(default_document, new)
    change = next(p for p in diff.items.changed if p.key == moved["code"])
    assert [(c.name, c.new) for c in change.changes] == [("Section", "Presenting symptoms (history)")]
    assert diff.sections.changed == ()  # the other questions keep their order


def test_it_notices_questions_reordered_in_a_section(default_document):
    new = copy.deepcopy(default_document)
    items = new["sections"][2]["items"]
    items[0], items[1] = items[1], items[0]
    diff = diff_documents(default_document, new)
    assert [(p.name, [c.name for c in p.changes]) for p in diff.sections.changed] == [
        ("Red flags (history)", ["Order of questions changed"])]
