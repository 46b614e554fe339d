"""Answers as a FHIR QuestionnaireResponse, and back (the CDS Hooks service reads answers this way).

Only the answers a reader would see are written: a question hidden by its
"shown when" does not apply and is left out, as on the printed summary.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.utils.translation import get_language

from evaluation.engine import CompiledTemplate, ItemSpec, localized
from evaluation.models import TemplateVersion

from .common import questionnaire_url, validated
from .questionnaire import choice_system


@dataclass(frozen=True)
class Authorship:
    """Who answered and when: the signature of a signed revision, the last save of a draft."""

    status: str  # in-progress, completed or amended
    authored: str  # ISO date-time
    author_name: str
    author_username: str
    revision: int | None = None


def answer_values(base: str, slug: str, item: ItemSpec, value: Any) -> list[dict[str, Any]]:
    if item.type == "bool":
        return [{"valueBoolean": value}]
    if item.type in ("int", "mrc"):
        return [{"valueInteger": value}]
    if item.type == "text":
        return [{"valueString": value}]
    labels = item.choice_labels
    codes = value if item.type == "multi" else [value]
    return [{"valueCoding": {"system": choice_system(base, slug, item.code), "code": code,
                             "display": labels.get(code, code)}} for code in codes]


def _groups(version: TemplateVersion, base: str, answers: dict[str, Any],
            context: dict[str, Any] | None) -> list[dict[str, Any]]:
    language = get_language()
    compiled = version.compiled(language)
    visible, _ = compiled.visible_answers(answers, context)
    slug = version.template.slug
    groups = []
    for section in localized(version.to_document(), language)["sections"]:
        items = [{"linkId": code, "text": compiled.items[code].label,
                  "answer": answer_values(base, slug, compiled.items[code], visible[code])}
                 for code in (raw["code"] for raw in section["items"]) if visible.get(code) is not None]
        if items:
            link_id = section["code"] if section["code"] not in compiled.items else f"section-{section['code']}"
            groups.append({"linkId": link_id, "text": section["title"], "item": items})
    return groups


def questionnaire_response(*, version: TemplateVersion, base: str, assessment_id: str, patient_id: str,
                           answers: dict[str, Any], context: dict[str, Any] | None,
                           authorship: Authorship) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "id": assessment_id,
        "identifier": {"system": f"{base}/sid/assessment", "value": assessment_id},
        "questionnaire": questionnaire_url(base, version),
        "status": authorship.status,
        "subject": {"reference": f"Patient/{patient_id}"},
        "authored": authorship.authored,
        "author": {"identifier": {"system": f"{base}/sid/username", "value": authorship.author_username},
                   "display": authorship.author_name},
        "item": _groups(version, base, answers, context),
    }
    if authorship.revision is not None:
        resource["meta"] = {"versionId": str(authorship.revision)}
    return validated(resource)


# ---------------------------------------------------------------- reading answers back


class ResponseError(ValueError):
    """The response's answers do not fit the version; ``errors`` names each linkId."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(f"{code}: {' '.join(faults)}" for code, faults in errors.items()))
        self.errors = errors


def _answered_items(items: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for item in items or []:
        if item.get("answer"):
            yield item
        yield from _answered_items(item.get("item", []))
        for answer in item.get("answer", []):
            yield from _answered_items(answer.get("item", []))


def _value(item: ItemSpec, answers: list[dict[str, Any]]) -> Any:
    """One item's answer from its FHIR answers; raises ValueError naming what was expected."""
    keys = {"bool": "valueBoolean", "int": "valueInteger", "mrc": "valueInteger", "text": "valueString"}
    if item.type in keys:
        if len(answers) != 1 or keys[item.type] not in answers[0]:
            raise ValueError(f"expected one {keys[item.type]}")
        return answers[0][keys[item.type]]
    codes = [a["valueCoding"].get("code") if "valueCoding" in a else a.get("valueString") for a in answers]
    if any(not isinstance(code, str) for code in codes):
        raise ValueError("expected valueCoding answers with a code")
    if item.type == "choice":
        if len(codes) != 1:
            raise ValueError("expected one answer")
        return codes[0]
    return codes


def answers_from_response(compiled: CompiledTemplate, response: dict[str, Any]) -> dict[str, Any]:
    """The answers of a (validated) QuestionnaireResponse, keyed by item code; linkIds that are not
    items of the version (groups, display items, other forms' questions) are ignored."""
    answers: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for entry in _answered_items(response.get("item", [])):
        item = compiled.items.get(entry.get("linkId"))
        if item is None:
            continue
        try:
            answers[item.code] = _value(item, entry["answer"])
        except ValueError as exc:
            errors[item.code] = [str(exc)]
    if errors:
        raise ResponseError(errors)
    return answers
