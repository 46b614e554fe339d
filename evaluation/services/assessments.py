"""Assessments: start, save answers and decisions (optimistic locking), sign, amend."""

from __future__ import annotations

import datetime
import hashlib
import json
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .. import audit, engine, selectors
from ..audit import Actor
from ..decisions import Decisions
from ..models import Assessment, AuditEvent, Patient, Signature, TemplateVersion
from .reports import signature_store_reports

Action = AuditEvent.Action


class ConflictError(Exception):
    """Someone saved the record since this copy was loaded."""

    def __init__(self, current: Assessment):
        super().__init__("The assessment was changed by someone else.")
        self.current = current


class NotEditableError(Exception):
    pass


# ---------------------------------------------------------------- start


def carry_over_answers(source: Assessment, version: TemplateVersion) -> dict[str, Any]:
    """The previous visit's signed history answers that still fit ``version`` (a newer version may differ).

    Sections the template marks ``reassess_each_visit`` are asked again, never
    copied: last visit's red flags and examination must not be signed as today's.
    """
    compiled = version.compiled()
    items = compiled.items
    reassessed = compiled.flagged_sections["reassess_each_visit"]
    signature = source.latest_signature
    answers = signature.content["answers"] if signature is not None else source.answers
    return {
        code: value
        for code, value in answers.items()
        if code in items
        and items[code].section not in reassessed
        and engine.value_fault(items[code], value) is None
    }


class OpenDraftError(Exception):
    """The patient already has a draft: continue it rather than start a second one."""

    def __init__(self, draft: Assessment):
        super().__init__(f"An assessment begun on {draft.created_at:%d %b %Y} is still a draft.")
        self.draft = draft


def _visit_type_answers(version: TemplateVersion, previous: Assessment | None) -> dict[str, Any]:
    """The items the service fills (visit type), where the template has them."""
    if "visit_type" not in version.compiled().items:
        return {}
    return {"visit_type": "follow_up" if previous is not None else "initial"}


@transaction.atomic
def assessment_create(
    *, patient: Patient, version: TemplateVersion, actor: Actor, start_from_previous: bool = False,
) -> Assessment:
    if version.status != TemplateVersion.Status.PUBLISHED:
        raise ValidationError("Only a published template version can be used for an assessment.", code="not_published")
    # Lock the patient row so two clicks on "Start" cannot make two drafts.
    Patient.objects.select_for_update().filter(pk=patient.pk).first()
    draft = selectors.open_draft(patient)
    if draft is not None:
        raise OpenDraftError(draft)
    previous = selectors.latest_signed_assessment(patient)
    answers = carry_over_answers(previous, version) if (start_from_previous and previous) else {}
    answers.update(_visit_type_answers(version, previous))
    assessment = Assessment.objects.create(
        patient=patient, version=version, clinician=actor.user, previous=previous, answers=answers,
        updated_by=actor.user,
    )
    audit.record(Action.ASSESSMENT_CREATE, actor=actor, obj=assessment,
                 detail={"version": version.label, "from_previous": bool(answers)})
    return assessment


# ---------------------------------------------------------------- save


def changed_answers(old: dict[str, Any], new: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Item codes whose value changed, with old and new values, for the audit trail."""
    return {
        code: {"old": old.get(code), "new": new.get(code)}
        for code in sorted(set(old) | set(new))
        if old.get(code) != new.get(code)
    }


def _locked_update(assessment: Assessment, expected_revision: int, actor: Actor, **fields: Any) -> Assessment:
    """Write ``fields`` only if nobody saved since ``expected_revision`` was read."""
    updated = Assessment.objects.filter(
        pk=assessment.pk, revision=expected_revision, status=Assessment.Status.DRAFT
    ).update(revision=expected_revision + 1, updated_at=timezone.now(), updated_by=actor.user, **fields)
    current = Assessment.objects.select_related("updated_by").get(pk=assessment.pk)
    if not updated:
        if current.status != Assessment.Status.DRAFT:
            raise NotEditableError("This assessment has been signed and can no longer be edited.")
        raise ConflictError(current)
    return current


@transaction.atomic
def assessment_save(
    *, assessment: Assessment, answers: dict[str, Any], expected_revision: int, actor: Actor,
    visit_date: datetime.date | None = None,
) -> Assessment:
    errors = engine.validate_answers(assessment.version.compiled().items, answers)
    if errors:
        raise engine.AnswerError(errors)
    clean = {code: value for code, value in answers.items() if value is not None}
    # What the service fills stays as the service filled it.
    clean.update({code: assessment.answers[code] for code in engine.SERVICE_SET_ITEMS if code in assessment.answers})
    before = dict(assessment.answers)
    fields: dict[str, Any] = {"answers": clean}
    detail: dict[str, Any] = {"changes": changed_answers(before, clean)}
    if visit_date is not None and visit_date != assessment.visit_date:
        fields["visit_date"] = visit_date
        detail["visit_date"] = {"old": assessment.visit_date.isoformat(), "new": visit_date.isoformat()}
    saved = _locked_update(assessment, expected_revision, actor, **fields)
    audit.record(Action.ASSESSMENT_SAVE, actor=actor, obj=saved, detail=detail)
    return saved


@transaction.atomic
def assessment_save_decisions(
    *, assessment: Assessment, decisions: Decisions, expected_revision: int, actor: Actor,
) -> Assessment:
    saved = _locked_update(assessment, expected_revision, actor, decisions=decisions.to_json())
    audit.record(Action.ASSESSMENT_DECISIONS, actor=actor, obj=saved, detail=decisions.audit_detail())
    return saved


# ---------------------------------------------------------------- sign


def sign_problems(assessment: Assessment, evaluation: engine.Evaluation, decisions: Decisions) -> list[str]:
    """Everything that stops signing, in words a clinician can act on."""
    compiled = assessment.version.compiled(get_language())
    section_titles = {section["code"]: section["title"] for section in compiled.document["sections"]}
    problems = [_("Answer “%(label)s” in %(section)s.") % {
        "label": compiled.items[code].label, "section": section_titles[compiled.items[code].section]}
        for code in evaluation.missing_required]
    return problems + decisions.problems(evaluation.needing_decision())


def canonical_json(content: dict[str, Any]) -> str:
    """The one text a signed content hashes as: sorted keys, no spaces, UTF-8."""
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def canonical_hash(content: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()


def signed_content(assessment: Assessment, evaluation: engine.Evaluation, decisions: Decisions, *, number: int,
                   user: Any, signed_at: Any) -> dict[str, Any]:
    """What a signature fixes: answers, the engine's output and the decisions, with who and when."""
    patient = assessment.patient
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
        "visit_date": assessment.visit_date.isoformat(),
        # What the rules read of the patient (sex, age on the visit date), so a reprint hides the same questions.
        "context": assessment.context,
        "answers": evaluation.answers,
        "output": evaluation.snapshot(),
        "decisions": decisions.relevant_to(evaluation).to_json(),
        "signed_by": user.get_username(),
        "signer_name": user.get_full_name() or user.get_username(),
        "signed_at": signed_at.isoformat(),
        "amendment_reason": assessment.amendment_reason,
    }


@dataclass(frozen=True)
class SignOutcome:
    """Either the new signature, or why the assessment could not be signed (and its saved state)."""

    signature: Signature | None = None
    problems: list[str] = field(default_factory=list)
    assessment: Assessment | None = None

    @property
    def signed(self) -> bool:
        return self.signature is not None


def assessment_sign(
    *, assessment: Assessment, actor: Actor, expected_revision: int, decisions: Decisions | None = None,
    store_reports: bool = True,
) -> SignOutcome:
    """Sign: check completeness, snapshot answers, engine output and decisions, commit; then store the reports.

    The row lock is held only for the checks and the snapshot: the PDFs are rendered after the
    commit (``transaction.on_commit``), from the snapshot, so they never hold up another clinician.
    ``store_reports=False`` leaves them to the caller (the signing page stores them once its response
    is sent, ``reports.RedirectThenStoreReports``); either way the first print stores what is missing.
    When something stops signing, the decisions given are saved all the same (nothing typed is
    lost) and the outcome lists the problems.
    """
    with transaction.atomic():
        outcome = _sign_locked(assessment, actor, expected_revision, decisions)
        if outcome.signature is not None and store_reports:
            transaction.on_commit(partial(signature_store_reports, outcome.signature.pk))
    return outcome


def _sign_locked(assessment: Assessment, actor: Actor, expected_revision: int,
                 decisions: Decisions | None) -> SignOutcome:
    locked = Assessment.objects.select_for_update().select_related("patient", "version__template").get(pk=assessment.pk)
    if locked.status != Assessment.Status.DRAFT:
        raise NotEditableError("This assessment is already signed.")
    if locked.revision != expected_revision:
        raise ConflictError(locked)
    given = decisions
    decisions = given if given is not None else Decisions.from_json(locked.decisions)
    evaluation = locked.evaluate()
    problems = sign_problems(locked, evaluation, decisions)
    if problems:
        if given is not None:
            locked = assessment_save_decisions(assessment=locked, decisions=given, expected_revision=expected_revision,
                                               actor=actor)
        return SignOutcome(problems=problems, assessment=locked)
    signature = _write_signature(locked, evaluation, decisions, actor.user)
    audit.record(Action.ASSESSMENT_FINALIZE, actor=actor, obj=locked,
                 detail={"revision": signature.number, "content_hash": signature.content_hash})
    return SignOutcome(signature=signature, assessment=locked)


def _write_signature(locked: Assessment, evaluation: engine.Evaluation, decisions: Decisions, user: Any) -> Signature:
    number = locked.signatures.count() + 1
    signed_at = timezone.now()
    content = signed_content(locked, evaluation, decisions, number=number, user=user, signed_at=signed_at)
    signature = Signature.objects.create(
        assessment=locked, number=number, signed_by=user, signer_name=content["signer_name"], signed_at=signed_at,
        amendment_reason=locked.amendment_reason, content=content, content_hash=canonical_hash(content),
    )
    locked.status = Assessment.Status.AMENDED if number > 1 else Assessment.Status.FINAL
    locked.decisions = content["decisions"]
    locked.amendment_reason = ""
    locked.revision += 1
    locked.updated_by = user
    locked.save()
    return signature


# ---------------------------------------------------------------- amend


@transaction.atomic
def assessment_amend(*, assessment: Assessment, reason: str, actor: Actor) -> Assessment:
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
    locked.updated_by = actor.user
    locked.save()
    audit.record(Action.ASSESSMENT_AMEND, actor=actor, obj=locked, detail={"revision": locked.signatures.count() + 1})
    return locked
