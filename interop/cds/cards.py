"""The engine's output as CDS Hooks cards.

Red flags are ``critical``; patterns and advice ``info``; each suggested test
and referral is a card (``warning`` when urgent) whose one suggestion creates
the ServiceRequest. Every card names the source document in ``source.label``
and quotes its passage in ``detail``: a suggestion that cannot show where it
comes from is not shown.
"""

from __future__ import annotations

from typing import Any

from evaluation.decisions import key_of
from evaluation.engine import DECISION_KINDS, OUTPUT_KEYS
from evaluation.models import TemplateVersion

from ..fhir.common import codings, derived_id, validated

SUMMARY_LIMIT = 140
CARD_ORDER = ("red_flag", "referral", "test", "pattern", "advice")
INDICATORS = {"red_flag": "critical", "pattern": "info", "advice": "info"}
OVERRIDE_SYSTEM_PATH = "/CodeSystem/cds-override-reason"
OVERRIDE_REASONS = (("already-done", "Already done or ordered"), ("not-indicated", "Not indicated for this patient"),
                    ("patient-declined", "Patient declined"))


def _summary(text: str) -> str:
    return text if len(text) < SUMMARY_LIMIT else text[: SUMMARY_LIMIT - 2].rstrip() + "…"


def _passages(rec: dict[str, Any]) -> list[dict[str, str]]:
    source = rec.get("source") or {}
    return [p for p in [source, *source.get("also", [])] if isinstance(p, dict) and p.get("quote")]


def detail_markdown(rec: dict[str, Any]) -> str:
    """Why the card is shown (the findings that made the rule fire) and the passage it rests on."""
    parts = []
    reasons = [r for r in rec.get("reasons", []) if r != rec.get("title")]
    if reasons:
        parts.append("**Why:** " + "; ".join(reasons) + ".")
    if rec.get("detail"):
        parts.append(rec["detail"])
    for passage in _passages(rec):
        parts.append(f"> {passage['quote']}\n>\n> — *{passage.get('section', '')}*")
    return "\n\n".join(parts)


def proposed_request(version: TemplateVersion, rec: dict[str, Any], kind: str, patient_id: str) -> dict[str, Any]:
    """The ServiceRequest a suggestion's action creates: a proposal, until the clinician signs the order."""
    key = key_of(rec, kind)
    code: dict[str, Any] = {"text": rec["title"]}
    if codings(version.template.slug, "suggestions", key):
        code["coding"] = codings(version.template.slug, "suggestions", key)
    resource = {"resourceType": "ServiceRequest", "status": "draft", "intent": "proposal",
                "priority": rec.get("priority") or "routine", "code": code,
                "subject": {"reference": f"Patient/{patient_id}"}}
    if rec.get("reasons"):
        resource["reasonCode"] = [{"text": reason} for reason in rec["reasons"]]
    return validated(resource)


class CardMaker:
    def __init__(self, version: TemplateVersion, base: str, hook_instance: str, patient_id: str):
        self.version, self.base, self.hook_instance, self.patient_id = version, base, hook_instance, patient_id

    def source(self, rec: dict[str, Any], key: str) -> dict[str, Any]:
        return {"label": self.version.source_document or self.version.title,
                "topic": {"system": f"{self.base}/sid/suggestion", "code": key, "display": rec["title"]}}

    def card(self, rec: dict[str, Any], kind: str) -> dict[str, Any]:
        key = key_of(rec, kind)
        card: dict[str, Any] = {
            "uuid": derived_id(self.hook_instance, key),
            "summary": _summary(rec["title"]),
            "indicator": INDICATORS.get(kind) or ("warning" if rec.get("priority") == "urgent" else "info"),
            "detail": detail_markdown(rec),
            "source": self.source(rec, key),
        }
        if kind in DECISION_KINDS:
            card.update(self.suggestion(rec, kind, key))
        return card

    def suggestion(self, rec: dict[str, Any], kind: str, key: str) -> dict[str, Any]:
        verb = "Refer" if kind == "referral" else "Order"
        action = {"type": "create", "description": f"{verb}: {rec['title']} ({rec.get('priority') or 'routine'})",
                  "resource": proposed_request(self.version, rec, kind, self.patient_id)}
        system = f"{self.base}{OVERRIDE_SYSTEM_PATH}"
        return {
            "suggestions": [{"label": f"{verb}: {rec['title']}", "uuid": derived_id(self.hook_instance, key, "order"),
                             "isRecommended": True, "actions": [action]}],
            "selectionBehavior": "at-most-one",
            "overrideReasons": [{"system": system, "code": code, "display": display}
                                for code, display in OVERRIDE_REASONS],
        }

    def cards(self, output: dict[str, Any]) -> list[dict[str, Any]]:
        return [self.card(rec, kind) for kind in CARD_ORDER for rec in output.get(OUTPUT_KEYS[kind], [])]
