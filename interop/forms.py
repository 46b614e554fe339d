"""The token page's and the export page's forms: they validate and normalise, never save."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from evaluation.models import TemplateVersion

from .tokens import LIFETIMES_DAYS


def lifetime_choices() -> list[tuple[int, str]]:
    """Called each time the menu is drawn, so it is worded in the language of that page."""
    return [(days, ngettext("%(days)d day", "%(days)d days", days) % {"days": days}) for days in LIFETIMES_DAYS]


class TokenForm(forms.Form):
    name = forms.CharField(label=_("What is it for?"), max_length=100,
                           help_text=_("E.g. “EHR link” or “research script”; shown in the list below."))
    lifetime_days = forms.TypedChoiceField(
        label=_("Expires after"), coerce=int, initial=90,
        choices=lifetime_choices,
    )

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError(_("Name the token."), code="blank")
        return name


class ExportForm(forms.Form):
    version = forms.ModelChoiceField(
        queryset=TemplateVersion.objects.none(), label=_("Template version"), empty_label=None,
        help_text=_("One column per question of this version; only assessments made with it are exported."),
    )
    signed_from = forms.DateField(label=_("Signed from"), required=False,
                                  widget=forms.DateInput(attrs={"type": "date"}))
    signed_to = forms.DateField(label=_("Signed until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    deidentified = forms.BooleanField(
        label=_("De-identify"), required=False, initial=True,
        help_text=_("No MRN, name, date of birth, record id or signer; a pseudonym per patient (new for each "
                    "export), ages in years, free text withheld."),
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
            self.add_error("signed_to", _("The end date is before the start date."))
        if not data.get("deidentified") and not self.may_identify:
            # Identifiers are patient records: only a role that may see patients may take them out.
            self.add_error("deidentified", _("Your role may export de-identified data only."))
        return data
