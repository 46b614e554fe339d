"""The patient handout: plain-language wording of what the report says, for the patient to take home.

All wording comes from the template version: each rule's ``patient_text``, and
its ``role`` says where it goes (``safety_net``: the "when to come back" list;
``referral``: named first, with its urgency; ``blood_test``: grouped on one
line). A rule without patient text falls back to its title.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from ..decisions import NO_DECISION, ORDERED
from ..engine import CompiledTemplate
from .content import ReportContent


def _rule(compiled: CompiledTemplate, kind: str, code: str) -> dict[str, Any]:
    return compiled.rule_documents.get((kind, code), {})


def _patient_text(compiled: CompiledTemplate, kind: str, rec: dict[str, Any]) -> str:
    rule = _rule(compiled, kind, rec["code"])
    return rule.get("patient_text") or rule.get("title") or rec["title"]


def _role(compiled: CompiledTemplate, kind: str, code: str) -> str:
    return _rule(compiled, kind, code).get("role", "")


def _listed(words: list[str]) -> str:
    if len(words) == 1:
        return words[0]
    return _("%(first)s and %(last)s") % {"first": ", ".join(words[:-1]), "last": words[-1]}


def _next_steps(report: ReportContent, compiled: CompiledTemplate) -> list[str]:
    """What the clinician ordered, in plain words: referrals first (with urgency), then blood tests, then the rest."""
    ordered = [(kind, rec) for kind in ("referral", "test") for rec in report.of_kind(kind)
               if rec["decision"] == ORDERED]
    referrals, blood, others = [], [], []
    for kind, rec in ordered:
        role = _role(compiled, kind, rec["code"])
        text = _patient_text(compiled, kind, rec)
        if role == "referral":
            urgent = _("%(referral)s, soon: your doctor has marked this as urgent") % {"referral": text}
            referrals.append(urgent if rec.get("priority") == "urgent" else text)
        elif role == "blood_test":
            blood.append(text)
        else:
            others.append(text)
    steps = referrals + ([_("blood tests: %(tests)s") % {"tests": _listed(blood)}] if blood else []) + others
    return steps + [test.title for test in report.decisions.added if test.title]


def _safety_net(report: ReportContent, compiled: CompiledTemplate) -> tuple[str, list[str]]:
    """The safety-net rule's introduction and the red-flag symptoms the patient does not have yet.

    Empty when the template has no safety-net rule or it did not fire.
    """
    fired = [rec for rec in report.of_kind("advice") if _role(compiled, "advice", rec["code"]) == "safety_net"]
    if not fired:
        return "", []
    # By wording, not code: a red flag found on examination shares the wording of the one the patient reports.
    present = {_rule(compiled, "red_flag", rec["code"]).get("patient_text") for rec in report.of_kind("red_flag")}
    symptoms = [raw["patient_text"] for (kind, _), raw in compiled.rule_documents.items()
                if kind == "red_flag" and raw.get("patient_text") and raw["patient_text"] not in present]
    return _patient_text(compiled, "advice", fired[0]), list(dict.fromkeys(symptoms))


def _concerns(report: ReportContent, compiled: CompiledTemplate) -> list[str]:
    """The red flags found today, in the patient's words (the part before any colon)."""
    return list(dict.fromkeys(raw["patient_text"].split(":", 1)[0] for rec in report.of_kind("red_flag")
                              if (raw := _rule(compiled, "red_flag", rec["code"])).get("patient_text")))


def handout_context(report: ReportContent) -> dict[str, Any]:
    """In the active language: the caller renders the handout in the patient's language."""
    compiled = report.assessment.version.compiled(get_language())
    advice = [_patient_text(compiled, "advice", rec) for rec in report.of_kind("advice")
              if _role(compiled, "advice", rec["code"]) != "safety_net"]
    decided = [*report.of_kind("referral"), *report.of_kind("test")]
    safety_intro, safety_net = _safety_net(report, compiled)
    return {
        "CLINIC_NAME": settings.CLINIC_NAME,
        "assessment": report.assessment,
        "patient": report.patient,
        "signature": report.signature,
        "advice": advice,
        "next_steps": _next_steps(report, compiled),
        "concerns": _concerns(report, compiled),
        # Suggestions without a decision yet (a draft): promise a conversation, not a test.
        "undecided": any(rec["decision"] == NO_DECISION for rec in decided),
        "safety_intro": safety_intro,
        "safety_net": safety_net,
        "source_document": report.assessment.version.source_document,
    }
