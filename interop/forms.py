"""The token page's and the export page's forms: they validate and normalise, never save."""

from __future__ import annotations

from typing import Any

from django import forms

from evaluation.models import TemplateVersion

from .tokens import LIFETIMES_DAYS


class TokenForm(forms.Form):
    name = forms.CharField(label="What is it for?", max_length=100,
                           help_text="E.g. “EHR link” or “research script”; shown in the list below.")
    lifetime_days = forms.TypedChoiceField(
        label="Expires after", coerce=int, initial=90,
        choices=[(days, f"{days} days") for days in LIFETIMES_DAYS],
    )

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError("Name the token.", code="blank")
        return name


class ExportForm(forms.Form):
    version = forms.ModelChoiceField(
        queryset=TemplateVersion.objects.none(), label="Template version", empty_label=None,
        help_text="One column per question of this version; only assessments made with it are exported.",
    )
    signed_from = forms.DateField(label="Signed from", required=False,
                                  widget=forms.DateInput(attrs={"type": "date"}))
    signed_to = forms.DateField(label="Signed until", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    deidentified = forms.BooleanField(
        label="De-identify", required=False, initial=True,
        help_text="No MRN, name, date of birth, record id or signer; a pseudonym per patient (new for each "
                  "export), ages in years, free text withheld.",
    )

    def __init__(self, *args: Any, may_identify: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.may_identify = may_identify
        self.fields["version"].queryset = TemplateVersion.objects.exclude(
            status=TemplateVersion.Status.DRAFT).select_related("template").order_by("template__slug", "-number")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("signed_from"), data.get("signed_to")
        if start and end and start > end:
            self.add_error("signed_to", "The end date is before the start date.")
        if not data.get("deidentified") and not self.may_identify:
            # Identifiers are patient records: only a role that may see patients may take them out.
            self.add_error("deidentified", "Your role may export de-identified data only.")
        return data
