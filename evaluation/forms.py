"""Forms validate and normalise; they never save. The assessment form is built from a template version."""

from __future__ import annotations

import copy
import datetime
import re
import weakref
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout, Submit
from django import forms
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from . import engine, selectors
from .decisions import AddedTest, Decision, Decisions, key_of, words_for
from .layout import reason_text
from .models import AuditEvent, Patient, TemplateVersion

NOT_RECORDED = ("", gettext_lazy("Not recorded"))
MRC_GRADES = [
    ("", gettext_lazy("Not tested")),
    ("5", gettext_lazy("5 – normal")),
    ("4", gettext_lazy("4 – against some resistance")),
    ("3", gettext_lazy("3 – against gravity")),
    ("2", gettext_lazy("2 – gravity eliminated")),
    ("1", gettext_lazy("1 – flicker")),
    ("0", gettext_lazy("0 – no contraction")),
]
MRN_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9\-/]{1,31}$")


# ---------------------------------------------------------------- patients


class PatientForm(forms.ModelForm):
    class Meta:
        model = Patient
        fields = ["mrn", "family_name", "given_name", "date_of_birth", "sex", "preferred_language"]
        widgets = {"date_of_birth": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
        help_texts = {"mrn": gettext_lazy("Letters, digits, “-” or “/”; 2 to 32 characters.")}

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        # Left out of a post (an older client), the language stays as it is, English for a new patient.
        self.fields["preferred_language"].required = False
        self.helper.layout = Layout("mrn", "family_name", "given_name", "date_of_birth", "sex", "preferred_language")
        self.helper.add_input(Submit("save", _("Save patient")))

    def clean_preferred_language(self) -> str:
        return self.cleaned_data.get("preferred_language") or self.instance.preferred_language or "en"

    def clean_mrn(self) -> str:
        mrn = self.cleaned_data["mrn"].strip().upper()
        if not MRN_PATTERN.match(mrn):
            raise forms.ValidationError(
                _("Enter the MRN as letters, digits, “-” or “/” (2 to 32 characters)."), code="invalid_mrn"
            )
        return mrn

    def _clean_name(self, field: str) -> str:
        value = " ".join(self.cleaned_data[field].split())
        if not value:
            raise forms.ValidationError(_("This field cannot be blank."), code="blank")
        return value

    def clean_family_name(self) -> str:
        return self._clean_name("family_name")

    def clean_given_name(self) -> str:
        return self._clean_name("given_name")

    def clean_date_of_birth(self) -> datetime.date:
        dob = self.cleaned_data["date_of_birth"]
        if dob > timezone.localdate():
            raise forms.ValidationError(_("The date of birth cannot be in the future."), code="future")
        if dob.year < 1900:
            raise forms.ValidationError(_("Enter a date of birth from 1900 on."), code="too_old")
        return dob


class PatientSearchForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Search by MRN or name"), required=False, max_length=100)


# ---------------------------------------------------------------- assessments


class NewAssessmentForm(forms.Form):
    version = forms.ModelChoiceField(
        queryset=TemplateVersion.objects.none(), label=gettext_lazy("Checklist"), empty_label=None,
        help_text=gettext_lazy("The newest published version is chosen for you."),
    )
    start_from_previous = forms.BooleanField(
        required=False, label=gettext_lazy("Start from the previous visit's answers"),
    )

    def __init__(self, *args: Any, has_previous: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["version"].queryset = selectors.published_versions()
        if not has_previous:
            del self.fields["start_from_previous"]


def _item_field(item: engine.ItemSpec, help_text: str) -> forms.Field:
    # Django and crispy render help_text unescaped; it comes from an imported template, so escape it here.
    common = {"label": item.label, "required": False, "help_text": escape(help_text)}
    if item.type == "bool":
        return forms.TypedChoiceField(
            choices=[("yes", gettext_lazy("Yes")), ("no", gettext_lazy("No")), NOT_RECORDED],
            coerce=lambda v: v == "yes", empty_value=None, widget=forms.RadioSelect, **common,
        )
    if item.type == "choice":
        return forms.ChoiceField(choices=[*item.choices, NOT_RECORDED], widget=forms.RadioSelect, **common)
    if item.type == "multi":
        return forms.MultipleChoiceField(choices=item.choices, widget=forms.CheckboxSelectMultiple, **common)
    if item.type == "int":
        # A text box, not type=number: a browser's number box turns "8 weeks" into "" (or "8e") before
        # the server sees it, so the typo would be dropped silently instead of refused with a message.
        return forms.IntegerField(
            min_value=item.min_value, max_value=item.max_value,
            error_messages={"invalid": gettext_lazy("Enter a whole number, digits only (for example 8).")},
            widget=forms.TextInput(attrs={"inputmode": "numeric", "pattern": "[0-9]*", "autocomplete": "off",
                                          "class": "form-control numeric-answer"}),
            **common,
        )
    if item.type == "mrc":
        return forms.TypedChoiceField(
            choices=MRC_GRADES, coerce=int, empty_value=None,
            widget=forms.Select(attrs={"class": "form-select form-select-sm"}), **common,
        )
    return forms.CharField(
        max_length=engine.TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 2}), **common
    )


def initial_value(item: engine.ItemSpec, value: Any) -> Any:
    if value is None:
        return "" if item.type in ("bool", "choice", "mrc") else None
    if item.type == "bool":
        return "yes" if value else "no"
    if item.type == "mrc":
        return str(value)
    return value


class VisitForm(forms.Form):
    """The parts of the assessment form that are not items: the revision it was read at and the visit date.

    On its own it is what the form page needs around the items when nothing was posted (the items'
    markup then comes from the per-version cache, see evaluation/views/form_page.py)."""

    revision = forms.IntegerField(widget=forms.HiddenInput)
    visit_date = forms.DateField(
        label=gettext_lazy("Visit date"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": gettext_lazy("Enter the visit date as a date, for example 2026-11-25.")},
    )

    def clean_visit_date(self) -> Any:
        day = self.cleaned_data.get("visit_date")
        if day is not None and day > timezone.localdate():
            raise forms.ValidationError(_("The visit date cannot be in the future."))
        return day


# Per compiled template (published versions are compiled once and kept) and language: the item fields,
# built once. Weak keys, so a version whose compiled form is dropped takes its fields with it.
_item_fields_cache: weakref.WeakKeyDictionary[engine.CompiledTemplate, dict[str, dict[str, forms.Field]]] = (
    weakref.WeakKeyDictionary())


def item_fields(compiled: engine.CompiledTemplate) -> dict[str, forms.Field]:
    """One field per item of ``compiled``, worded in the active language; shared, so never to be changed:
    a form takes copies (as Django forms do of their declared fields)."""
    by_language = _item_fields_cache.setdefault(compiled, {})
    language = get_language()
    fields = by_language.get(language)
    if fields is None:
        fields = by_language[language] = {code: _new_item_field(code, item) for code, item in compiled.items.items()}
    return fields


def _new_item_field(code: str, item: engine.ItemSpec) -> forms.Field:
    help_text = item.help_text
    if item.required:
        help_text = (_("Required before signing.") + " " + help_text).strip()
    field = _item_field(item, help_text)
    field.item = item
    # Filled by the service (visit type): shown, never posted back.
    field.disabled = code in engine.SERVICE_SET_ITEMS
    return field


def _answers_from(codes: Any, cleaned: dict[str, Any]) -> dict[str, Any]:
    """The cleaned answers of ``codes``, unanswered items left out."""
    data = {}
    for code in codes:
        value = cleaned.get(code)
        if value in (None, "", []):
            continue
        # A tampered post can repeat a checkbox value; one answer lists a choice once.
        data[code] = list(dict.fromkeys(value)) if isinstance(value, list) else value
    return data


def posted_answers(compiled: engine.CompiledTemplate, data: Any) -> dict[str, Any]:
    """What ``AssessmentForm(data, compiled=compiled).valid_answers()`` gives, without building the form:
    each item's shared field cleans its posted value (cleaning changes no field); invalid values and the
    service-filled items (disabled: a post cannot set them) are left out. For live suggestions."""
    cleaned = {}
    for code, field in item_fields(compiled).items():
        if field.disabled:
            continue
        try:
            cleaned[code] = field.clean(field.widget.value_from_datadict(data, {}, code))
        except forms.ValidationError:
            continue
    return _answers_from(compiled.items, cleaned)


class AssessmentForm(VisitForm):
    """One field per item of the version. Nothing is required here: required items
    are enforced when signing, so a partial draft can always be saved."""

    def __init__(self, *args: Any, compiled: engine.CompiledTemplate, answers: dict[str, Any] | None = None,
                 **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.compiled = compiled
        answers = answers or {}
        for code, shared in item_fields(compiled).items():
            field = copy.deepcopy(shared)
            field.initial = initial_value(shared.item, answers.get(code))
            self.fields[code] = field

    def answers(self) -> dict[str, Any]:
        """The cleaned answers, unanswered items left out."""
        return _answers_from(self.compiled.items, self.cleaned_data)

    def valid_answers(self) -> dict[str, Any]:
        """For live suggestions: whatever parts of the form are valid, even if others are not."""
        self.is_valid()
        return self.answers()


class DecisionsForm(forms.Form):
    """Ordered or declined for every suggested test and referral, added tests, and the signature."""

    revision = forms.IntegerField(widget=forms.HiddenInput)
    password = forms.CharField(
        label=gettext_lazy("Your password"), required=False, strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=gettext_lazy("Signing is a re-authentication: enter your password to sign as author."),
    )
    # Asked for only when signing needs a second factor (accounts/two_factor.py); checked by the signing view.
    otp_code = forms.CharField(
        label=gettext_lazy("Code from your authenticator app"), required=False, max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
    ADDED_ROWS = 3

    def __init__(self, *args: Any, evaluation: engine.Evaluation, decisions: Decisions, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.suggestions = sorted(evaluation.needing_decision(), key=self.review_order)
        for rec in self.suggestions:
            self._add_decision_fields(rec, decisions.get(key_of(rec)))
        added = list(decisions.added)
        for index in range(max(self.ADDED_ROWS, len(added) + 1)):
            row = added[index] if index < len(added) else AddedTest("")
            self.fields[f"added_title_{index}"] = forms.CharField(
                label=_("Test not suggested"), required=False, max_length=200, initial=row.title,
            )
            self.fields[f"added_reason_{index}"] = forms.CharField(
                label=_("Reason"), required=False, max_length=500, initial=row.reason,
            )

    @staticmethod
    def review_order(rec: engine.Recommendation) -> tuple[int, int]:
        """Referral before tests, urgent before routine, as the suggestions panel and the PDF list them."""
        return (0 if rec.kind == "referral" else 1, 0 if rec.priority == "urgent" else 1)

    def _add_decision_fields(self, rec: engine.Recommendation, current: Decision | None) -> None:
        key = key_of(rec)
        self.fields[f"decision__{key}"] = forms.ChoiceField(
            label=rec.title, required=False, widget=forms.RadioSelect,
            choices=[(choice, str(words).capitalize()) for choice, words in words_for(rec.kind).items()],
            initial=current.choice if current else None,
        )
        self.fields[f"reason__{key}"] = forms.CharField(
            label=_("Reason for declining %(title)s") % {"title": rec.title}, required=False, max_length=500,
            initial=current.reason if current else "",
        )

    def rows(self) -> list[dict[str, Any]]:
        return [
            {"rec": rec, "decision": self[f"decision__{key_of(rec)}"], "reason": self[f"reason__{key_of(rec)}"],
             "reasons": [reason_text(r) for r in rec.reasons]}
            for rec in self.suggestions
        ]

    def added_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        count = len([name for name in self.fields if name.startswith("added_title_")])
        return [(self[f"added_title_{i}"], self[f"added_reason_{i}"]) for i in range(count)]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for rec in self.suggestions:
            key = key_of(rec)
            choice = data.get(f"decision__{key}")
            # Only a made decision can be wrong here; a missing one is for signing to refuse.
            fault = Decision(choice, data.get(f"reason__{key}") or "").fault(rec.title, rec.kind) if choice else None
            if fault:
                self.add_error(f"reason__{key}", fault)
        for title_field, reason_field in self.added_rows():
            title = (data.get(title_field.name) or "").strip()
            reason = (data.get(reason_field.name) or "").strip()
            if title and not reason:
                self.add_error(reason_field.name, _("Give a reason for adding %(title)s.") % {"title": title})
            if reason and not title:
                self.add_error(title_field.name, _("Name the test you are adding."))
        return data

    def decisions(self) -> Decisions:
        suggested = {}
        for rec in self.suggestions:
            key = key_of(rec)
            choice = self.cleaned_data.get(f"decision__{key}")
            if choice:
                suggested[key] = Decision(choice, (self.cleaned_data.get(f"reason__{key}") or "").strip())
        added = []
        for title_field, reason_field in self.added_rows():
            title = (self.cleaned_data.get(title_field.name) or "").strip()
            if title:
                added.append(AddedTest(title, (self.cleaned_data.get(reason_field.name) or "").strip()))
        return Decisions(suggested, tuple(added))


class AmendForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason for the amendment"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Recorded with the new revision; the signed revision stays readable as it was."),
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("amend", _("Start amendment"), css_class="btn-warning"))

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Give the reason for the amendment."), code="blank")
        return reason


class TemplateImportForm(forms.Form):
    file = forms.FileField(label="Template JSON file", help_text="A file exported from this service.")


class AuditFilterForm(forms.Form):
    user = forms.CharField(label=gettext_lazy("User name"), required=False, max_length=150)
    patient = forms.UUIDField(label=gettext_lazy("Patient record id"), required=False)
    action = forms.ChoiceField(label=gettext_lazy("Action"), required=False,
                               choices=[("", gettext_lazy("Any action")), *AuditEvent.Action.choices])
    date_from = forms.DateField(label=gettext_lazy("From"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    date_to = forms.DateField(label=gettext_lazy("To"), required=False,
                              widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return data

    def filters(self) -> dict[str, Any]:
        """The valid filters as ``selectors.audit_events`` takes them; call after is_valid()."""
        data = self.cleaned_data
        return {"username": data.get("user") or "", "patient": data.get("patient"), "action": data.get("action") or "",
                "date_from": data.get("date_from"), "date_to": data.get("date_to")}

    def active_filters(self) -> dict[str, str]:
        """The filters as plain strings, for the export's own audit record and for page links."""
        data = getattr(self, "cleaned_data", {})
        return {name: str(value) for name, value in data.items() if value not in (None, "")}
