"""One CSV row per signed revision of a chosen template version, from the signed snapshots.

De-identified, a row has no MRN, name, date of birth, record id or signer;
the patient is a pseudonym salted afresh for each export (so two exports
cannot be joined on it), the age is in whole years on the visit, and free
text (answers and decline reasons), which can hold anything, is withheld.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from evaluation.engine import OUTPUT_KEYS, ItemSpec
from evaluation.models import Signature, TemplateVersion

IDENTIFIED = ["assessment", "mrn", "family_name", "given_name", "date_of_birth", "visit_date", "signed_by"]
DEIDENTIFIED = ["patient_pseudonym", "age_years"]
COMMON = ["sex", "template", "revision", "signed_at"]
WITHHELD = "[withheld]"
# Spreadsheets run cells that start with these as formulas; a value typed by a user must never become one.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_PREFIXES) else text


@dataclass(frozen=True)
class ExportSpec:
    version: TemplateVersion
    deidentified: bool = True
    signed_from: datetime.date | None = None
    signed_to: datetime.date | None = None
    salt: bytes = field(default_factory=lambda: secrets.token_bytes(32), repr=False)

    def filters(self) -> dict[str, str]:
        """What the audit trail keeps of the export: no salt, nothing clinical."""
        data = {"version": self.version.label, "deidentified": str(self.deidentified)}
        data.update({name: str(value) for name, value in (("signed_from", self.signed_from),
                                                          ("signed_to", self.signed_to)) if value})
        return data

    def pseudonym(self, patient_id: str) -> str:
        return hmac.new(self.salt, patient_id.encode(), hashlib.sha256).hexdigest()[:16]


def signed_revisions(spec: ExportSpec) -> QuerySet[Signature]:
    signatures = Signature.objects.filter(assessment__version=spec.version).defer("pdf", "handout_pdf")
    if spec.signed_from:
        signatures = signatures.filter(signed_at__date__gte=spec.signed_from)
    if spec.signed_to:
        signatures = signatures.filter(signed_at__date__lte=spec.signed_to)
    return signatures.select_related("assessment").order_by("signed_at", "id")


def header(spec: ExportSpec) -> list[str]:
    items = list(spec.version.compiled().items)
    outputs = list(OUTPUT_KEYS.values())
    return [*(DEIDENTIFIED if spec.deidentified else IDENTIFIED), *COMMON, *items, *outputs, "decisions",
            "added_tests"]


def answer_text(item: ItemSpec, value: Any, deidentified: bool) -> str:
    if value is None:
        return ""
    if item.type == "text":
        return WITHHELD if deidentified else value
    if item.type == "bool":
        return "yes" if value else "no"
    if item.type == "multi":
        return ";".join(value)
    return str(value)


def _suggestions(output: dict[str, Any], key: str) -> str:
    return ";".join(f"{rec['code']}({rec['priority']})" if rec.get("priority") else rec["code"]
                    for rec in output.get(key, []))


def _decisions(decisions: dict[str, Any], deidentified: bool) -> tuple[str, str]:
    suggested = decisions.get("suggested") or {}
    chosen = ";".join(f"{key}={d.get('decision', '')}" + ("" if deidentified or not d.get("reason")
                                                           else f" ({d['reason']})")
                      for key, d in sorted(suggested.items()))
    added = decisions.get("added") or []
    added_text = str(len(added)) if deidentified else ";".join(f"{a.get('title', '')} ({a.get('reason', '')})"
                                                               for a in added)
    return chosen, added_text


def _person(spec: ExportSpec, signature: Signature, content: dict[str, Any], visit: datetime.date) -> list[Any]:
    patient = content.get("patient", {})
    if spec.deidentified:
        born = datetime.date.fromisoformat(patient["date_of_birth"])
        age = visit.year - born.year - ((visit.month, visit.day) < (born.month, born.day))
        return [spec.pseudonym(str(signature.assessment.patient_id)), age]
    return [signature.assessment_id, patient.get("mrn"), patient.get("family_name"), patient.get("given_name"),
            patient.get("date_of_birth"), visit.isoformat(), content.get("signed_by")]


def row(spec: ExportSpec, signature: Signature) -> list[str]:
    content = signature.content
    assessment = signature.assessment
    visit = getattr(assessment, "visit_date", None) or timezone.localtime(assessment.created_at).date()
    compiled = spec.version.compiled()
    answers, output = content.get("answers", {}), content.get("output", {})
    chosen, added = _decisions(content.get("decisions") or {}, spec.deidentified)
    values = [
        *_person(spec, signature, content, visit),
        content.get("patient", {}).get("sex"), content.get("template"), signature.number,
        timezone.localtime(signature.signed_at).isoformat(),
        *(answer_text(item, answers.get(code), spec.deidentified) for code, item in compiled.items.items()),
        *(_suggestions(output, key) for key in OUTPUT_KEYS.values()),
        chosen, added,
    ]
    return [csv_cell(value) for value in values]


def rows(spec: ExportSpec, signatures: Iterable[Signature]) -> Iterator[list[str]]:
    yield [csv_cell(name) for name in header(spec)]
    for signature in signatures:
        yield row(spec, signature)
