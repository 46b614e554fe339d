"""A condition in words: ``{"all": [{"item": "rf_weakness", "is": true}, {"finding": "any_red_flag"}]}``
reads "Muscle weakness is Yes AND any red flag".

Pure: it reads a template document (item labels, choice labels, finding titles)
and never the database, so the rule list, the diff and the tests share it. The
rule builder's script (``static/js/rule-builder.js``) writes the same sentences
while a condition is being built.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# Groups of this many parts or more are shown as a list (``outline``).
OUTLINE_FROM = 3
# Phrases of the comparisons, as the builder shows them (whole sentences, so a translation may reorder them).
COMPARISON_SENTENCES = {
    "gte": gettext_lazy("%(subject)s is at least %(value)s"),
    "gt": gettext_lazy("%(subject)s is more than %(value)s"),
    "lte": gettext_lazy("%(subject)s is at most %(value)s"),
    "lt": gettext_lazy("%(subject)s is less than %(value)s"),
}


@dataclass(frozen=True)
class Subject:
    """What an atom of a condition asks about: a question of the template, or the patient context."""

    label: str
    type: str
    choices: tuple[tuple[str, str], ...] = ()
    unit: str = ""

    def choice_label(self, code: Any) -> str:
        return str(dict(self.choices).get(code, code))


SEX_CHOICES = (("female", gettext_lazy("Female")), ("male", gettext_lazy("Male")), ("other", gettext_lazy("Other")),
               ("unknown", gettext_lazy("Unknown")))
# The patient context a condition may read: from the patient record and the visit date.
CONTEXT_SUBJECTS = {
    "sex": Subject(gettext_lazy("Sex"), "choice", SEX_CHOICES),
    "age_years": Subject(gettext_lazy("Age"), "int", unit=gettext_lazy("years")),
}


@dataclass(frozen=True)
class Vocabulary:
    """The words of one template: its questions by code, its findings' titles by code."""

    items: Mapping[str, Subject]
    findings: Mapping[str, str]
    sections: Mapping[str, str]

    @classmethod
    def from_document(cls, document: Mapping[str, Any]) -> Vocabulary:
        items: dict[str, Subject] = {}
        sections: dict[str, str] = {}
        for section in _dicts(document.get("sections")):
            for raw in _dicts(section.get("items")):
                if isinstance(raw.get("code"), str):
                    items[raw["code"]] = _subject(raw)
                    sections[raw["code"]] = str(section.get("title") or section.get("code") or "")
        findings = {f["code"]: str(f.get("title") or f["code"]) for f in _dicts(document.get("findings"))
                    if isinstance(f.get("code"), str)}
        return cls(items, findings, sections)


def _dicts(value: Any) -> list[Mapping[str, Any]]:
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def _subject(raw: Mapping[str, Any]) -> Subject:
    choices = tuple((str(c[0]), str(c[1])) for c in raw.get("choices") or ()
                    if isinstance(c, (list, tuple)) and len(c) == 2)
    return Subject(str(raw.get("label") or raw["code"]), str(raw.get("type") or ""), choices)


def describe(condition: Any, vocabulary: Vocabulary) -> str:
    """The condition as one readable sentence, starting with a capital."""
    if condition is None:
        return _("Always")
    text = _describe(condition, vocabulary)
    return text[:1].upper() + text[1:]


def outline(condition: Any, vocabulary: Vocabulary) -> tuple[str, list[str]]:
    """A long ALL or ANY group as a heading and one line per part, which reads better than a run-on sentence;
    anything else as one sentence with no heading."""
    for key, heading in (("all", _("All of these")), ("any", _("Any of these"))):
        parts = condition.get(key) if isinstance(condition, Mapping) and len(condition) == 1 else None
        if isinstance(parts, list) and len(parts) >= OUTLINE_FROM:
            return heading, [describe(part, vocabulary) for part in parts]
    return "", [describe(condition, vocabulary)]


def _describe(cond: Any, vocabulary: Vocabulary) -> str:
    if not isinstance(cond, Mapping) or not cond:
        return _not_understood(cond)
    if "all" in cond or "any" in cond:
        return _group(cond, vocabulary)
    if "not" in cond:
        return _("NOT %(condition)s") % {"condition": _part(cond["not"], vocabulary)}
    if "finding" in cond:
        return _finding(cond["finding"], vocabulary)
    if "item" in cond:
        subject = vocabulary.items.get(cond["item"]) if isinstance(cond["item"], str) else None
        name = subject.label if subject else _("unknown question “%(code)s”") % {"code": cond["item"]}
        return _atom(cond, "item", name, subject)
    if "context" in cond:
        subject = CONTEXT_SUBJECTS.get(cond["context"]) if isinstance(cond["context"], str) else None
        name = subject.label if subject else _("unknown patient detail “%(code)s”") % {"code": cond["context"]}
        return _atom(cond, "context", name, subject)
    return _not_understood(cond)


def _group(cond: Mapping[str, Any], vocabulary: Vocabulary) -> str:
    key = "all" if "all" in cond else "any"
    parts = cond[key]
    if not isinstance(parts, list) or len(cond) != 1:
        return _not_understood(cond)
    if not parts:
        return _("always") if key == "all" else _("never")
    if len(parts) == 1:
        return _describe(parts[0], vocabulary)
    joiner = _(" AND ") if key == "all" else _(" OR ")
    return joiner.join(_part(part, vocabulary) for part in parts)


def _part(cond: Any, vocabulary: Vocabulary) -> str:
    """A part inside a group or after NOT: in brackets when it is itself a group of several."""
    text = _describe(cond, vocabulary)
    if isinstance(cond, Mapping):
        for key in ("all", "any"):
            if isinstance(cond.get(key), list) and len(cond[key]) > 1:
                return f"({text})"
    return text


def _finding(code: Any, vocabulary: Vocabulary) -> str:
    title = vocabulary.findings.get(code) if isinstance(code, str) else None
    if title is None:
        return _("unknown finding “%(code)s”") % {"code": code}
    # "Red flag or abnormal examination" reads as a clause mid-sentence; "MRC ..." keeps its capitals.
    if len(title) > 1 and title[1].islower():
        return title[0].lower() + title[1:]
    return title


def _atom(cond: Mapping[str, Any], key: str, name: str, subject: Subject | None) -> str:
    operators = [k for k in cond if k != key]
    if len(operators) != 1:
        return _not_understood(cond)
    op = operators[0]
    value = cond[op]
    if key == "context" and op == "present":
        return (_("%(subject)s is known") if value else _("%(subject)s is not known")) % {"subject": name}
    sentence = _operator_sentence(op, value, subject, name)
    return sentence if sentence else _not_understood(cond)


def _operator_sentence(op: str, value: Any, subject: Subject | None, name: str) -> str | None:
    if op == "is":
        if isinstance(value, bool):
            return (_("%(subject)s is Yes") if value else _("%(subject)s is No")) % {"subject": name}
        return _("%(subject)s is %(value)s") % {"subject": name, "value": repr(value)}
    if op == "present":
        return (_("%(subject)s is answered") if value else _("%(subject)s is not answered")) % {"subject": name}
    if op == "in":
        values = value if isinstance(value, list) else [value]
        labels = [subject.choice_label(v) if subject else str(v) for v in values]
        return _("%(subject)s is %(value)s") % {"subject": name, "value": _or_list(labels)}
    if op == "includes":
        chosen = subject.choice_label(value) if subject else value
        return _("%(subject)s includes %(value)s") % {"subject": name, "value": chosen}
    if op in COMPARISON_SENTENCES:
        unit = f" {subject.unit}" if subject and subject.unit else ""
        return str(COMPARISON_SENTENCES[op]) % {"subject": name, "value": f"{value}{unit}"}
    return None


def _or_list(labels: list[str]) -> str:
    if len(labels) <= 1:
        return "".join(labels)
    return _("%(first)s or %(last)s") % {"first": ", ".join(labels[:-1]), "last": labels[-1]}


def _not_understood(cond: Any) -> str:
    return _("(not understood: %(condition)s)") % {"condition": json.dumps(cond, ensure_ascii=False)}
