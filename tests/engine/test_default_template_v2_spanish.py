"""The Spanish wording of the shipped default template, version 2: complete, really Spanish, codes and
source passages untouched, and the same suggestions as in English. No database."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from evaluation import engine

from .helpers import ROOT

PATH = ROOT / "evaluation" / "data" / "fasciculation-cramp-v2.json"
DOCUMENT = json.loads(PATH.read_text(encoding="utf-8"))
SPANISH = DOCUMENT["translations"]["es"]
LOCALIZED = engine.localized(DOCUMENT, "es")

# Words that are the same in both languages, and rightly so.
SAME_IN_BOTH = {"Diabetes", "Normal"}


def pairs() -> Iterator[tuple[str, str, Any]]:
    """(where, English, Spanish) for every string of the document that has wording, and the two titles."""
    for part in ("template", "version"):
        yield part, DOCUMENT[part]["title"], (SPANISH.get(part) or {}).get("title")
    for section in DOCUMENT["sections"]:
        yield f"section {section['code']}", section["title"], SPANISH["sections"].get(section["code"], {}).get("title")
        for item in section.get("items") or []:
            entry = SPANISH["items"].get(item["code"], {})
            for name in ("label", "help_text"):
                if item.get(name):
                    yield f"item {item['code']} {name}", item[name], entry.get(name)
            for code, label in item.get("choices") or []:
                yield f"item {item['code']} choice {code}", label, entry.get("choices", {}).get(code)
    for finding in DOCUMENT["findings"]:
        entry = SPANISH["findings"].get(finding["code"], {})
        for name in ("title", "absent_reason"):
            if finding.get(name):
                yield f"finding {finding['code']} {name}", finding[name], entry.get(name)
    for rule in DOCUMENT["rules"]:
        entry = SPANISH["rules"].get(f"{rule['kind']}:{rule['code']}", {})
        for name in ("title", "detail", "patient_text"):
            if rule.get(name):
                yield f"rule {rule['kind']}:{rule['code']} {name}", rule[name], entry.get(name)


def spanish_rule(kind: str, code: str) -> dict[str, str]:
    return SPANISH["rules"][f"{kind}:{code}"]


def english_rule(code: str) -> dict[str, Any]:
    return next(r for r in DOCUMENT["rules"] if r["code"] == code)


def test_the_document_with_its_spanish_validates_and_passes_its_cases():
    assert engine.validate_template(DOCUMENT) == []
    assert engine.translation_faults(DOCUMENT) == []
    assert engine.run_cases(engine.CompiledTemplate(DOCUMENT)) == {}
    assert engine.run_cases(engine.CompiledTemplate(LOCALIZED)) == {}


def test_the_translations_are_the_last_key_in_the_repository_json_style():
    assert list(DOCUMENT)[-1] == "translations"
    assert list(DOCUMENT["translations"]) == ["es"]
    assert PATH.read_text(encoding="utf-8") == json.dumps(DOCUMENT, indent=1, ensure_ascii=False) + "\n"


def test_nothing_falls_back_to_english():
    assert engine.missing_translations(DOCUMENT, "es") == []
    assert LOCALIZED["template"]["title"] == "Fasciculaciones y calambres"
    assert LOCALIZED["version"]["title"] == "Fasciculaciones y calambres: evaluación"


@pytest.mark.parametrize("where,english,spanish", list(pairs()), ids=lambda value: str(value)[:60])
def test_every_string_is_spanish_wording(where, english, spanish):
    assert isinstance(spanish, str) and spanish.strip() == spanish and spanish, where
    assert spanish != english or spanish in SAME_IN_BOTH, where


def test_the_words_left_as_in_english_are_only_the_listed_ones():
    assert {spanish for _, english, spanish in pairs() if spanish == english} == SAME_IN_BOTH


def test_no_spanish_string_names_a_code():
    codes = {section["code"] for section in DOCUMENT["sections"]}
    codes |= {item["code"] for section in DOCUMENT["sections"] for item in section.get("items") or []}
    codes |= {finding["code"] for finding in DOCUMENT["findings"]}
    codes |= {rule["code"] for rule in DOCUMENT["rules"]}
    pattern = re.compile(r"\b(" + "|".join(sorted(map(re.escape, codes), key=len, reverse=True)) + r")\b")
    named = {where: pattern.findall(spanish) for where, _, spanish in pairs() if pattern.search(spanish)}
    assert named == {}


def test_patterns_never_diagnose_in_spanish_either():
    for code in ("benign_fasciculation_pattern", "cramp_fasciculation_pattern", "motor_neuron_pattern"):
        assert spanish_rule("pattern", code)["title"].startswith("Patrón compatible con "), code
    assert "No es un diagnóstico" in spanish_rule("pattern", "motor_neuron_pattern")["detail"]


def test_the_handout_can_use_the_spanish_patient_texts_as_it_uses_the_english_ones():
    # The examination red flags share the wording of the reported ones (the safety net matches by wording) ...
    assert spanish_rule("red_flag", "objective_weakness")["patient_text"] == \
        spanish_rule("red_flag", "rf_weakness")["patient_text"]
    assert spanish_rule("red_flag", "exam_atrophy")["patient_text"] == \
        spanish_rule("red_flag", "rf_atrophy")["patient_text"]
    # ... a red flag's patient text is "what: how it feels" wherever the English one is ...
    for rule in DOCUMENT["rules"]:
        if rule["kind"] == "red_flag":
            spanish = spanish_rule("red_flag", rule["code"])["patient_text"]
            assert (": " in spanish) == (": " in rule["patient_text"]), rule["code"]
    assert spanish_rule("red_flag", "rf_bulbar")["patient_text"].startswith("Dificultad para hablar o tragar: ")
    # ... and the next steps and the safety net's introduction fit into a sentence as the English ones do.
    for rule in DOCUMENT["rules"]:
        if rule.get("role") in ("blood_test", "referral") or rule["code"] in ("emg", "ncv"):
            spanish = spanish_rule(rule["kind"], rule["code"])["patient_text"]
            assert spanish[0].islower() and not spanish.endswith("."), rule["code"]
    assert spanish_rule("advice", "safety_net")["patient_text"].endswith(":")


def test_worked_example_5_gives_the_same_codes_with_spanish_titles():
    case = next(c for c in DOCUMENT["cases"] if c["name"].startswith("Worked example 5:"))
    english = engine.CompiledTemplate(DOCUMENT).evaluate(case["answers"], case.get("context"))
    spanish = engine.CompiledTemplate(LOCALIZED).evaluate(case["answers"], case.get("context"))

    def codes(result: engine.Evaluation) -> list[tuple[str, str, str | None]]:
        return [(r.kind, r.code, r.priority) for r in result.recommendations]

    assert codes(spanish) == codes(english)
    assert spanish.findings == english.findings
    assert spanish.mrc_sum == english.mrc_sum
    assert spanish.get("pattern", "motor_neuron_pattern").title.startswith("Patrón compatible con afectación de "
                                                                           "motoneurona")
    assert spanish.get("referral", "neurology_referral").title == "Derivación a neurología"
    for rec in spanish.recommendations:
        before = english.get(rec.kind, rec.code)
        assert rec.title == spanish_rule(rec.kind, rec.code)["title"] != before.title, rec.code
        assert rec.source == before.source, rec.code


def test_source_passages_are_never_translated():
    for english, spanish in zip(DOCUMENT["rules"], LOCALIZED["rules"], strict=True):
        assert spanish["source"] == english["source"], english["code"]
    for entry in SPANISH["rules"].values():
        assert set(entry) <= {"title", "detail", "patient_text"}
    assert DOCUMENT["version"]["source_document"] == LOCALIZED["version"]["source_document"]
