"""Request bodies, validated and normalised here (never saved here), and the documented shape of responses.

Patient details are checked by the pages' own ``PatientForm`` and answers by
the engine's ``value_fault``, so the API cannot accept what the pages refuse.
"""

from __future__ import annotations

import copy
from typing import Any

from rest_framework import serializers
from rest_framework.validators import UniqueValidator

from evaluation import engine, selectors
from evaluation.decisions import CHOICES, AddedTest, Decision, Decisions, key_of
from evaluation.engine.types import AGE_LIMITS
from evaluation.forms import PatientForm
from evaluation.models import Assessment, Patient, TemplateVersion

# The fields the registration page asks for: the API follows the form when it gains one.
PATIENT_FIELDS = tuple(PatientForm.Meta.fields)
MAX_ADDED_TESTS = 20
# The database column is a 32-bit integer: a larger number would fail in the database, not here.
MAX_REVISION = 2**31 - 1


# ---------------------------------------------------------------- patients


class PatientSerializer(serializers.ModelSerializer):
    class Meta:
        model = Patient
        fields = ["id", *PATIENT_FIELDS, "created_at"]
        read_only_fields = fields


class PatientWriteSerializer(serializers.ModelSerializer):
    confirm_duplicate = serializers.ListField(
        child=serializers.UUIDField(), required=False, write_only=True, max_length=50,
        help_text="Registering only: the ids of registered patients with the same names and date of birth "
                  "that this is not.")

    class Meta:
        model = Patient
        fields = [*PATIENT_FIELDS, "confirm_duplicate"]

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        # Uniqueness is the form's to judge, on the normalised MRN and excluding the patient being edited.
        for field in self.fields.values():
            field.validators = [v for v in field.validators if not isinstance(v, UniqueValidator)]

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        """The page's form decides (MRN shape and uniqueness, blank names, impossible dates), and every
        bad field is named at once: the types checked here and the form's rules together."""
        errors: dict[str, Any] = {}
        value: dict[str, Any] = {}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            errors = dict(exc.detail) if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        form = None
        if isinstance(data, dict):
            instance = self.context.get("patient")
            # A list or object where a value belongs is named by the type check above; the form's fields
            # expect text, so it never reaches them.
            form = PatientForm({name: data[name] for name in PATIENT_FIELDS
                                if name in data and not isinstance(data[name], (list, dict))},
                               instance=copy.copy(instance) if instance is not None else None)
            for field, messages in form.errors.get_json_data().items():
                errors.setdefault(field, [m["message"] for m in messages])
        if errors or form is None:
            raise serializers.ValidationError(errors)
        cleaned = {name: form.cleaned_data[name] for name in PATIENT_FIELDS}
        if "confirm_duplicate" in value:
            cleaned["confirm_duplicate"] = value["confirm_duplicate"]
        return cleaned


class PatientSearchSerializer(serializers.Serializer):
    q = serializers.CharField(max_length=100, allow_blank=True,
                              help_text="Words of the MRN or names; case and accents are ignored.")


# ---------------------------------------------------------------- answers


def answer_errors(compiled: engine.CompiledTemplate, answers: dict[str, Any]) -> dict[str, list[str]]:
    """Each bad answer under its own item code, in the engine's words."""
    errors: dict[str, list[str]] = {}
    for code, value in answers.items():
        item = compiled.items.get(code)
        fault = "unknown item code" if item is None else engine.value_fault(item, value)
        if fault:
            errors[code] = [fault]
    return errors


class AnswersField(serializers.DictField):
    """``{item_code: value}``; values are checked against the version's items by the serializer that has it."""

    def __init__(self, **kwargs: Any):
        super().__init__(child=serializers.JSONField(allow_null=True), **kwargs)


class AnswersSerializer(serializers.Serializer):
    revision = serializers.IntegerField(min_value=1, max_value=MAX_REVISION, help_text="The revision the answers were read at.")
    answers = AnswersField(help_text="Every answer of the draft, keyed by item code; absent or null = unanswered.")

    def validate_answers(self, answers: dict[str, Any]) -> dict[str, Any]:
        assessment: Assessment = self.context["assessment"]
        errors = answer_errors(assessment.version.compiled(), answers)
        if errors:
            raise serializers.ValidationError(errors)
        return answers


# ---------------------------------------------------------------- decisions


class DecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=CHOICES)
    reason = serializers.CharField(max_length=500, allow_blank=True, required=False, default="")


class AddedTestSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    reason = serializers.CharField(max_length=500)


class DecisionsBodySerializer(serializers.Serializer):
    suggested = serializers.DictField(
        child=DecisionSerializer(), required=False, default=dict,
        help_text='Keyed by suggestion, "test:emg" or "referral:neurology_referral".')
    added = serializers.ListField(child=AddedTestSerializer(), required=False, default=list,
                                  max_length=MAX_ADDED_TESTS)

    def validate_suggested(self, suggested: dict[str, Any]) -> dict[str, Any]:
        """Only what is suggested now may be decided; a decline needs its reason (as on the review page)."""
        suggestions = {key_of(rec): rec for rec in self.context["evaluation"].needing_decision()}
        errors = {}
        for key, given in suggested.items():
            rec = suggestions.get(key)
            fault = (f"{key} is not suggested for these answers" if rec is None
                     else Decision(given["decision"], given["reason"]).fault(rec.title))
            if fault:
                errors[key] = [fault]
        if errors:
            raise serializers.ValidationError(errors)
        return suggested


def decisions_from(data: dict[str, Any] | None) -> Decisions | None:
    """The typed decisions of a validated ``DecisionsBodySerializer`` (None when none were sent)."""
    if data is None:
        return None
    return Decisions(
        {key: Decision(d["decision"], d["reason"].strip()) for key, d in data["suggested"].items()},
        tuple(AddedTest(a["title"].strip(), a["reason"].strip()) for a in data["added"]),
    )


class DecisionsSerializer(serializers.Serializer):
    revision = serializers.IntegerField(min_value=1, max_value=MAX_REVISION)
    decisions = DecisionsBodySerializer()


class SignSerializer(serializers.Serializer):
    revision = serializers.IntegerField(min_value=1, max_value=MAX_REVISION)
    password = serializers.CharField(write_only=True, trim_whitespace=False, max_length=4096,
                                     help_text="Signing is a re-authentication: the signer's own password.")
    otp_code = serializers.CharField(required=False, default="", allow_blank=True, max_length=16, write_only=True,
                                     help_text="The current code of the signer's authenticator app, when signing "
                                               "asks for one (REQUIRE_2FA_FOR_SIGNING, or the signer set one up).")
    decisions = DecisionsBodySerializer(required=False, help_text="Decisions to sign with; else the saved ones.")


class AmendSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000, help_text="Why the signed assessment is reopened.")


# ---------------------------------------------------------------- assessments


class AssessmentCreateSerializer(serializers.Serializer):
    template = serializers.CharField(
        max_length=100, required=False, help_text='"slug@version"; default: the newest published default template.')
    start_from_previous = serializers.BooleanField(default=False)

    def validate_template(self, spec: str) -> TemplateVersion:
        return published_version(spec)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "template" not in attrs:
            try:
                attrs["template"] = published_version(None)
            except serializers.ValidationError as exc:
                raise serializers.ValidationError({"template": exc.detail}) from None
        return attrs


def published_version(spec: str | None) -> TemplateVersion:
    try:
        version = selectors.resolve_version(spec)
    except ValueError as exc:
        raise serializers.ValidationError(str(exc)) from None
    if version.status != TemplateVersion.Status.PUBLISHED:
        raise serializers.ValidationError(f"{version.label} is {version.status}; only a published version can be used.")
    return version


# ---------------------------------------------------------------- suggestions without a patient


class CaseContextSerializer(serializers.Serializer):
    sex = serializers.ChoiceField(choices=Patient.Sex.choices, required=False)
    age_years = serializers.IntegerField(min_value=AGE_LIMITS[0], max_value=AGE_LIMITS[1],
                                         required=False)


class EvaluateSerializer(serializers.Serializer):
    template = serializers.CharField(
        max_length=100, required=False, help_text='"slug@version" or "slug"; default: the newest published default.')
    answers = AnswersField(help_text="Answers keyed by item code, as the suggest_workup case file has them.")
    context = CaseContextSerializer(required=False, help_text="Patient context, for versions whose rules read it.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        try:
            version = selectors.resolve_version(attrs.get("template"))
        except ValueError as exc:
            raise serializers.ValidationError({"template": [str(exc)]}) from None
        if version.is_draft and not self.context.get("may_see_drafts"):
            raise serializers.ValidationError({"template": [f"{version.label} is a draft."]})
        try:
            compiled = version.compiled()
        except engine.TemplateError as exc:
            raise serializers.ValidationError({"template": [f"{version.label} is not a valid template: {exc}"]}) from None
        errors = answer_errors(compiled, attrs["answers"])
        if errors:
            raise serializers.ValidationError({"answers": errors})
        return {**attrs, "version": version}
