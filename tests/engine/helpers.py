"""Data and helpers shared by the engine tests: plain data, no database."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from evaluation import engine

ROOT = Path(__file__).resolve().parent.parent.parent
DOCUMENT = json.loads((ROOT / "evaluation" / "data" / "fasciculation-cramp-v1.json").read_text(encoding="utf-8"))
SOURCE_CANDIDATES = [ROOT.parent / "shared" / "source" / "000_9f81124d5672c174.txt"]
COMPILED = engine.CompiledTemplate(DOCUMENT)

RF_CODES = ["rf_weakness", "rf_sensory_loss", "rf_atrophy", "rf_progressive", "rf_persistent_pain", "rf_bulbar"]
MRC_CODES = [
    f"mrc_{m}_{side}"
    for m in ("shoulder_abduction", "elbow_flexion", "wrist_extension", "hip_flexion", "knee_extension",
              "ankle_dorsiflexion")
    for side in ("left", "right")
]
NO_RED_FLAGS = {code: False for code in RF_CODES}
CAUSES = ["trigger_stress", "trigger_fatigue", "trigger_exercise", "trigger_caffeine", "dehydration", "med_diuretic",
          "med_statin", "pregnancy", "inactivity", "kidney_disease", "diabetes", "circulatory_disease",
          "thyroid_disease", "liver_disease"]
# History asked and examination recorded, all normal: the baseline for "not any_red_flag" and "no cause".
NORMAL = {
    **NO_RED_FLAGS, **{code: 5 for code in MRC_CODES}, **{code: False for code in CAUSES},
    "exam_fasciculations": False, "exam_atrophy": False, "exam_reflexes": "normal", "exam_plantar": "flexor",
    "exam_sensation": "normal",
}

# Every item of the clinical spec with its type (also checked against the database in tests/test_templates.py).
SPEC_ITEMS = {
    "fasciculations": "bool", "fasciculation_regions": "multi", "fasciculation_frequency": "choice",
    "cramps": "bool", "cramp_regions": "multi", "cramp_frequency": "choice", "cramp_duration": "choice",
    "cramp_timing": "multi", "post_cramp_soreness": "bool", "symptom_weeks": "int",
    "trigger_stress": "bool", "trigger_fatigue": "bool", "trigger_exercise": "bool", "trigger_caffeine": "bool",
    "dehydration": "bool", "med_diuretic": "bool", "med_statin": "bool", "med_other": "text", "pregnancy": "bool",
    "inactivity": "bool", "kidney_disease": "bool", "diabetes": "bool", "circulatory_disease": "bool",
    "thyroid_disease": "bool", "liver_disease": "bool",
    **{code: "bool" for code in RF_CODES},
    **{code: "mrc" for code in MRC_CODES},
    "exam_fasciculations": "bool", "exam_fasciculation_regions": "multi", "exam_atrophy": "bool",
    "exam_atrophy_regions": "multi", "exam_reflexes": "choice", "exam_plantar": "choice",
    "exam_sensation": "choice", "exam_notes": "text",
}


def run(**answers: Any) -> engine.Evaluation:
    return COMPILED.evaluate(answers)


def codes(result: engine.Evaluation, kind: str) -> list[str]:
    return result.codes(kind)


def case(prefix: str) -> dict[str, Any]:
    return next(c for c in DOCUMENT["cases"] if c["name"].startswith(prefix))


def rule(document: dict[str, Any], code: str) -> dict[str, Any]:
    return next(r for r in document["rules"] if r["code"] == code)


def broken(mutate: Callable[[dict[str, Any]], Any]) -> list[str]:
    """The faults of a copy of the default template after ``mutate``."""
    document = copy.deepcopy(DOCUMENT)
    mutate(document)
    return engine.validate_template(document)


def unquoted_passages(document: dict) -> list | None:
    """(rule code, heading or fragment) for every cited passage not verbatim in the source document;
    None when the source document is not beside this checkout."""
    texts = [p.read_text(encoding="utf-8") for p in SOURCE_CANDIDATES if p.exists()]
    if not texts:
        return None
    source = " ".join(" ".join(texts).split())
    headings = set(re.findall(r"^(.+\?)$", "\n".join(texts), re.M))
    faults = []
    for rule in document["rules"]:
        for passage in [rule["source"], *rule["source"].get("also", [])]:
            if passage["section"] not in headings:
                faults.append((rule["code"], passage["section"]))
            faults.extend((rule["code"], fragment) for fragment in
                          (f.strip().lstrip("- ") for f in passage["quote"].split(" … ")) if fragment not in source)
    return faults
