"""A template version as a FHIR Questionnaire, built from its document (whatever format it is in).

Sections become groups and items questions with ``linkId`` = item code. "Shown
when" becomes ``enableWhen`` where FHIR can say it (one item compared with a
value, or all/any of such comparisons); a condition FHIR cannot express (on a
derived finding, on the patient context, nested logic) is carried verbatim in
an extension, so nothing is silently dropped.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.utils.translation import get_language

from evaluation.engine import localized
from evaluation.models import TemplateVersion

from .common import codings, questionnaire_id, questionnaire_url, validated

ITEM_TYPES = {"bool": "boolean", "choice": "choice", "multi": "choice", "int": "integer", "mrc": "integer",
              "text": "text"}
STATUSES = {"draft": "draft", "published": "active", "superseded": "retired", "retired": "retired"}
MRC_RANGE = (0, 5)
TEXT_MAX_LENGTH = 2000
COMPARISONS = {"gte": ">=", "gt": ">", "lte": "<=", "lt": "<"}
ITEM_CONTROL = "http://hl7.org/fhir/StructureDefinition/questionnaire-itemControl"
MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"


def choice_system(base: str, slug: str, item_code: str) -> str:
    """The code system of one item's choices: per template, since versions keep a code's meaning."""
    return f"{base}/CodeSystem/{slug}/{item_code}"


def shown_when_extension(base: str) -> str:
    return f"{base}/StructureDefinition/shown-when"


class _Builder:
    def __init__(self, version: TemplateVersion, base: str):
        self.version, self.base = version, base
        self.language = get_language()
        self.document = localized(version.to_document(), self.language)
        self.slug = self.document["template"]["slug"]
        self.items = {raw["code"]: raw for section in self.document["sections"] for raw in section["items"]}

    def build(self) -> dict[str, Any]:
        version, document = self.version, self.document
        date = version.published_at or version.created_at
        return {
            "resourceType": "Questionnaire",
            "id": questionnaire_id(version),
            "language": self.language,
            "url": questionnaire_url(self.base, version),
            "version": str(version.number),
            "name": "".join(part.capitalize() for part in self.slug.replace("_", "-").split("-") if part)
            + str(version.number),
            "title": document["version"]["title"],
            "status": STATUSES.get(version.status, "unknown"),
            "subjectType": ["Patient"],
            "date": date.isoformat(),
            "publisher": settings.CLINIC_NAME,
            "description": f"Checklist {version.label}. Suggestions cite: {document['version']['source_document']}",
            "item": [self.group(section) for section in document["sections"] if section["items"]],
        }

    def group(self, section: dict[str, Any]) -> dict[str, Any]:
        # linkIds are unique across the whole Questionnaire; a section code could repeat an item code.
        link_id = section["code"] if section["code"] not in self.items else f"section-{section['code']}"
        return {"linkId": link_id, "text": section["title"], "type": "group",
                "item": [self.question(raw) for raw in section["items"]]}

    def question(self, raw: dict[str, Any]) -> dict[str, Any]:
        item: dict[str, Any] = {"linkId": raw["code"], "text": raw["label"], "type": ITEM_TYPES[raw["type"]],
                                "required": bool(raw.get("required"))}
        codes = codings(self.slug, "items", raw["code"])
        if codes:
            item["code"] = codes
        if raw["type"] == "multi":
            item["repeats"] = True
        if raw.get("choices"):
            system = choice_system(self.base, self.slug, raw["code"])
            item["answerOption"] = [{"valueCoding": {"system": system, "code": code, "display": label}}
                                    for code, label in raw["choices"]]
        if raw["type"] == "text":
            item["maxLength"] = TEXT_MAX_LENGTH
        shown = self.enable_when(raw.get("shown_when"))
        extensions = self.limits(raw) + shown.pop("extension", [])
        item.update(shown)
        if extensions:
            item["extension"] = extensions
        if raw.get("help_text"):
            item["item"] = [help_item(raw["code"], raw["help_text"])]
        return item

    def limits(self, raw: dict[str, Any]) -> list[dict[str, Any]]:
        if raw["type"] not in ("int", "mrc"):
            return []
        low, high = MRC_RANGE if raw["type"] == "mrc" else (raw.get("min"), raw.get("max"))
        return [{"url": url, "valueInteger": value} for url, value in ((MIN_VALUE, low), (MAX_VALUE, high))
                if value is not None]

    def enable_when(self, condition: Any) -> dict[str, Any]:
        if condition is None:
            return {}
        expressed = self.expressed(condition)
        if expressed is None:
            extension = {"url": shown_when_extension(self.base), "valueString": json.dumps(condition, sort_keys=True)}
            return {"extension": [extension]}
        clauses, behavior = expressed
        return {"enableWhen": clauses, **({"enableBehavior": behavior} if len(clauses) > 1 else {})}

    def expressed(self, condition: dict[str, Any]) -> tuple[list[dict[str, Any]], str] | None:
        """enableWhen clauses and their behaviour ("all" or "any"), or None where FHIR cannot say it."""
        for behavior in ("all", "any"):
            if isinstance(condition.get(behavior), list) and len(condition) == 1:
                atoms = [self.atom(c) for c in condition[behavior]]
                if any(a is None for a in atoms) or (behavior == "all" and any(len(a) > 1 for a in atoms)):
                    return None
                return [clause for atom in atoms for clause in atom], behavior
        atom = self.atom(condition)
        return None if atom is None else (atom, "any")

    def atom(self, cond: Any) -> list[dict[str, Any]] | None:
        """One comparison of one item, as enableWhen clauses (``in`` gives one per value, to be any-ed)."""
        raw = self.items.get(cond.get("item")) if isinstance(cond, dict) else None
        if raw is None:
            return None
        question = raw["code"]
        if "is" in cond:
            return [{"question": question, "operator": "=", "answerBoolean": cond["is"]}]
        if "present" in cond:
            return [{"question": question, "operator": "exists", "answerBoolean": bool(cond["present"])}]
        if "in" in cond or "includes" in cond:
            values = cond["in"] if "in" in cond else [cond["includes"]]
            return [{"question": question, "operator": "=", "answerCoding": self.coding(raw, v)} for v in values]
        for op, operator in COMPARISONS.items():
            if op in cond:
                return [{"question": question, "operator": operator, "answerInteger": cond[op]}]
        return None

    def coding(self, raw: dict[str, Any], code: str) -> dict[str, str]:
        label = dict((c[0], c[1]) for c in raw.get("choices") or []).get(code, code)
        return {"system": choice_system(self.base, self.slug, raw["code"]), "code": code, "display": label}


def help_item(code: str, text: str) -> dict[str, Any]:
    control = {"coding": [{"system": "http://hl7.org/fhir/questionnaire-item-control", "code": "help"}]}
    return {"linkId": f"{code}.help", "text": text, "type": "display",
            "extension": [{"url": ITEM_CONTROL, "valueCodeableConcept": control}]}


def questionnaire(version: TemplateVersion, base: str) -> dict[str, Any]:
    """The version as a validated Questionnaire; ``base`` is this service's FHIR base URL."""
    return validated(_Builder(version, base).build())
