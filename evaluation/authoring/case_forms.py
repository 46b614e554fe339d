"""A test case's expectations as a form: for each kind of suggestion, which rules are expected, by title.

Each rule of the draft is “expected”, “must not appear” or not checked; each
kind is checked “exactly” or “at least”. Expectations the form does not show
(priorities of single tests) are kept as they were.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import engine
from ..models import TemplateCase
from .diff import KIND_NAMES

EXPECTED, EXCLUDED = "expect", "exclude"
MARKS = [("", gettext_lazy("Not checked")), (EXPECTED, gettext_lazy("Expected")),
         (EXCLUDED, gettext_lazy("Must not appear"))]
MODES = [("includes", gettext_lazy("At least the expected ones")), ("exactly", gettext_lazy("Exactly the expected ones"))]
SMALL_SELECT = forms.Select(attrs={"class": "form-select form-select-sm"})
REFERRAL_PRIORITIES = [("", gettext_lazy("Not checked")), ("urgent", gettext_lazy("Urgent")),
                       ("routine", gettext_lazy("Routine")), ("none", gettext_lazy("No referral"))]


class ExpectationsForm(forms.Form):
    def __init__(self, *args: Any, case: TemplateCase, rules: list[dict[str, Any]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.case = case
        self.groups: list[dict[str, Any]] = []
        expect = case.expect or {}
        for kind, name in KIND_NAMES.items():
            key = engine.OUTPUT_KEYS[kind]
            spec = expect.get(key) if isinstance(expect.get(key), dict) else {}
            mode_field = f"mode__{key}"
            self.fields[mode_field] = forms.ChoiceField(label=_("%(kind)s: check") % {"kind": name}, choices=MODES,
                                                        required=False,
                                                        initial="exactly" if "exactly" in spec else "includes")
            names = []
            for rule in (r for r in rules if r["kind"] == kind):
                field = f"rule__{kind}__{rule['code']}"
                self.fields[field] = forms.ChoiceField(label=rule["title"], choices=MARKS, required=False,
                                                       initial=_mark(spec, rule["code"]), widget=SMALL_SELECT)
                names.append(field)
            self.groups.append({"name": name, "key": key, "mode": mode_field, "fields": names,
                                "checked": bool(spec)})
        self.fields["referral_priority"] = forms.ChoiceField(
            label=_("Referral priority"), choices=REFERRAL_PRIORITIES, required=False,
            initial=expect.get("referral_priority", ""))

    def group_fields(self) -> list[dict[str, Any]]:
        return [{**g, "mode": self[g["mode"]], "fields": [self[f] for f in g["fields"]]} for g in self.groups]

    def expectations(self) -> dict[str, Any]:
        """The new ``expect`` document; call after is_valid()."""
        data = self.cleaned_data
        expect = {key: value for key, value in (self.case.expect or {}).items()
                  if key not in engine.OUTPUT_KEYS.values() and key != "referral_priority"}
        for group in self.groups:
            kind_codes = [(f.split("__", 2)[2], data.get(f)) for f in group["fields"]]
            expected = [code for code, mark in kind_codes if mark == EXPECTED]
            excluded = [code for code, mark in kind_codes if mark == EXCLUDED]
            spec: dict[str, list[str]] = {}
            if data.get(group["mode"]) == "exactly":
                spec["exactly"] = expected
            elif expected:
                spec["includes"] = expected
            if excluded:
                spec["excludes"] = excluded
            if spec:
                expect[group["key"]] = spec
        if data.get("referral_priority"):
            expect["referral_priority"] = data["referral_priority"]
        return expect


def _mark(spec: dict[str, Any], code: str) -> str:
    if code in (spec.get("exactly") or []) or code in (spec.get("includes") or []):
        return EXPECTED
    if code in (spec.get("excludes") or []):
        return EXCLUDED
    return ""
