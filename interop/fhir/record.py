"""Which state of an assessment an export shows: a signed revision exactly as signed, or the draft."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import Http404
from django.utils.translation import get_language

from evaluation import selectors
from evaluation.models import Assessment, Signature

from .response import Authorship


@dataclass(frozen=True)
class Record:
    assessment: Assessment
    signature: Signature | None
    answers: dict[str, Any]
    output: dict[str, Any]
    decisions: dict[str, Any]
    context: dict[str, Any] | None
    authorship: Authorship

    @property
    def revision_key(self) -> str:
        return f"{self.assessment.pk}/{self.signature.number if self.signature else 'draft'}"


def _signed(assessment: Assessment, signature: Signature) -> Record:
    content = signature.content
    # FHIR's "amended": completed, then changed; so revision 1 is completed and every later one amended.
    status = "completed" if signature.number == 1 else "amended"
    authorship = Authorship(status, signature.signed_at.isoformat(), signature.signer_name,
                            content.get("signed_by", ""), signature.number)
    return Record(assessment, signature, content["answers"], content["output"], content["decisions"],
                  content.get("context"), authorship)


def _draft(assessment: Assessment) -> Record:
    evaluation = assessment.evaluate(get_language())
    author = assessment.updated_by or assessment.clinician
    authorship = Authorship("in-progress", assessment.updated_at.isoformat(),
                            author.get_full_name() or author.get_username(), author.get_username())
    return Record(assessment, None, assessment.answers, evaluation.snapshot(), assessment.decisions or {},
                  assessment.context, authorship)


def record_of(assessment: Assessment, revision: Any) -> Record:
    """``?revision=N``: that signed revision (404 if there is none). Otherwise the latest signed
    revision of a signed assessment, or the draft (which an amendment in progress also is)."""
    signatures = selectors.signatures_of(assessment)
    if revision not in (None, ""):
        number = int(revision) if str(revision).isdigit() else None
        signature = next((s for s in signatures if s.number == number), None)
        if signature is None:
            raise Http404("No such signed revision.")
        return _signed(assessment, signature)
    if assessment.is_editable or not signatures:
        return _draft(assessment)
    return _signed(assessment, signatures[-1])
