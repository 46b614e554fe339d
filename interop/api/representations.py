"""What the API answers with: plain dicts built from the records and the engine's output, and the
serializers that document their shape in the OpenAPI schema (the schemathesis test holds them to it)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import get_language
from rest_framework import serializers

from evaluation import selectors
from evaluation.engine import OUTPUT_KEYS
from evaluation.models import Assessment, Signature, TemplateVersion

from .serializers import PatientSerializer

CONTRACT_KEYS = ("template", *OUTPUT_KEYS.values())


def contract(output: dict[str, Any]) -> dict[str, Any]:
    """The ``suggest_workup`` contract out of an evaluation or a signed snapshot (which has more keys)."""
    return {key: output.get(key, []) for key in CONTRACT_KEYS}


def signature_summary(signature: Signature) -> dict[str, Any]:
    return {
        "number": signature.number,
        "signed_by": signature.content.get("signed_by", ""),
        "signer_name": signature.signer_name,
        "signed_at": signature.signed_at.isoformat(),
        "meaning": signature.meaning,
        "amendment_reason": signature.amendment_reason,
        "content_hash": signature.content_hash,
        "pdf_hash": signature.pdf_hash,
    }


def assessment_summary(assessment: Assessment) -> dict[str, Any]:
    return {
        "id": str(assessment.pk),
        "patient": str(assessment.patient_id),
        "template": assessment.version.label,
        "status": assessment.status,
        "revision": assessment.revision,
        "clinician": assessment.clinician.get_username(),
        "created_at": assessment.created_at.isoformat(),
        "updated_at": assessment.updated_at.isoformat(),
    }


def assessment_detail(assessment: Assessment) -> tuple[dict[str, Any], Signature | None]:
    """The assessment as the API shows it, and the signed revision it shows (None for a draft).

    A signed assessment shows exactly what was signed (answers, output and decisions
    from the snapshot); a draft shows its saved answers and one evaluation of them.
    """
    signatures = selectors.signatures_of(assessment)
    signed = signatures[-1] if signatures and not assessment.is_editable else None
    if signed is not None:
        content = signed.content
        answers, output, decisions, missing = content["answers"], content["output"], content["decisions"], []
    else:
        evaluation = assessment.evaluate(get_language())
        answers, output, decisions = assessment.answers, evaluation.snapshot(), assessment.decisions
        missing = list(evaluation.missing_required)
    data = {
        **assessment_summary(assessment),
        "amendment_reason": assessment.amendment_reason,
        "signed_revision": signed.number if signed else None,
        "answers": answers,
        "decisions": decisions or {"suggested": {}, "added": []},
        "suggestions": contract(output),
        "mrc_sum": output.get("mrc_sum"),
        "missing_required": missing,
        "signatures": [signature_summary(s) for s in signatures],
    }
    return data, signed


def revision_detail(assessment: Assessment, signature: Signature) -> dict[str, Any]:
    return {"assessment": str(assessment.pk), **signature_summary(signature), "content": signature.content}


def version_summary(version: TemplateVersion) -> dict[str, Any]:
    return {
        "template": version.label,
        "slug": version.template.slug,
        "number": version.number,
        "title": version.title,
        "status": version.status,
        "source_document": version.source_document,
        "published_at": version.published_at.isoformat() if version.published_at else None,
    }


def etag_for(signature: Signature) -> str:
    """A signed revision never changes, so its content hash identifies every representation of it."""
    return f'"{signature.content_hash}"'


# ---------------------------------------------------------------- documentation of the shapes


class RecommendationDoc(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    priority = serializers.ChoiceField(choices=["routine", "urgent"], required=False)
    reasons = serializers.ListField(child=serializers.CharField())
    source = serializers.DictField(help_text='{"section": ..., "quote": ...}')
    detail = serializers.CharField(required=False)


class SuggestionsDoc(serializers.Serializer):
    """The ``suggest_workup`` contract."""

    template = serializers.CharField(help_text='"slug@version"')
    red_flags = RecommendationDoc(many=True)
    tests = RecommendationDoc(many=True)
    referrals = RecommendationDoc(many=True)
    patterns = RecommendationDoc(many=True)
    advice = RecommendationDoc(many=True)


class SignatureDoc(serializers.Serializer):
    number = serializers.IntegerField()
    signed_by = serializers.CharField()
    signer_name = serializers.CharField()
    signed_at = serializers.DateTimeField()
    meaning = serializers.CharField()
    amendment_reason = serializers.CharField(allow_blank=True)
    content_hash = serializers.CharField(help_text="SHA-256 of the signed content")
    pdf_hash = serializers.CharField(allow_blank=True, help_text="SHA-256 of the stored PDF, once rendered")


class AssessmentSummaryDoc(serializers.Serializer):
    id = serializers.UUIDField()
    patient = serializers.UUIDField()
    template = serializers.CharField()
    status = serializers.ChoiceField(choices=Assessment.Status.choices)
    revision = serializers.IntegerField()
    clinician = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class AssessmentDoc(AssessmentSummaryDoc):
    amendment_reason = serializers.CharField(allow_blank=True)
    signed_revision = serializers.IntegerField(allow_null=True)
    answers = serializers.DictField()
    decisions = serializers.DictField()
    suggestions = SuggestionsDoc()
    mrc_sum = serializers.IntegerField(allow_null=True)
    missing_required = serializers.ListField(child=serializers.CharField())
    signatures = SignatureDoc(many=True)


class RevisionDoc(SignatureDoc):
    assessment = serializers.UUIDField()
    content = serializers.DictField(help_text="Answers, engine output and decisions exactly as signed")


class VersionDoc(serializers.Serializer):
    template = serializers.CharField()
    slug = serializers.CharField()
    number = serializers.IntegerField()
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=TemplateVersion.Status.choices)
    source_document = serializers.CharField(allow_blank=True)
    published_at = serializers.DateTimeField(allow_null=True)


class VersionDocumentDoc(VersionDoc):
    document = serializers.DictField(help_text="The template document (sections, items, findings, rules, cases)")


class ErrorDoc(serializers.Serializer):
    detail = serializers.CharField()


class ConflictDoc(ErrorDoc):
    code = serializers.ChoiceField(choices=["stale_revision", "not_editable", "open_draft"])
    draft = serializers.UUIDField(required=False, help_text="open_draft: the draft to continue")
    current_revision = serializers.IntegerField(required=False)
    updated_by = serializers.CharField(required=False, allow_null=True)


class SignRefusedDoc(ErrorDoc):
    problems = serializers.ListField(child=serializers.CharField(), help_text="What stops signing, in words")
    missing_required = serializers.ListField(child=serializers.CharField(), help_text="Item codes to answer")
    current_revision = serializers.IntegerField()


def paginated(child: type[serializers.Serializer], name: str) -> type[serializers.Serializer]:
    """The documented shape of one page of ``child`` rows."""
    fields = {"count": serializers.IntegerField(), "next": serializers.URLField(allow_null=True),
              "previous": serializers.URLField(allow_null=True), "results": child(many=True)}
    return type(name, (serializers.Serializer,), fields)


# Pages of an extra action (the generator pages only the "list" action by itself).
PatientPage = paginated(PatientSerializer, "PatientPage")
AssessmentPage = paginated(AssessmentSummaryDoc, "AssessmentPage")
