"""The workspace's forms: they validate and normalise one part of a draft; the services save it.

Conditions travel as JSON in a text field that the rule builder fills (and that
experts may edit by hand); ``ConditionField`` names a JSON mistake on its field.
Whether a condition fits the template is the engine's to say, after the edit,
through the services.
"""

from __future__ import annotations

import json
import re
from typing import Any

from django import forms
from django.db.models import Q
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import Item, Rule, Section, TemplateCase, TemplateVersion
from .source import SourceDocument, quote_fault, source_document

CODE_HELP = gettext_lazy("Lower-case letters, digits and underscores; left empty, it is made from the text.")
CHOICES_HELP = gettext_lazy("One choice per line, as “code | label” or just the label (the code is made from it).")
CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


def code_from(text: str) -> str:
    """A code from a label: “Muscle weakness (left)” → muscle_weakness_left."""
    code = slugify(text).replace("-", "_")[:64].strip("_")
    return code if code[:1].isalpha() else f"x_{code}"[:64]


class ConditionField(forms.CharField):
    """A JSON condition; empty means “none” when the field is optional."""

    widget = forms.Textarea

    def __init__(self, **kwargs: Any):
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 4, "class": "font-monospace condition-json",
                                                          "spellcheck": "false"}))
        super().__init__(strip=True, **kwargs)

    def prepare_value(self, value: Any) -> Any:
        if value is None or isinstance(value, str):
            return value or ""
        return json.dumps(value, ensure_ascii=False)

    def to_python(self, value: Any) -> Any:
        text = super().to_python(value)
        if not text:
            return None
        try:
            condition = json.loads(text)
        except json.JSONDecodeError as exc:
            # The JSON parser's own words (exc.msg) are English: they name a character, not a clinical fact.
            raise forms.ValidationError(
                _("This is not valid JSON: %(problem)s (line %(line)s, column %(column)s).")
                % {"problem": exc.msg, "line": exc.lineno, "column": exc.colno}, code="json") from exc
        except RecursionError:
            raise forms.ValidationError(_("This condition is nested far too deeply to be a condition."),
                                        code="depth") from None
        if "\\u0000" in json.dumps(condition):
            raise forms.ValidationError(_("A condition cannot contain the NUL character (\\u0000)."), code="nul")
        if not isinstance(condition, dict) or not condition:
            raise forms.ValidationError(_("A condition is a JSON object such as {\"item\": \"cramps\", \"is\": true}."),
                                        code="not_object")
        return condition


class _CodeMixin:
    """A code that is optional on the form (made from ``code_source``) and unique in its version."""

    code_source = "label"
    siblings: Any = None

    def clean_code(self) -> str:
        code = (self.cleaned_data.get("code") or "").strip()  # type: ignore[attr-defined]
        if not code:
            return ""
        if not CODE_PATTERN.match(code):
            raise forms.ValidationError(_("Use lower-case letters, digits and underscores, starting with a letter."),
                                        code="bad_code")
        return code

    def _unique_code(self, code: str, field: str = "code") -> None:
        if self.siblings is not None and self.siblings.filter(code=code).exclude(pk=self.instance.pk).exists():  # type: ignore[attr-defined]
            self.add_error(field, _("Another part of this version already has the code “%(code)s”.")  # type: ignore[attr-defined]
                           % {"code": code})


# ---------------------------------------------------------------- version and sections


class VersionForm(forms.ModelForm):
    class Meta:
        model = TemplateVersion
        fields = ["title", "source_document"]


class SectionForm(_CodeMixin, forms.ModelForm):
    code_source = "title"

    class Meta:
        model = Section
        fields = ["title", "code", "reassess_each_visit", "compare_on_follow_up"]
        help_texts = {"code": CODE_HELP}

    def __init__(self, *args: Any, version: TemplateVersion, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["code"].required = False
        self.siblings = version.sections.all()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("title") and not data.get("code") and "code" not in self.errors:
            data["code"] = self.instance.code or code_from(data["title"])
        if data.get("code"):
            self._unique_code(data["code"])
        return data


# ---------------------------------------------------------------- questions


def parse_choices(text: str) -> list[list[str]]:
    choices = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        code, sep, label = (part.strip() for part in line.partition("|"))
        if not sep:
            code, label = code_from(code), code
        if not code or not label:
            raise forms.ValidationError(
                _("Line %(number)s: write each choice as “code | label”, or just the label.") % {"number": number},
                code="bad_choice")
        if not CODE_PATTERN.match(code):
            raise forms.ValidationError(
                _("Line %(number)s: the code “%(code)s” may use only lower-case letters, digits and underscores.")
                % {"number": number, "code": code}, code="bad_choice")
        choices.append([code, label])
    return choices


class ItemForm(_CodeMixin, forms.ModelForm):
    choices_text = forms.CharField(label=gettext_lazy("Choices"), required=False, help_text=CHOICES_HELP,
                                   widget=forms.Textarea(attrs={"rows": 4}))
    shown_when = ConditionField(label=gettext_lazy("Shown when"), required=False,
                                help_text=gettext_lazy("Leave empty to always show the question. It may look at "
                                                       "earlier questions only."))

    class Meta:
        model = Item
        fields = ["section", "label", "code", "type", "required", "help_text", "choices_text", "min_value",
                  "max_value", "shown_when", "grid_row", "grid_column", "in_mrc_sum"]
        help_texts = {"code": CODE_HELP, "min_value": gettext_lazy("Whole-number questions only."),
                      "max_value": gettext_lazy("Whole-number questions only."),
                      "in_mrc_sum": gettext_lazy("MRC questions only: whether the grade adds to the MRC sum score.")}

    def __init__(self, *args: Any, version: TemplateVersion, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["section"].queryset = version.sections.order_by("order", "id")
        self.fields["section"].empty_label = None
        self.fields["section"].label_from_instance = lambda section: section.title
        self.fields["code"].required = False
        self.siblings = version.items.all()
        if self.instance.pk:
            self.fields["choices_text"].initial = "\n".join(f"{c} | {label}" for c, label in self.instance.choices)
            self.fields["choices_text"].widget.attrs["rows"] = min(max(4, len(self.instance.choices) + 1), 12)

    def clean_choices_text(self) -> list[list[str]]:
        return parse_choices(self.cleaned_data.get("choices_text") or "")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("label") and not data.get("code") and "code" not in self.errors:
            data["code"] = self.instance.code or code_from(data["label"])
        if data.get("code"):
            self._unique_code(data["code"])
        kind = data.get("type")
        if kind in ("choice", "multi") and not data.get("choices_text") and "choices_text" not in self.errors:
            self.add_error("choices_text", _("A one-choice or several-choices question needs its choices."))
        if kind not in ("choice", "multi"):
            data["choices_text"] = []
        if kind != "mrc":
            data["grid_row"], data["grid_column"] = "", ""
        elif bool(data.get("grid_row")) != bool(data.get("grid_column")):
            self.add_error("grid_column", _("Give both the movement (row) and the side (column), or neither."))
        return data

    def save(self, commit: bool = True) -> Item:
        self.instance.choices = self.cleaned_data.get("choices_text", [])
        self.instance.code = self.cleaned_data["code"]
        return super().save(commit)


# ---------------------------------------------------------------- rules


class RuleForm(_CodeMixin, forms.ModelForm):
    code_source = "title"
    condition = ConditionField(label=gettext_lazy("Fires when"),
                               help_text=gettext_lazy("Build it from questions, findings and patient details; an "
                                                      "unanswered question never counts as “no”."))
    urgent_when = ConditionField(label=gettext_lazy("Urgent when"), required=False,
                                 help_text=gettext_lazy("Optional: raises a routine test or referral to urgent."))
    source_section = forms.ChoiceField(label=gettext_lazy("Section of the source document"))
    source_quote = forms.CharField(label=gettext_lazy("Quoted passage"), widget=forms.Textarea(attrs={"rows": 3}),
                                   help_text=gettext_lazy("Pick a passage below, or shorten one; join passages "
                                                          "with “…”."))

    class Meta:
        model = Rule
        fields = ["kind", "title", "code", "detail", "priority", "condition", "urgent_when", "source_section",
                  "source_quote", "patient_text", "role"]
        help_texts = {"code": CODE_HELP}
        widgets = {"detail": forms.Textarea(attrs={"rows": 2}), "patient_text": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, version: TemplateVersion, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["code"].required = False
        self.source = source_document()
        headings = self.source.headings
        source = self.instance.source or {}
        if source.get("section") and source["section"] not in headings:
            headings = [*headings, source["section"]]
        self.fields["source_section"].choices = [("", _("Choose a section")), *((h, h) for h in headings)]
        self.fields["source_section"].initial = source.get("section", "")
        self.fields["source_quote"].initial = source.get("quote", "")
        self.version = version

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("title") and not data.get("code") and "code" not in self.errors:
            data["code"] = self.instance.code or code_from(data["title"])
        if data.get("code") and data.get("kind"):
            clash = self.version.rules.filter(kind=data["kind"], code=data["code"]).exclude(pk=self.instance.pk)
            if clash.exists():
                self.add_error("code", _("Another %(kind)s rule has the code “%(code)s”.")
                               % {"kind": str(Rule.Kind(data["kind"]).label).lower(), "code": data["code"]})
        section, quote = data.get("source_section"), (data.get("source_quote") or "").strip()
        if section and quote and self.source.sections:
            fault = _quote_fault(self.source, section, quote, self.instance.source or {})
            if fault:
                self.add_error("source_quote", fault)
        if data.get("urgent_when") and not data.get("priority"):
            self.add_error("priority", _("Give a priority: “urgent when” raises it from routine."))
        return data

    def save(self, commit: bool = True) -> Rule:
        data = self.cleaned_data
        kept = {key: value for key, value in (self.instance.source or {}).items() if key not in ("section", "quote")}
        self.instance.source = {"section": data["source_section"], "quote": data["source_quote"].strip(), **kept}
        self.instance.code = data["code"]
        return super().save(commit)


def _quote_fault(source: SourceDocument, section: str, quote: str, current: dict[str, Any]) -> str | None:
    """A passage kept as it was is never refused; a new or changed one must be in the source document."""
    if (section, quote) == (current.get("section"), current.get("quote")):
        return None
    return quote_fault(source, section, quote)


# ---------------------------------------------------------------- test cases and release


class CaseFromPreviewForm(forms.Form):
    case_name = forms.CharField(label=gettext_lazy("Test case name"), max_length=200)
    expect_mode = forms.ChoiceField(
        label=gettext_lazy("It expects"), initial="exactly", widget=forms.RadioSelect,
        choices=[("exactly", gettext_lazy("exactly these suggestions")),
                 ("includes", gettext_lazy("at least these suggestions"))],
    )

    def __init__(self, *args: Any, version: TemplateVersion, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.version = version

    def clean_case_name(self) -> str:
        name = " ".join(self.cleaned_data["case_name"].split())
        if self.version.cases.filter(name=name).exists():
            raise forms.ValidationError(_("A test case called “%(name)s” already exists; choose another name.")
                                        % {"name": name}, code="duplicate")
        return name


class CaseForm(forms.ModelForm):
    class Meta:
        model = TemplateCase
        fields = ["name"]

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if self.instance.version.cases.filter(name=name).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("A test case called “%(name)s” already exists.") % {"name": name},
                                        code="duplicate")
        return name


class PublishForm(forms.Form):
    confirm = forms.BooleanField(label=gettext_lazy("I have reviewed the changes and the test case results."),
                                 error_messages={"required": gettext_lazy("Tick the box to confirm you reviewed the "
                                                                          "changes.")})


class ReplacementField(forms.ModelChoiceField):
    def label_from_instance(self, obj: TemplateVersion) -> str:
        if obj.is_draft:
            return _("%(label)s: %(title)s (draft, published in its place)") % {"label": obj.label, "title": obj.title}
        return f"{obj.label}: {obj.title}"


class RetireForm(forms.Form):
    replacement = ReplacementField(
        queryset=TemplateVersion.objects.none(), required=False, label=gettext_lazy("Replacement for new assessments"),
        empty_label=gettext_lazy("No replacement"),
        help_text=gettext_lazy("What new assessments use instead: a published version, or a draft that is published "
                               "in its place. Needed when this is the only published version."),
    )
    confirm = forms.BooleanField(label=gettext_lazy("Retire this version: no new assessment will use it."),
                                 error_messages={"required": gettext_lazy("Tick the box to confirm the retirement.")})

    def __init__(self, *args: Any, version: TemplateVersion, **kwargs: Any):
        super().__init__(*args, **kwargs)
        Status = TemplateVersion.Status
        self.fields["replacement"].queryset = TemplateVersion.objects.filter(
            Q(status=Status.PUBLISHED) | Q(status=Status.DRAFT, template=version.template)
        ).exclude(pk=version.pk).select_related("template").order_by("template__slug", "-number")
