"""The engine's view of a template's wording, as the translations editor uses it (pure: documents in, out)."""

from __future__ import annotations

import json

from django.conf import settings

from evaluation.engine import translations as wording
from evaluation.engine.translations import Wording

DATA = settings.BASE_DIR / "evaluation" / "data"
V1 = json.loads((DATA / "fasciculation-cramp-v1.json").read_text(encoding="utf-8"))
V2 = json.loads((DATA / "fasciculation-cramp-v2.json").read_text(encoding="utf-8"))


def test_the_wording_starts_with_the_titles_and_lists_every_translatable_string():
    entries = wording.wording(V1)
    assert entries[:2] == [Wording("template", "", "title", V1["template"]["title"]),
                           Wording("version", "", "title", V1["version"]["title"])]
    assert Wording("items", "fasciculation_frequency", "choices.daily", "Daily") in entries
    assert len(entries) == 2 + len(wording.missing_translations(V1, "es"))


def test_a_table_rebuilt_from_its_translations_is_the_same_table():
    table = V2["translations"]["es"]
    rebuilt = wording.table_from({entry: wording.translation_of(table, entry) for entry in wording.wording(V2)})
    assert rebuilt == table
    assert wording.missing_wording(V2, "es") == []


def test_missing_translations_names_the_strings_the_titles_aside():
    document = {**V1, "translations": {"es": {"template": {"title": "Fasciculaciones y calambres"}}}}
    missing = wording.missing_wording(document, "es")
    assert Wording("template", "", "title", V1["template"]["title"]) not in missing
    assert Wording("version", "", "title", V1["version"]["title"]) in missing
    assert wording.missing_translations(document, "es") == [f"{w.part} {w.key} {w.field}" for w in missing[1:]]


def test_a_malformed_table_reads_as_untranslated_rather_than_failing():
    table = {"items": {"fasciculations": "not an object"}, "rules": ["not", "a", "table"], "template": "x"}
    for entry in wording.wording(V1)[:40]:
        assert wording.translation_of(table, entry) == ""


def test_kept_in_step_drops_what_has_no_english_any_more():
    document = json.loads(json.dumps(V1))
    document["translations"] = {"es": {"items": {"fasciculations": {"label": "Fasciculaciones", "help_text": "x"},
                                                 "no_such_item": {"label": "y"}}}}
    item = document["sections"][0]["items"][0]
    assert item["code"] == "fasciculations"
    item.pop("help_text", None)
    assert wording.kept_in_step(document["translations"], document) == {
        "es": {"items": {"fasciculations": {"label": "Fasciculaciones"}}}}
    renamed = wording.renamed(document["translations"], "items", "fasciculations", "twitches")
    assert renamed["es"]["items"]["twitches"]["label"] == "Fasciculaciones"
