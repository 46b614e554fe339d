"""Template translations: validated, overlaid string by string, codes untouched, missing ones listed."""

from __future__ import annotations

import copy
import json

from evaluation import engine

from .helpers import ROOT

V1 = json.loads((ROOT / "evaluation" / "data" / "fasciculation-cramp-v1.json").read_text(encoding="utf-8"))


def with_spanish(**table):
    document = copy.deepcopy(V1)
    document["translations"] = {"es": table}
    return document


def test_a_translated_document_evaluates_to_the_same_codes_in_spanish_wording():
    document = with_spanish(
        items={"rf_weakness": {"label": "Debilidad muscular"},
               "cramp_frequency": {"choices": {"daily": "A diario"}}},
        rules={"red_flag:rf_weakness": {"title": "Debilidad muscular"},
               "referral:neurology_referral": {"title": "Derivación a neurología"}},
        findings={"any_red_flag": {"title": "Signo de alarma o exploración anormal"}},
    )
    assert engine.validate_template(document) == []
    answers = next(c["answers"] for c in V1["cases"] if c["name"].startswith("Worked example 4"))
    english = engine.CompiledTemplate(document).evaluate(answers)
    spanish = engine.CompiledTemplate(engine.localized(document, "es")).evaluate(answers)

    assert [(r.kind, r.code) for r in spanish.recommendations] == [(r.kind, r.code) for r in english.recommendations]
    assert spanish.get("referral", "neurology_referral").title == "Derivación a neurología"
    assert spanish.get("red_flag", "rf_weakness").title == "Debilidad muscular"
    # Untranslated wording falls back to English, string by string; passages stay quoted as in the source.
    assert spanish.get("red_flag", "rf_atrophy").title == english.get("red_flag", "rf_atrophy").title
    assert spanish.get("referral", "neurology_referral").source == english.get("referral", "neurology_referral").source
    assert any(reason.startswith("Signo de alarma") for reason in spanish.get("test", "electrolytes").reasons)
    items = engine.CompiledTemplate(engine.localized(document, "es")).items
    assert dict(items["cramp_frequency"].choices)["daily"] == "A diario"


def test_it_lists_what_falls_back_to_english():
    document = with_spanish(sections={"symptoms": {"title": "Síntomas"}})
    missing = engine.missing_translations(document, "es")
    assert "sections symptoms title" not in missing
    assert "sections causes title" in missing
    assert "rules referral:neurology_referral title" in missing


def test_it_refuses_translations_of_what_does_not_exist():
    document = with_spanish(items={"no_such_item": {"label": "x"}}, rules={"test:emg": {"title": ""}})
    faults = engine.validate_template(document)
    assert "translations.es.items.no_such_item: nothing to translate at label" in faults
    assert "translations.es.rules.test:emg.title must be text" in faults
    document["translations"] = {"fr": {}}
    assert engine.validate_template(document) == ["translations: unknown language 'fr'; known: es"]
