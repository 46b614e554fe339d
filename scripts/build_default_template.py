"""Writes evaluation/data/fasciculation-cramp-v1.json from the clinical spec.

Kept so that the JSON document (the artefact the service loads) can be
regenerated and reviewed as code; the JSON file is what ships and is loaded.
Run: python scripts/build_default_template.py
"""

import json
from pathlib import Path

S_CAUSE = "What can cause fasciculations and cramps?"
S_SPEC = "When should you consider seeing a specialist?"
S_TESTS = "What tests may be performed?"
S_MGMT = "How is it typically addressed?"

REGIONS = [["face", "Face"], ["tongue", "Tongue"], ["neck", "Neck"], ["arms", "Arms"], ["hands", "Hands"],
           ["trunk", "Trunk"], ["legs", "Legs"], ["feet", "Feet"]]


def item(code, type_, label, required=False, choices=None, shown_when=None, help_text="", **extra):
    data = {"code": code, "type": type_, "label": label, "required": required}
    if help_text:
        data["help_text"] = help_text
    if choices:
        data["choices"] = choices
    data.update(extra)
    if shown_when:
        data["shown_when"] = {"item": shown_when, "is": True}
    return data


def yes(code):
    return {"item": code, "is": True}


def finding(code):
    return {"finding": code}


def any_(*parts):
    return {"any": list(parts)}


def all_(*parts):
    return {"all": list(parts)}


def src(section, quote, also=None):
    data = {"section": section, "quote": quote}
    if also:
        data["also"] = [{"section": s, "quote": q} for s, q in also]
    return data


MOVEMENTS = [("shoulder_abduction", "Shoulder abduction"), ("elbow_flexion", "Elbow flexion"),
             ("wrist_extension", "Wrist extension"), ("hip_flexion", "Hip flexion"),
             ("knee_extension", "Knee extension"), ("ankle_dorsiflexion", "Ankle dorsiflexion")]
MRC_HELP = ("0 no contraction; 1 flicker of contraction; 2 movement with gravity eliminated; "
            "3 movement against gravity; 4 against gravity and some resistance; 5 normal")
MRC_CODES = [f"mrc_{m}_{side}" for m, _ in MOVEMENTS for side in ("left", "right")]
RF = [
    ("rf_weakness", "Muscle weakness", True, "Muscle weakness."),
    ("rf_sensory_loss", "Loss of sensation or numbness", True, "Loss of sensation."),
    ("rf_atrophy", "Change in muscle size (wasting)", True, "Changes in muscle size (atrophy)."),
    ("rf_progressive", "Symptoms progressively worsening", True, "Symptoms that progressively worsen."),
    ("rf_persistent_pain", "Persistent pain that interferes with daily activities", True,
     "Persistent pain that interferes with your daily activities."),
    ("rf_bulbar", "Difficulty speaking or swallowing (weakness of speech and swallowing muscles)", False, None),
]
SPEC_LEAD = "it is advisable to seek medical attention, especially if these symptoms are accompanied by: … "
BULBAR_QUOTE = ("While fasciculations can be a symptom of certain neurological diseases affecting motor neurons "
                "(such as ALS) or peripheral nerves")

sections = [
    {"code": "symptoms", "title": "Presenting symptoms (history)", "items": [
        item("fasciculations", "bool", "Fasciculations (small involuntary twitches under the skin)", True,
             help_text="A slight tremor, vibration or throbbing just under the skin; the limb does not move."),
        item("fasciculation_regions", "multi", "Where the twitches occur", choices=REGIONS, shown_when="fasciculations"),
        item("fasciculation_frequency", "choice", "How often",
             choices=[["occasional", "Occasional"], ["daily", "Daily"], ["constant", "Constant"]],
             shown_when="fasciculations"),
        item("cramps", "bool", "Cramps (sudden, painful contraction of a whole muscle)", True,
             help_text="The muscle tenses, feels hard to the touch and resists; seconds to several minutes."),
        item("cramp_regions", "multi", "Where the cramps occur",
             choices=[["calves", "Calves"], ["feet", "Feet"], ["thighs", "Thighs"], ["hands", "Hands"],
                      ["arms", "Arms"], ["trunk", "Trunk"]], shown_when="cramps"),
        item("cramp_frequency", "choice", "How often",
             choices=[["less_than_weekly", "Less than weekly"], ["weekly", "Weekly"], ["daily", "Daily"],
                      ["several_daily", "Several times a day"]], shown_when="cramps"),
        item("cramp_duration", "choice", "How long one cramp lasts",
             choices=[["seconds", "Seconds"], ["minutes", "Minutes"], ["over_10_minutes", "Over 10 minutes"]],
             shown_when="cramps"),
        item("cramp_timing", "multi", "When they happen",
             choices=[["during_exercise", "During exercise"], ["after_exercise", "After exercise"],
                      ["at_rest", "At rest"], ["at_night", "At night"]], shown_when="cramps"),
        item("post_cramp_soreness", "bool", "Pain or tenderness remains after a cramp", shown_when="cramps"),
        item("symptom_weeks", "int", "Weeks since the symptoms began", True, min=0, max=2600,
             help_text="Whole weeks, 0 to 2600."),
    ]},
    {"code": "causes", "title": "Possible triggers and causes (history)", "items": [
        item("trigger_stress", "bool", "Stress or anxiety"),
        item("trigger_fatigue", "bool", "Fatigue or poor sleep"),
        item("trigger_exercise", "bool", "Intense exercise"),
        item("trigger_caffeine", "bool", "High caffeine intake"),
        item("dehydration", "bool", "Low fluid intake or heavy sweating"),
        item("med_diuretic", "bool", "Takes a diuretic"),
        item("med_statin", "bool", "Takes a statin"),
        item("med_other", "text", "Other medicines that may be related"),
        item("pregnancy", "bool", "Pregnant"),
        item("inactivity", "bool", "Prolonged inactivity"),
        item("kidney_disease", "bool", "Chronic kidney disease"),
        item("diabetes", "bool", "Diabetes"),
        item("circulatory_disease", "bool", "Circulatory problems"),
        item("thyroid_disease", "bool", "Known thyroid disease"),
        item("liver_disease", "bool", "Known liver disease"),
    ]},
    {"code": "red_flags", "title": "Red flags (history)", "items": [
        item(code, "bool", label, required) for code, label, required, _ in RF
    ]},
    {"code": "strength", "title": "Examination: strength, MRC grade 0–5 (the MRC sum score muscles)", "items": [
        item(f"mrc_{m}_{side}", "mrc", f"{label}, {side}", help_text=MRC_HELP)
        for m, label in MOVEMENTS for side in ("left", "right")
    ]},
    {"code": "exam", "title": "Examination: findings", "items": [
        item("exam_fasciculations", "bool", "Fasciculations seen"),
        item("exam_fasciculation_regions", "multi", "Where seen", choices=REGIONS, shown_when="exam_fasciculations"),
        item("exam_atrophy", "bool", "Muscle wasting seen"),
        item("exam_atrophy_regions", "multi", "Where", choices=REGIONS, shown_when="exam_atrophy"),
        item("exam_reflexes", "choice", "Tendon reflexes",
             choices=[["normal", "Normal"], ["reduced_or_absent", "Reduced or absent"], ["brisk", "Brisk"]]),
        item("exam_plantar", "choice", "Plantar responses",
             choices=[["flexor", "Flexor"], ["extensor", "Extensor"], ["equivocal", "Equivocal"]]),
        item("exam_sensation", "choice", "Sensation", choices=[["normal", "Normal"], ["reduced", "Reduced"]]),
        item("exam_notes", "text", "Other findings"),
    ]},
]

findings = [
    {"code": "objective_weakness", "title": "Weakness on examination (MRC grade below 5)",
     "absent_reason": "No weakness on examination",
     "condition": any_(*[{"item": c, "lt": 5} for c in MRC_CODES])},
    {"code": "abnormal_exam", "title": "Abnormal examination", "absent_reason": "Examination not abnormal",
     "condition": any_(finding("objective_weakness"), yes("exam_atrophy"),
                       {"item": "exam_reflexes", "in": ["reduced_or_absent", "brisk"]},
                       {"item": "exam_plantar", "in": ["extensor"]},
                       {"item": "exam_sensation", "in": ["reduced"]})},
    {"code": "any_red_flag", "title": "Red flag or abnormal examination",
     "absent_reason": "No red flag and no abnormal examination finding",
     "condition": any_(*[yes(code) for code, *_ in RF], finding("abnormal_exam"))},
    {"code": "exercise_related", "title": "Cramps related to exercise", "absent_reason": "Cramps not related to exercise",
     "condition": all_(yes("cramps"), any_(yes("trigger_exercise"),
                                            {"item": "cramp_timing", "includes": "during_exercise"},
                                            {"item": "cramp_timing", "includes": "after_exercise"}))},
    {"code": "identified_cause", "title": "Trigger or cause identified", "absent_reason": "No trigger or cause identified",
     "condition": any_(*[yes(c) for c in ("trigger_stress", "trigger_fatigue", "trigger_exercise", "trigger_caffeine",
                                          "dehydration", "med_diuretic", "med_statin")],
                       {"item": "med_other", "present": True},
                       *[yes(c) for c in ("pregnancy", "inactivity", "kidney_disease", "diabetes",
                                          "circulatory_disease", "thyroid_disease", "liver_disease")])},
    {"code": "motor_concern", "title": "Fasciculations with weakness or wasting",
     "absent_reason": "No fasciculations with weakness or wasting",
     "condition": all_(any_(yes("fasciculations"), yes("exam_fasciculations")),
                       any_(yes("rf_weakness"), yes("rf_atrophy"), yes("rf_bulbar"),
                            finding("objective_weakness"), yes("exam_atrophy")))},
]

TESTS_QUOTE = ("If your doctor suspects an underlying cause, they may order blood tests to assess electrolyte levels, "
               "thyroid, kidney, and liver function, among others.")
rules = []
for code, label, _, quote in RF:
    source = src(S_SPEC, SPEC_LEAD + quote) if quote else src(S_CAUSE, BULBAR_QUOTE)
    rules.append({"code": code, "kind": "red_flag", "title": label, "condition": yes(code), "source": source})
rules += [
    {"code": "objective_weakness", "kind": "red_flag", "title": "Weakness on examination (MRC grade below 5)",
     "condition": finding("objective_weakness"), "source": src(S_SPEC, SPEC_LEAD + "Muscle weakness.")},
    {"code": "exam_atrophy", "kind": "red_flag", "title": "Muscle wasting seen on examination",
     "condition": yes("exam_atrophy"), "source": src(S_SPEC, SPEC_LEAD + "Changes in muscle size (atrophy).")},
    {"code": "electrolytes", "kind": "test", "title": "Electrolytes: sodium, potassium, calcium, magnesium",
     "priority": "routine",
     "condition": any_(all_(yes("cramps"), any_(finding("exercise_related"), yes("dehydration"), yes("med_diuretic"),
                                                 yes("pregnancy"), yes("kidney_disease"))),
                       finding("any_red_flag")),
     "source": src(S_CAUSE, "Exercise-associated muscle cramps are common and are often related to muscle fatigue, "
                            "dehydration, and electrolyte imbalances such as sodium, potassium, calcium, and magnesium.",
                   also=[(S_TESTS, TESTS_QUOTE)])},
    {"code": "kidney_panel", "kind": "test", "title": "Kidney function: creatinine, eGFR, urea", "priority": "routine",
     "condition": any_(yes("kidney_disease"), yes("med_diuretic"), all_(yes("diabetes"), yes("cramps")),
                       finding("any_red_flag")),
     "source": src(S_CAUSE, "Other common causes include pregnancy, prolonged inactivity, certain medical conditions "
                            "such as chronic kidney failure, diabetes, circulatory problems, and some medications "
                            "(diuretics, statins, etc.).", also=[(S_TESTS, TESTS_QUOTE)])},
    {"code": "thyroid_panel", "kind": "test", "title": "Thyroid function: TSH, free T4", "priority": "routine",
     "condition": any_(yes("thyroid_disease"),
                       all_(yes("fasciculations"), yes("cramps"), {"not": finding("identified_cause")}),
                       finding("any_red_flag")),
     "source": src(S_TESTS, TESTS_QUOTE)},
    {"code": "liver_panel", "kind": "test", "title": "Liver function: ALT, AST, ALP, bilirubin, albumin",
     "priority": "routine",
     "condition": any_(yes("med_statin"), yes("liver_disease"), finding("any_red_flag")),
     "source": src(S_TESTS, TESTS_QUOTE,
                   also=[(S_CAUSE, "some medications (diuretics, statins, etc.)")])},
    {"code": "emg", "kind": "test", "title": "Electromyography (EMG)", "priority": "routine",
     "urgent_when": finding("motor_concern"),
     "condition": any_(yes("rf_weakness"), yes("rf_atrophy"), yes("rf_progressive"), yes("rf_bulbar"),
                       finding("objective_weakness"), yes("exam_atrophy"),
                       {"item": "exam_reflexes", "in": ["brisk"]}, {"item": "exam_plantar", "in": ["extensor"]}),
     "source": src(S_TESTS, "In some cases, electromyography (EMG), which measures the electrical activity of "
                            "muscles and nerves")},
    {"code": "ncv", "kind": "test", "title": "Nerve conduction studies (NCV)", "priority": "routine",
     "condition": any_(yes("rf_sensory_loss"), {"item": "exam_sensation", "in": ["reduced"]},
                       {"item": "exam_reflexes", "in": ["reduced_or_absent"]}, yes("rf_weakness"), yes("rf_atrophy"),
                       finding("objective_weakness")),
     "source": src(S_TESTS, "nerve conduction velocity (NCV) studies may be performed to assess peripheral nerve "
                            "function.")},
    {"code": "neurology_referral", "kind": "referral", "title": "Neurology referral", "priority": "routine",
     "urgent_when": any_(finding("motor_concern"), yes("rf_bulbar")),
     "condition": finding("any_red_flag"),
     "source": src(S_SPEC, "In these cases, it is advisable to see a neurology specialist for a more detailed "
                           "evaluation.")},
    {"code": "benign_fasciculation_pattern", "kind": "pattern",
     "title": "Pattern consistent with benign fasciculation syndrome",
     "condition": all_(yes("fasciculations"), {"item": "cramps", "is": False}, {"not": finding("any_red_flag")}),
     "source": src(S_CAUSE, "benign fasciculation syndrome (only fasciculations without other problems)")},
    {"code": "cramp_fasciculation_pattern", "kind": "pattern",
     "title": "Pattern consistent with idiopathic fasciculation-cramp syndrome",
     "condition": all_(yes("fasciculations"), yes("cramps"), {"not": finding("any_red_flag")},
                       {"not": finding("identified_cause")}),
     "source": src(S_CAUSE, "idiopathic fasciculation-cramp syndrome (coexistence of both without a clear cause)")},
    {"code": "exercise_associated_cramps", "kind": "pattern", "title": "Exercise-associated cramps",
     "condition": all_(finding("exercise_related"), {"not": finding("any_red_flag")}),
     "source": src(S_CAUSE, "Exercise-associated muscle cramps are common and are often related to muscle fatigue, "
                            "dehydration, and electrolyte imbalances")},
    {"code": "reassurance", "kind": "advice", "title": "Reassure: most fasciculations and cramps are benign",
     "condition": {"not": finding("any_red_flag")},
     "source": src(S_MGMT, "In many benign cases, no specific treatment is required beyond reassuring the patient")},
    {"code": "reduce_caffeine", "kind": "advice", "title": "Reduce caffeine", "condition": yes("trigger_caffeine"),
     "source": src(S_MGMT, "advising about possible triggers (such as reducing caffeine consumption or improving "
                           "hydration)")},
    {"code": "hydration", "kind": "advice", "title": "Keep well hydrated",
     "condition": all_(yes("cramps"), any_(yes("dehydration"), finding("exercise_related"))),
     "source": src(S_MGMT, "For cramps, preventative measures such as regular stretching, maintaining good "
                           "hydration, and ensuring adequate electrolyte intake may be helpful.",
                   also=[(S_MGMT, "advising about possible triggers (such as reducing caffeine consumption or "
                                  "improving hydration)")])},
    {"code": "stretching", "kind": "advice", "title": "Stretch regularly, and gently stretch the muscle during a cramp",
     "condition": yes("cramps"),
     "source": src(S_MGMT, "For cramps, preventative measures such as regular stretching, maintaining good "
                           "hydration, and ensuring adequate electrolyte intake may be helpful. During a cramp, gently "
                           "stretching the affected muscle often provides relief.")},
    {"code": "electrolyte_intake", "kind": "advice", "title": "Ensure adequate electrolyte intake",
     "condition": yes("cramps"),
     "source": src(S_MGMT, "For cramps, preventative measures such as regular stretching, maintaining good "
                           "hydration, and ensuring adequate electrolyte intake may be helpful.")},
    {"code": "trigger_review", "kind": "advice", "title": "Discuss triggers: stress, anxiety, fatigue and sleep",
     "condition": any_(yes("trigger_stress"), yes("trigger_fatigue")),
     "source": src(S_MGMT, "no specific treatment is required beyond reassuring the patient and advising about "
                           "possible triggers",
                   also=[(S_CAUSE, "they occur in healthy people and can be related to factors such as stress, "
                                   "anxiety, fatigue, intense exercise, or caffeine consumption.")])},
    {"code": "medication_review", "kind": "advice", "title": "Review medicines that can cause cramps or twitches",
     "condition": any_(yes("med_diuretic"), yes("med_statin"), {"item": "med_other", "present": True}),
     "source": src(S_CAUSE, "They can also be a side effect of some medications.")},
    {"code": "supervised_drug_treatment", "kind": "advice",
     "title": "Consider drug treatment under a physician's supervision",
     "condition": any_({"item": "cramp_frequency", "in": ["daily", "several_daily"]}, yes("rf_persistent_pain")),
     "source": src(S_MGMT, "In cases where symptoms are severe or related to an underlying medical condition, drug "
                           "treatment may be considered under the supervision of a physician.")},
    {"code": "safety_net", "kind": "advice",
     "title": "Come back if weakness, numbness, wasting, worsening symptoms or persistent pain appear",
     "condition": all_(),
     "source": src(S_SPEC, "Muscle weakness. … Loss of sensation. … Changes in muscle size (atrophy). … Symptoms "
                           "that progressively worsen. … Persistent pain that interferes with your daily activities.")},
]

ALL_NO_RF = {code: False for code, *_ in RF}
MRC_ALL_5 = {c: 5 for c in MRC_CODES}
NORMAL_EXAM = {"exam_fasciculations": False, "exam_atrophy": False, "exam_reflexes": "normal",
               "exam_plantar": "flexor", "exam_sensation": "normal"}
NO_CAUSES = {c: False for c in ("trigger_stress", "trigger_fatigue", "trigger_exercise", "trigger_caffeine",
                                "dehydration", "med_diuretic", "med_statin", "pregnancy", "inactivity",
                                "kidney_disease", "diabetes", "circulatory_disease", "thyroid_disease", "liver_disease")}


def case(name, answers, **expect):
    return {"name": name, "answers": answers, "expect": expect}


cases = [
    case("Worked example 1: twitching calves, caffeine and stress",
         {"fasciculations": True, "fasciculation_regions": ["legs"], "fasciculation_frequency": "daily",
          "cramps": False, "symptom_weeks": 6, **NO_CAUSES, "trigger_caffeine": True, "trigger_stress": True,
          **ALL_NO_RF, **MRC_ALL_5, **NORMAL_EXAM},
         red_flags={"exactly": []}, tests={"exactly": []}, referrals={"exactly": []},
         patterns={"exactly": ["benign_fasciculation_pattern"]},
         advice={"includes": ["reassurance", "reduce_caffeine", "trigger_review", "safety_net"]}),
    # "No red flags" is read as the spec's any_red_flag being false: history and examination both normal.
    case("Worked example 2: calf cramps on long runs with heavy sweating",
         {"fasciculations": False, "cramps": True, "cramp_regions": ["calves"], "cramp_frequency": "weekly",
          "cramp_duration": "minutes", "cramp_timing": ["during_exercise"], "symptom_weeks": 8,
          "trigger_exercise": True, "dehydration": True, **ALL_NO_RF, **MRC_ALL_5, **NORMAL_EXAM},
         red_flags={"exactly": []}, tests={"exactly": ["electrolytes"]}, referrals={"exactly": []},
         patterns={"exactly": ["exercise_associated_cramps"]},
         advice={"includes": ["hydration", "stretching", "electrolyte_intake"]}),
    case("Worked example 3: night cramps with a diuretic and chronic kidney disease",
         {"fasciculations": False, "cramps": True, "cramp_regions": ["calves"], "cramp_timing": ["at_night"],
          "symptom_weeks": 10, "med_diuretic": True, "kidney_disease": True, **ALL_NO_RF},
         red_flags={"exactly": []}, tests={"exactly": ["electrolytes", "kidney_panel"]}, referrals={"exactly": []},
         patterns={"exactly": []}, advice={"includes": ["medication_review", "stretching"]}),
    case("Worked example 4: hand twitches with progressive weakness and wasting",
         {"fasciculations": True, "fasciculation_regions": ["hands", "arms"], "fasciculation_frequency": "daily",
          "cramps": False, "symptom_weeks": 13, **ALL_NO_RF, "rf_weakness": True, "rf_atrophy": True,
          "rf_progressive": True, **MRC_ALL_5, "mrc_wrist_extension_right": 4, "exam_fasciculations": True,
          "exam_fasciculation_regions": ["hands"], "exam_atrophy": True, "exam_atrophy_regions": ["hands"],
          "exam_reflexes": "normal", "exam_plantar": "flexor", "exam_sensation": "normal",
          "exam_notes": "Wasting of the right first dorsal interosseous."},
         red_flags={"exactly": ["rf_weakness", "rf_atrophy", "rf_progressive", "objective_weakness", "exam_atrophy"]},
         tests={"exactly": ["electrolytes", "kidney_panel", "thyroid_panel", "liver_panel", "emg", "ncv"]},
         priorities={"emg": "urgent"}, referrals={"exactly": ["neurology_referral"]}, referral_priority="urgent",
         patterns={"exactly": []}, advice={"excludes": ["reassurance"]}),
    case("Statin and liver disease with twitches only",
         {"fasciculations": True, "cramps": False, "symptom_weeks": 4, **NO_CAUSES, "med_statin": True,
          "liver_disease": True, **ALL_NO_RF, **MRC_ALL_5, **NORMAL_EXAM},
         tests={"exactly": ["liver_panel"]}, referral_priority="none",
         patterns={"exactly": ["benign_fasciculation_pattern"]}, advice={"includes": ["medication_review"]}),
    case("Twitches and cramps with no cause found",
         {"fasciculations": True, "cramps": True, "cramp_timing": ["at_rest"], "cramp_frequency": "weekly",
          "symptom_weeks": 20, **NO_CAUSES, **ALL_NO_RF, **MRC_ALL_5, **NORMAL_EXAM},
         red_flags={"exactly": []}, tests={"exactly": ["thyroid_panel"]},
         patterns={"exactly": ["cramp_fasciculation_pattern"]},
         advice={"includes": ["reassurance", "stretching", "electrolyte_intake"], "excludes": ["hydration"]}),
    case("Numbness with reduced sensation",
         {"fasciculations": False, "cramps": False, "symptom_weeks": 5, **ALL_NO_RF, "rf_sensory_loss": True,
          "exam_sensation": "reduced"},
         red_flags={"exactly": ["rf_sensory_loss"]}, tests={"includes": ["ncv"], "excludes": ["emg"]},
         referral_priority="routine", patterns={"exactly": []}),
    case("Tongue twitches with difficulty swallowing",
         {"fasciculations": True, "fasciculation_regions": ["tongue"], "cramps": False, "symptom_weeks": 9,
          **ALL_NO_RF, "rf_bulbar": True},
         red_flags={"exactly": ["rf_bulbar"]}, priorities={"emg": "urgent"}, referral_priority="urgent"),
    case("Brisk reflexes and extensor plantars without twitches",
         {"fasciculations": False, "cramps": False, "symptom_weeks": 3, **ALL_NO_RF, "exam_reflexes": "brisk",
          "exam_plantar": "extensor"},
         red_flags={"exactly": []}, tests={"includes": ["emg"], "excludes": ["ncv"]}, priorities={"emg": "routine"},
         referral_priority="routine", advice={"excludes": ["reassurance"]}),
    case("Daily cramps in pregnancy with persistent pain",
         {"fasciculations": False, "cramps": True, "cramp_frequency": "daily", "cramp_timing": ["at_night"],
          "symptom_weeks": 6, "pregnancy": True, **ALL_NO_RF, "rf_persistent_pain": True},
         red_flags={"exactly": ["rf_persistent_pain"]}, tests={"includes": ["electrolytes"], "excludes": ["emg"]},
         referral_priority="routine", advice={"includes": ["supervised_drug_treatment", "safety_net"]}),
    case("Cramps with diabetes and thyroid disease",
         {"fasciculations": False, "cramps": True, "cramp_timing": ["at_night"], "symptom_weeks": 30,
          **NO_CAUSES, "diabetes": True, "thyroid_disease": True, **ALL_NO_RF},
         tests={"exactly": ["kidney_panel", "thyroid_panel"]}, patterns={"exactly": []},
         advice={"includes": ["stretching"], "excludes": ["supervised_drug_treatment", "medication_review"]}),
    case("Twitches from fatigue and cramps after exercise",
         {"fasciculations": True, "cramps": True, "cramp_timing": ["after_exercise"], "symptom_weeks": 2,
          **NO_CAUSES, "trigger_fatigue": True, **ALL_NO_RF, **MRC_ALL_5, **NORMAL_EXAM},
         tests={"exactly": ["electrolytes"]}, patterns={"exactly": ["exercise_associated_cramps"]},
         advice={"includes": ["trigger_review", "hydration"]}),
    case("Progressive symptoms alone",
         {"fasciculations": False, "cramps": True, "symptom_weeks": 40, **ALL_NO_RF, "rf_progressive": True},
         red_flags={"exactly": ["rf_progressive"]},
         tests={"exactly": ["electrolytes", "kidney_panel", "thyroid_panel", "liver_panel", "emg"]},
         priorities={"emg": "routine"}, referral_priority="routine"),
    case("Unanswered questions never trigger anything",
         {"fasciculations": True, "cramp_timing": ["during_exercise"], "trigger_exercise": True},
         red_flags={"exactly": []}, tests={"exactly": []}, patterns={"exactly": []}, referrals={"exactly": []},
         advice={"includes": ["safety_net"], "excludes": ["hydration", "stretching", "reassurance"]}),
    case("Red flags answered no but no examination recorded",
         {"fasciculations": True, "cramps": True, "symptom_weeks": 8, **NO_CAUSES, **ALL_NO_RF},
         red_flags={"exactly": []}, referrals={"exactly": []}, patterns={"exactly": []},
         advice={"excludes": ["reassurance"]}),
]

document = {
    "format": 1,
    "template": {"slug": "fasciculation-cramp", "title": "Fasciculations and cramps"},
    "version": {
        "number": 1,
        "title": "Fasciculations and cramps: initial assessment",
        "source_document": "Understanding Fasciculations and Cramps: Causes and What They Mean (15/03/2025)",
    },
    "sections": sections,
    "findings": findings,
    "rules": rules,
    "cases": cases,
}

out = Path(__file__).resolve().parent.parent / "evaluation" / "data" / "fasciculation-cramp-v1.json"
out.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
print(f"wrote {out.name}: {sum(len(s['items']) for s in sections)} items, {len(rules)} rules, {len(cases)} cases")
