"""Writes that span models. Keyword-only, typed, each in one transaction."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.http import HttpRequest
from django.utils import timezone

from . import audit, rules
from .models import (
    Assessment,
    AuditEvent,
    ChecklistTemplate,
    Item,
    Patient,
    Rule,
    Section,
    Signature,
    TemplateCase,
    TemplateVersion,
)

Action = AuditEvent.Action
DOCUMENT_FORMAT = 1
DEFAULT_TEMPLATE_SLUG = "fasciculation-cramp"


# ---------------------------------------------------------------- template documents


def template_document(*, version: TemplateVersion) -> dict[str, Any]:
    """The version as the JSON document the engine reads and export writes."""
    items_by_section: dict[int, list[dict[str, Any]]] = {}
    for item in version.items.order_by("section__order", "order", "id"):
        items_by_section.setdefault(item.section_id, []).append(_item_document(item))
    return {
        "format": DOCUMENT_FORMAT,
        "template": {"slug": version.template.slug, "title": version.template.title},
        "version": {
            "number": version.number,
            "title": version.title,
            "source_document": version.source_document,
        },
        "sections": [
            {"code": s.code, "title": s.title, "items": items_by_section.get(s.pk, [])}
            for s in version.sections.order_by("order", "id")
        ],
        "findings": version.findings,
        "rules": [_rule_document(r) for r in version.rules.order_by("order", "id")],
        "cases": [
            {"name": c.name, "answers": c.answers, "expect": c.expect} for c in version.cases.order_by("order", "id")
        ],
    }


def _item_document(item: Item) -> dict[str, Any]:
    data: dict[str, Any] = {"code": item.code, "type": item.type, "label": item.label, "required": item.required}
    if item.help_text:
        data["help_text"] = item.help_text
    if item.choices:
        data["choices"] = item.choices
    if item.min_value is not None:
        data["min"] = item.min_value
    if item.max_value is not None:
        data["max"] = item.max_value
    if item.shown_when is not None:
        data["shown_when"] = item.shown_when
    return data


def _rule_document(rule: Rule) -> dict[str, Any]:
    data: dict[str, Any] = {"code": rule.code, "kind": rule.kind, "title": rule.title}
    if rule.priority:
        data["priority"] = rule.priority
    if rule.urgent_when is not None:
        data["urgent_when"] = rule.urgent_when
    data["condition"] = rule.condition
    data["source"] = rule.source
    if rule.detail:
        data["detail"] = rule.detail
    return data


def comparable_document(document: dict[str, Any]) -> dict[str, Any]:
    """A document without its version number, for "is this the same content?" checks."""
    copy = json.loads(json.dumps(document))
    copy["version"].pop("number", None)
    return copy


@transaction.atomic
def template_import(
    *, document: Any, user: Any = None, number: int | None = None, request: HttpRequest | None = None,
    audit_as_import: bool = True,
) -> TemplateVersion:
    """Create a new draft version from a document; nothing is saved if anything is invalid.

    The draft takes ``number`` when given and free, else the next free number,
    so an import can never overwrite an existing (perhaps published) version.
    """
    errors = rules.validate_template(document)
    if errors:
        raise rules.TemplateError(errors)
    template, _ = ChecklistTemplate.objects.get_or_create(
        slug=document["template"]["slug"], defaults={"title": document["template"].get("title") or "Untitled"}
    )
    taken = set(template.versions.values_list("number", flat=True))
    wanted = number if number is not None else document["version"]["number"]
    if wanted in taken:
        wanted = max(taken) + 1
    version = TemplateVersion.objects.create(
        template=template,
        number=wanted,
        title=document["version"].get("title") or template.title,
        source_document=document["version"].get("source_document", ""),
        findings=document.get("findings", []),
        created_by=user,
    )
    _create_parts(version, document)
    if audit_as_import:
        audit.record(Action.TEMPLATE_IMPORT, request=request, user=user, obj=version,
                     detail={"version": version.label})
    return version


def _create_parts(version: TemplateVersion, document: dict[str, Any]) -> None:
    for s_order, raw_section in enumerate(document["sections"]):
        section = Section.objects.create(
            version=version, code=raw_section["code"], title=raw_section["title"], order=s_order
        )
        Item.objects.bulk_create(
            Item(
                version=version,
                section=section,
                code=raw["code"],
                type=raw["type"],
                label=raw["label"],
                help_text=raw.get("help_text", ""),
                required=bool(raw.get("required", False)),
                order=i_order,
                choices=raw.get("choices") or [],
                min_value=raw.get("min"),
                max_value=raw.get("max"),
                shown_when=raw.get("shown_when"),
            )
            for i_order, raw in enumerate(raw_section["items"])
        )
    Rule.objects.bulk_create(
        Rule(
            version=version,
            code=raw["code"],
            kind=raw["kind"],
            title=raw["title"],
            detail=raw.get("detail", ""),
            condition=raw["condition"],
            priority=raw.get("priority") or "",
            urgent_when=raw.get("urgent_when"),
            source=raw["source"],
            order=order,
        )
        for order, raw in enumerate(document["rules"])
    )
    TemplateCase.objects.bulk_create(
        TemplateCase(version=version, name=raw["name"], answers=raw.get("answers", {}), expect=raw.get("expect", {}),
                     order=order)
        for order, raw in enumerate(document.get("cases", []))
    )


class PublishError(ValidationError):
    pass


def template_check(*, version: TemplateVersion) -> list[str]:
    """Every reason the version may not be published: invalid content or failing test cases."""
    document = template_document(version=version)
    errors = rules.validate_template(document)
    if errors:
        return errors
    compiled = rules.CompiledTemplate(document)
    if not document["cases"]:
        return ["add at least one test case before publishing"]
    return [f"case {name!r}: {failure}" for name, failures in rules.run_cases(compiled).items() for failure in failures]


@transaction.atomic
def template_publish(*, version: TemplateVersion, user: Any, request: HttpRequest | None = None) -> TemplateVersion:
    version = TemplateVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != TemplateVersion.Status.DRAFT:
        raise PublishError(f"{version.label} is {version.status}; only a draft can be published.", code="not_draft")
    problems = template_check(version=version)
    if problems:
        raise PublishError(problems, code="invalid")
    version.status = TemplateVersion.Status.PUBLISHED
    version.published_at = timezone.now()
    version.published_by = user if getattr(user, "pk", None) else None
    version.save()
    audit.record(Action.TEMPLATE_PUBLISH, request=request, user=user, obj=version, detail={"version": version.label})
    return version


@transaction.atomic
def template_retire(*, version: TemplateVersion, user: Any, request: HttpRequest | None = None) -> TemplateVersion:
    version = TemplateVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != TemplateVersion.Status.PUBLISHED:
        raise PublishError(f"{version.label} is {version.status}; only a published version can be retired.",
                           code="not_published")
    version.status = TemplateVersion.Status.RETIRED
    version.save()
    audit.record(Action.TEMPLATE_RETIRE, request=request, user=user, obj=version, detail={"version": version.label})
    return version


@transaction.atomic
def template_clone(*, version: TemplateVersion, user: Any, request: HttpRequest | None = None) -> TemplateVersion:
    """A new draft with everything of ``version``, numbered after the newest version."""
    document = template_document(version=version)
    next_number = (version.template.versions.aggregate(top=Max("number"))["top"] or 0) + 1
    draft = template_import(document=document, user=user, number=next_number, audit_as_import=False)
    TemplateVersion.objects.filter(pk=draft.pk).update(cloned_from=version)
    draft.refresh_from_db()
    audit.record(Action.TEMPLATE_CLONE, request=request, user=user, obj=draft,
                 detail={"version": draft.label, "from": version.label})
    return draft


def newest_published_version(slug: str = DEFAULT_TEMPLATE_SLUG) -> TemplateVersion | None:
    return (
        TemplateVersion.objects.filter(template__slug=slug, status=TemplateVersion.Status.PUBLISHED)
        .select_related("template")
        .order_by("-number")
        .first()
    )


def resolve_version(spec: str | None) -> TemplateVersion:
    """``SLUG`` or ``SLUG@NUMBER`` to a version; the default is the newest published default template."""
    slug, _, number = (spec or DEFAULT_TEMPLATE_SLUG).partition("@")
    if number:
        if not number.isdigit():
            raise ValueError(f"version in {spec!r} must be a number")
        version = TemplateVersion.objects.filter(template__slug=slug, number=int(number)).select_related("template").first()
    else:
        version = newest_published_version(slug)
    if version is None:
        raise ValueError(f"no {'version' if number else 'published version'} of template {spec or slug!r}")
    return version


# ---------------------------------------------------------------- patients


def patient_create(*, user: Any, request: HttpRequest | None = None, **fields: Any) -> Patient:
    with transaction.atomic():
        patient = Patient(created_by=user, **fields)
        patient.full_clean()
        patient.save()
        audit.record(Action.PATIENT_CREATE, request=request, user=user, obj=patient)
    return patient


def patient_update(*, patient: Patient, user: Any, request: HttpRequest | None = None, **fields: Any) -> Patient:
    with transaction.atomic():
        changed = sorted(name for name, value in fields.items() if getattr(patient, name) != value)
        for name, value in fields.items():
            setattr(patient, name, value)
        patient.full_clean()
        patient.save()
        audit.record(Action.PATIENT_CHANGE, request=request, user=user, obj=patient, detail={"fields": changed})
    return patient


# ---------------------------------------------------------------- assessments


class ConflictError(Exception):
    """Someone saved the record since this copy was loaded."""

    def __init__(self, current: Assessment):
        super().__init__("The assessment was changed by someone else.")
        self.current = current


class NotEditableError(Exception):
    pass


def latest_signed_assessment(patient: Patient) -> Assessment | None:
    query = patient.assessments.filter(status__in=[Assessment.Status.FINAL, Assessment.Status.AMENDED])
    return query.select_related("version__template").order_by("-created_at").first()


# A follow-up asks these again, never copies them: last visit's red flags and
# examination must not be signed as today's.
REASSESSED_SECTIONS = frozenset({"red_flags", "strength", "exam"})


def carry_over_answers(source: Assessment, version: TemplateVersion) -> dict[str, Any]:
    """The previous visit's signed history answers that still fit ``version`` (a newer version may differ)."""
    compiled = version.compiled()
    signature = source.latest_signature
    answers = signature.content["answers"] if signature is not None else source.answers
    return {
        code: value
        for code, value in answers.items()
        if code in compiled.items
        and compiled.items[code].section not in REASSESSED_SECTIONS
        and rules.value_fault(compiled.items[code], value) is None
    }


@transaction.atomic
def assessment_create(
    *,
    patient: Patient,
    version: TemplateVersion,
    clinician: Any,
    start_from_previous: bool = False,
    request: HttpRequest | None = None,
) -> Assessment:
    if version.status != TemplateVersion.Status.PUBLISHED:
        raise ValidationError("Only a published template version can be used for an assessment.", code="not_published")
    previous = latest_signed_assessment(patient)
    answers = carry_over_answers(previous, version) if (start_from_previous and previous) else {}
    assessment = Assessment.objects.create(
        patient=patient, version=version, clinician=clinician, previous=previous, answers=answers,
        updated_by=clinician,
    )
    audit.record(Action.ASSESSMENT_CREATE, request=request, user=clinician, obj=assessment,
                 detail={"version": version.label, "from_previous": bool(answers)})
    return assessment


def changed_answers(old: dict[str, Any], new: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Item codes whose value changed, with old and new values, for the audit trail."""
    return {
        code: {"old": old.get(code), "new": new.get(code)}
        for code in sorted(set(old) | set(new))
        if old.get(code) != new.get(code)
    }


def _locked_update(assessment: Assessment, expected_revision: int, user: Any, **fields: Any) -> Assessment:
    """Write ``fields`` only if nobody saved since ``expected_revision`` was read."""
    updated = Assessment.objects.filter(
        pk=assessment.pk, revision=expected_revision, status=Assessment.Status.DRAFT
    ).update(revision=expected_revision + 1, updated_at=timezone.now(), updated_by=user, **fields)
    current = Assessment.objects.select_related("updated_by").get(pk=assessment.pk)
    if not updated:
        if current.status != Assessment.Status.DRAFT:
            raise NotEditableError("This assessment has been signed and can no longer be edited.")
        raise ConflictError(current)
    return current


@transaction.atomic
def assessment_save(
    *, assessment: Assessment, answers: dict[str, Any], expected_revision: int, user: Any,
    request: HttpRequest | None = None,
) -> Assessment:
    errors = rules.validate_answers(assessment.version.compiled(), answers)
    if errors:
        raise rules.AnswerError(errors)
    clean = {code: value for code, value in answers.items() if value is not None}
    before = dict(assessment.answers)
    saved = _locked_update(assessment, expected_revision, user, answers=clean)
    changes = changed_answers(before, clean)
    audit.record(Action.ASSESSMENT_SAVE, request=request, user=user, obj=saved, detail={"changes": changes})
    return saved


@transaction.atomic
def assessment_save_decisions(
    *, assessment: Assessment, decisions: dict[str, Any], expected_revision: int, user: Any,
    request: HttpRequest | None = None,
) -> Assessment:
    saved = _locked_update(assessment, expected_revision, user, decisions=decisions)
    audit.record(Action.ASSESSMENT_DECISIONS, request=request, user=user, obj=saved,
                 detail={"decisions": {key: value.get("decision") for key, value in decisions.get("suggested", {}).items()},
                         "added": len(decisions.get("added", []))})
    return saved


def decision_keys(evaluation: rules.Evaluation) -> list[str]:
    """The suggestions that need a decision: every test and referral."""
    return [f"{r.kind}:{r.code}" for r in evaluation.needing_decision()]


def finalize_problems(assessment: Assessment, evaluation: rules.Evaluation, decisions: dict[str, Any]) -> list[str]:
    """Everything that stops signing, in words a clinician can act on."""
    problems = []
    items = assessment.version.compiled().items
    for code in evaluation.missing_required:
        problems.append(f"Answer “{items[code].label}” ({code}).")
    suggested = decisions.get("suggested", {})
    for key in decision_keys(evaluation):
        choice = suggested.get(key, {})
        title = evaluation.get(*key.split(":", 1)).title
        if choice.get("decision") not in ("ordered", "declined"):
            problems.append(f"Record ordered or declined for “{title}”.")
        elif choice["decision"] == "declined" and not str(choice.get("reason", "")).strip():
            problems.append(f"Give a reason for declining “{title}”.")
    return problems


def canonical_hash(content: dict[str, Any]) -> str:
    encoded = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


def signed_content(assessment: Assessment, evaluation: rules.Evaluation, *, number: int, user: Any,
                   signed_at: Any) -> dict[str, Any]:
    patient = assessment.patient
    output = evaluation.as_dict()
    output["mrc_sum"] = evaluation.mrc_sum
    output["findings"] = sorted(evaluation.findings)
    return {
        "assessment": str(assessment.pk),
        "revision": number,
        "patient": {
            "mrn": patient.mrn,
            "family_name": patient.family_name,
            "given_name": patient.given_name,
            "date_of_birth": patient.date_of_birth.isoformat(),
            "sex": patient.sex,
        },
        "template": assessment.version.label,
        "answers": evaluation.answers,
        "output": output,
        "decisions": _relevant_decisions(assessment.decisions, evaluation),
        "signed_by": user.get_username(),
        "signer_name": user.get_full_name() or user.get_username(),
        "signed_at": signed_at.isoformat(),
        "amendment_reason": assessment.amendment_reason,
    }


def _relevant_decisions(decisions: dict[str, Any], evaluation: rules.Evaluation) -> dict[str, Any]:
    """Only decisions on what is still suggested: stale ones from earlier answers are dropped."""
    keys = set(decision_keys(evaluation))
    return {
        "suggested": {k: v for k, v in decisions.get("suggested", {}).items() if k in keys},
        "added": list(decisions.get("added", [])),
    }


@dataclass
class FinalizeRefused(Exception):
    problems: list[str]


@transaction.atomic
def assessment_finalize(
    *, assessment: Assessment, user: Any, expected_revision: int, decisions: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> Signature:
    """Sign: check completeness, snapshot answers, engine output and decisions, store the report."""
    locked = Assessment.objects.select_for_update().select_related("patient", "version__template").get(pk=assessment.pk)
    if locked.status != Assessment.Status.DRAFT:
        raise NotEditableError("This assessment is already signed.")
    if locked.revision != expected_revision:
        raise ConflictError(locked)
    if decisions is not None:
        locked.decisions = decisions
    evaluation = locked.evaluate()
    problems = finalize_problems(locked, evaluation, locked.decisions)
    if problems:
        raise FinalizeRefused(problems)
    number = locked.signatures.count() + 1
    signed_at = timezone.now()
    content = signed_content(locked, evaluation, number=number, user=user, signed_at=signed_at)
    signature = Signature.objects.create(
        assessment=locked,
        number=number,
        signed_by=user,
        signer_name=content["signer_name"],
        signed_at=signed_at,
        amendment_reason=locked.amendment_reason,
        content=content,
        content_hash=canonical_hash(content),
    )
    was_amendment = number > 1
    locked.status = Assessment.Status.AMENDED if was_amendment else Assessment.Status.FINAL
    locked.decisions = content["decisions"]
    locked.amendment_reason = ""
    locked.revision += 1
    locked.updated_by = user
    locked.save()
    _store_report(signature)
    audit.record(Action.ASSESSMENT_FINALIZE, request=request, user=user, obj=locked,
                 detail={"revision": number, "content_hash": signature.content_hash})
    return signature


def _store_report(signature: Signature) -> None:
    """Render the signed report once; re-prints serve these bytes."""
    from .pdf import render_summary_pdf

    pdf = render_summary_pdf(signature.assessment, signature=signature)
    Signature.objects.filter(pk=signature.pk).update(pdf=pdf, pdf_hash=hashlib.sha256(pdf).hexdigest())


@transaction.atomic
def assessment_amend(
    *, assessment: Assessment, reason: str, user: Any, request: HttpRequest | None = None
) -> Assessment:
    """Reopen a signed assessment for amendment; the signed revisions stay as they are."""
    reason = reason.strip()
    if not reason:
        raise ValidationError("Give the reason for the amendment.", code="reason_required")
    locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if locked.status == Assessment.Status.DRAFT:
        raise NotEditableError("This assessment is not signed yet; edit the draft instead.")
    locked.status = Assessment.Status.DRAFT
    locked.amendment_reason = reason
    locked.revision += 1
    locked.updated_by = user
    locked.save()
    audit.record(Action.ASSESSMENT_AMEND, request=request, user=user, obj=locked,
                 detail={"revision": locked.signatures.count() + 1})
    return locked
