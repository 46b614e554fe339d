"""The Bundle of an assessment: Patient, QuestionnaireResponse, a ServiceRequest per ordered test or referral
(and per test the clinician added), and a DocumentReference carrying the signed PDF."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from evaluation.decisions import ORDERED, Decisions, key_of
from evaluation.engine import DECISION_KINDS, OUTPUT_KEYS
from evaluation.models import Patient

from .common import codings, derived_id, reference, validated
from .record import Record
from .response import questionnaire_response

MRN_TYPE = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}]}
CATEGORY = {"test": "Test", "referral": "Referral"}
SUMMARY_TYPE = "Fasciculation and cramp assessment: clinician summary"


def patient_resource(patient: Patient, base: str) -> dict[str, Any]:
    return validated({
        "resourceType": "Patient",
        "id": str(patient.pk),
        "identifier": [{"use": "usual", "type": MRN_TYPE, "system": f"{base}/sid/mrn", "value": patient.mrn}],
        "name": [{"use": "official", "family": patient.family_name, "given": [patient.given_name]}],
        "gender": patient.sex,
        "birthDate": patient.date_of_birth.isoformat(),
    })


def response_resource(record: Record, base: str) -> dict[str, Any]:
    assessment = record.assessment
    return questionnaire_response(version=assessment.version, base=base, assessment_id=str(assessment.pk),
                                  patient_id=str(assessment.patient_id), answers=record.answers,
                                  context=record.context, authorship=record.authorship)


def _request(record: Record, base: str, key: str, *, title: str, kind: str, priority: str,
             reasons: list[str], report_ref: dict[str, str] | None) -> dict[str, Any]:
    slug = record.assessment.version.template.slug
    code: dict[str, Any] = {"text": title}
    if codings(slug, "suggestions", key):
        code["coding"] = codings(slug, "suggestions", key)
    resource: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "id": derived_id(record.revision_key, key),
        "identifier": [{"system": f"{base}/sid/suggestion", "value": key}],
        "status": "active" if record.signature else "draft",
        "intent": "order",
        "category": [{"text": CATEGORY.get(kind, kind)}],
        "priority": priority,
        "code": code,
        "subject": reference("Patient", str(record.assessment.patient_id)),
        "authoredOn": record.authorship.authored,
        "requester": {"display": record.authorship.author_name},
        "supportingInfo": [reference("QuestionnaireResponse", str(record.assessment.pk))],
    }
    if reasons:
        resource["reasonCode"] = [{"text": reason} for reason in reasons]
    if report_ref:
        # R4 lets reasonReference name a DocumentReference (not a QuestionnaireResponse): the signed
        # report that gives the reasons; the response itself is the request's supportingInfo.
        resource["reasonReference"] = [report_ref]
    return resource


def service_requests(record: Record, base: str, report_ref: dict[str, str] | None) -> list[dict[str, Any]]:
    """One request per suggested test or referral the clinician ordered, and per test they added."""
    decisions = Decisions.from_json(record.decisions)
    requests = []
    for kind in DECISION_KINDS:
        for rec in record.output.get(OUTPUT_KEYS[kind], []):
            key = key_of(rec, kind)
            decision = decisions.get(key)
            if decision is not None and decision.choice == ORDERED:
                requests.append(_request(record, base, key, title=rec["title"], kind=kind,
                                         priority=rec.get("priority") or "routine", reasons=rec.get("reasons", []),
                                         report_ref=report_ref))
    for index, added in enumerate(decisions.added):
        requests.append(_request(record, base, f"added:{index}", title=added.title, kind="test", priority="routine",
                                 reasons=[added.reason] if added.reason else [], report_ref=report_ref))
    return requests


def sha256_extension(base: str) -> str:
    return f"{base}/StructureDefinition/sha256"


def document_reference(record: Record, base: str, pdf: bytes, pdf_sha256: str, latest: bool) -> dict[str, Any]:
    """The signed summary PDF. FHIR's Attachment.hash is SHA-1 by definition; the SHA-256 this service
    stores, prints in its audit trail and sends as the PDF's ETag goes in an extension beside it."""
    signature = record.signature
    assert signature is not None
    assessment = record.assessment
    attachment = {
        "contentType": "application/pdf",
        "data": base64.b64encode(pdf).decode("ascii"),
        "size": len(pdf),
        "hash": base64.b64encode(hashlib.sha1(pdf).digest()).decode("ascii"),  # noqa: S324 - FHIR's choice
        "title": f"{assessment.version.label} revision {signature.number}",
        "creation": record.authorship.authored,
        "extension": [{"url": sha256_extension(base), "valueString": pdf_sha256}],
    }
    return {
        "resourceType": "DocumentReference",
        "id": derived_id(record.revision_key, "summary"),
        "status": "current" if latest else "superseded",
        "docStatus": "final" if signature.number == 1 else "amended",
        "type": {"text": SUMMARY_TYPE},
        "subject": reference("Patient", str(assessment.patient_id)),
        "date": record.authorship.authored,
        "author": [{"display": record.authorship.author_name}],
        "description": f"{assessment.version.label}, signed revision {signature.number}",
        "content": [{"attachment": attachment}],
        "context": {"related": [reference("QuestionnaireResponse", str(assessment.pk))]},
    }


def _entry(base: str, resource: dict[str, Any]) -> dict[str, Any]:
    # RESTful full URLs for every entry, so the relative references between them resolve inside the Bundle.
    return {"fullUrl": f"{base}/{resource['resourceType']}/{resource['id']}", "resource": resource}


def bundle(record: Record, base: str, pdf: tuple[bytes, str] | None, latest: bool) -> dict[str, Any]:
    """A collection Bundle of the record; ``pdf`` (bytes, SHA-256) for a signed revision's report."""
    resources = [patient_resource(record.assessment.patient, base), response_resource(record, base)]
    report, report_ref = None, None
    if record.signature is not None and pdf is not None:
        report = document_reference(record, base, pdf[0], pdf[1], latest)
        report_ref = reference("DocumentReference", report["id"])
    resources += service_requests(record, base, report_ref)
    if report is not None:
        resources.append(report)
    return validated({
        "resourceType": "Bundle",
        "id": derived_id(record.revision_key, "bundle"),
        "identifier": {"system": f"{base}/sid/assessment-revision", "value": record.revision_key},
        "type": "collection",
        "timestamp": record.authorship.authored,
        "entry": [_entry(base, resource) for resource in resources],
    })
