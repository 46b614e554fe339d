"""The review page's decision rows, written without the template engine when the page is first shown.

Each suggested test and referral is a fieldset with its reasons, two radio buttons and a reason box;
through the template engine each row cost dozens of variable look-ups and a radio widget per choice
(issue 11). For an unbound form (a GET: no errors, the saved decisions as initial values) the rows
are written here, byte for byte what ``assessment_review.html``'s loop writes (a test holds them to
it in both languages); a posted form, which can carry errors, still goes through the loop.
"""

from __future__ import annotations

from typing import Any

from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from ..decisions import key_of
from ..forms import DecisionsForm
from ..layout import reason_text

_ROW = (
    "\n"
    '      <fieldset class="decision border rounded p-2 mb-2" id="decision-{kind}-{code}">\n'
    '        <legend class="h6 mb-1">{title} {badge}</legend>\n'
    '        <p class="small text-body-secondary mb-1">{reasons}</p>\n'
    "        {radios}\n"
    '        <div class="mt-1">\n'
    '          <label class="form-label small" for="{reason_id}">{reason_label}</label>\n'
    '          <input class="form-control form-control-sm" type="text" name="{reason_name}" id="{reason_id}" '
    'value="{reason_value}" maxlength="500">\n'
    "          \n"
    "        </div>\n"
    "      </fieldset>\n"
    "      "
)
_RADIO = ('<div class="form-check form-check-inline"><input class="form-check-input" type="radio" name="{name}" '
          'value="{value}" id="{id}"{checked}><label class="form-check-label" for="{id}">{label}</label></div>')


def decision_rows_html(form: DecisionsForm) -> SafeString | None:
    """The decision rows of an unbound ``form``; None for a bound one (the template renders it)."""
    if form.is_bound:
        return None
    words = {
        "urgent": f'<span class="badge text-bg-danger">{conditional_escape(_("Urgent"))}</span>',
        "routine": f'<span class="badge text-bg-secondary">{conditional_escape(_("Routine"))}</span>',
        "referral": conditional_escape(_("Reason if not referred")),
        "other": conditional_escape(_("Reason if declined")),
    }
    return mark_safe("".join(_row(form, rec, words) for rec in form.suggestions))  # noqa: S308 - escaped below


def _row(form: DecisionsForm, rec: Any, words: dict[str, str]) -> str:
    key = key_of(rec)
    reason_name = form.add_prefix(f"reason__{key}")
    reason_value = form.get_initial_for_field(form.fields[f"reason__{key}"], f"reason__{key}")
    badge = words["urgent"] if rec.priority == "urgent" else words["routine"] if rec.priority else ""
    return _ROW.format(
        kind=conditional_escape(rec.kind), code=conditional_escape(rec.code), title=conditional_escape(rec.title),
        badge=badge, reasons=conditional_escape("; ").join(conditional_escape(reason_text(r)) for r in rec.reasons),
        radios=_radios(form, f"decision__{key}"),
        reason_id=conditional_escape(form.auto_id % reason_name), reason_name=conditional_escape(reason_name),
        reason_label=words["referral"] if rec.kind == "referral" else words["other"],
        reason_value=conditional_escape(reason_value or ""),
    )


def _radios(form: DecisionsForm, name: str) -> str:
    field = form.fields[name]
    initial = form.get_initial_for_field(field, name)
    chosen = "" if initial is None else str(initial)
    html_name = form.add_prefix(name)
    base_id = form.auto_id % html_name
    return "".join(
        _RADIO.format(name=conditional_escape(html_name), value=conditional_escape(value),
                      id=conditional_escape(f"{base_id}_{index}"), checked=" checked" if str(value) == chosen else "",
                      label=conditional_escape(label))
        for index, (value, label) in enumerate(field.choices))
