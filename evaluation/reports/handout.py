"""The patient handout: plain-language wording of what the report says, for the patient to take home."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from ..decisions import NO_DECISION, ORDERED
from .content import ReportContent

# Plain-language wording for each advice code, taken from the source document's
# guidance ("How is it typically addressed?"). Advice added by template admins
# without wording here falls back to the rule's title.
HANDOUT_ADVICE: dict[str, str] = {
    "reassurance": "Most twitches and cramps are harmless, and nothing in today's check-up suggested otherwise. "
                   "In many cases no treatment is needed.",
    "reduce_caffeine": "Cut down on caffeine, such as coffee, strong tea, cola and energy drinks. "
                       "Caffeine can bring on twitches.",
    "hydration": "Drink enough fluids through the day, and more when you exercise or sweat a lot.",
    "stretching": "Stretch the muscles that cramp regularly, for example before bed or after exercise. "
                  "During a cramp, gently stretching the muscle often brings relief.",
    "electrolyte_intake": "Eat a varied diet that gives you enough salts and minerals "
                          "(sodium, potassium, calcium and magnesium).",
    "trigger_review": "Stress, worry, tiredness and poor sleep can bring on twitches. "
                      "Rest, and ways to ease stress, may help.",
    "medication_review": "Some medicines can cause cramps or twitches. Your doctor will look at your medicines "
                         "with you; do not stop a medicine without talking to them first.",
    "supervised_drug_treatment": "If your symptoms are severe, your doctor may talk with you about medicine "
                                 "for them. This is only taken under a doctor's supervision.",
}

# The five symptoms of "When should you consider seeing a specialist?", in everyday words.
SAFETY_NET: list[str] = [
    "Muscle weakness: for example dropping things, tripping, or trouble with buttons or stairs",
    "Loss of sensation: numbness, or less feeling in part of your body",
    "Changes in muscle size: a muscle that looks thinner or smaller than before",
    "Symptoms that progressively worsen: twitches or cramps that keep getting worse",
    "Persistent pain that interferes with your daily activities",
]

# Plain names for the tests and referral the clinician ordered; blood tests share one line.
HANDOUT_BLOOD_TESTS: dict[str, str] = {
    "electrolytes": "salts and minerals",
    "kidney_panel": "kidney function",
    "thyroid_panel": "thyroid",
    "liver_panel": "liver function",
}
HANDOUT_TESTS: dict[str, str] = {
    "emg": "an EMG, which measures the electrical activity of muscles and nerves",
    "ncv": "nerve conduction studies, which check how well your nerves carry signals",
    "neurology_referral": "an appointment with a neurology specialist (a doctor for nerves and muscles)",
}


def _next_steps(report: ReportContent) -> list[str]:
    """What the clinician ordered, in plain words: referral first, then tests, then tests they added."""
    ordered = [rec for rec in [*report.of_kind("referral"), *report.of_kind("test")] if rec["decision"] == ORDERED]
    blood = [HANDOUT_BLOOD_TESTS[rec["code"]] for rec in ordered if rec["code"] in HANDOUT_BLOOD_TESTS]
    steps = [HANDOUT_TESTS.get(rec["code"], rec["title"]) for rec in ordered if rec["code"] not in HANDOUT_BLOOD_TESTS]
    if blood:
        listed = blood[0] if len(blood) == 1 else ", ".join(blood[:-1]) + " and " + blood[-1]
        steps.insert(1 if steps[:1] == [HANDOUT_TESTS["neurology_referral"]] else 0, f"blood tests: {listed}")
    return steps + [test.title for test in report.decisions.added if test.title]


def handout_context(report: ReportContent) -> dict[str, Any]:
    advice = [HANDOUT_ADVICE.get(rec["code"], rec["title"]) for rec in report.of_kind("advice")
              if rec["code"] != "safety_net"]
    decided = [*report.of_kind("referral"), *report.of_kind("test")]
    return {
        "CLINIC_NAME": settings.CLINIC_NAME,
        "assessment": report.assessment,
        "patient": report.patient,
        "signature": report.signature,
        "advice": advice,
        "next_steps": _next_steps(report),
        # Suggestions without a decision yet (a draft): promise a conversation, not a test.
        "undecided": any(rec["decision"] == NO_DECISION for rec in decided),
        "safety_net": SAFETY_NET,
        "source_document": report.assessment.version.source_document,
    }
