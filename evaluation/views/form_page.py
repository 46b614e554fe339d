"""The assessment form's questions as markup built once per template version, with only the answers filled in.

Rendering ~60 questions through Django's template engine is most of the form
page's cost, yet nearly all of that markup depends on the version alone. So the
question templates (``_form_sections.html``) are rendered once per compiled
version and language from a blank form whose fields leave a marker ("slot")
wherever an answer shows: a choice ticked or selected, a typed value, a question
hidden by the rules, the MRC sum. Each page then joins the stored pieces with
its own answers in the slots: no form, no template rendering.

Only the page as first shown uses it (nothing posted, so no field errors); a
page answering a post with errors renders the templates with the bound form,
and a test holds the two ways to the same markup.
"""

from __future__ import annotations

import re
import secrets
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .. import engine
from ..forms import AssessmentForm, initial_value
from ..layout import form_layout

# A marker no template text can contain or guess: a NUL byte and a secret drawn once per process.
_MARKER = f"\x00{secrets.token_hex(8)}:"
_SLOT = re.compile(re.escape(_MARKER) + r"(\d+)\x00")


@dataclass(frozen=True)
class Answers:
    """What one page fills in: each item's value as its inputs show it, the hidden items, the MRC sum."""

    shown: dict[str, list[str] | str]
    hidden: frozenset[str]
    mrc_sum: int | None
    mrc_max: int


Slot = Callable[[Answers], str]


def _ticked(code: str, value: str, attribute: str) -> Slot:
    """`` checked`` (or `` selected``) where the item's answer is this choice."""
    word = f" {attribute}"
    return lambda answers: word if value in answers.shown.get(code, ()) else ""


def _typed(code: str) -> Slot:
    """A typed answer (number or text), escaped as the template would have it."""
    return lambda answers: conditional_escape(answers.shown.get(code, ""))


def _hidden(code: str) -> Slot:
    return lambda answers: " hidden" if code in answers.hidden else ""


def _mrc_sum(answers: Answers) -> str:
    if answers.mrc_sum is None:
        return conditional_escape(_("shown when all movements are graded"))
    return f"{answers.mrc_sum}/{answers.mrc_max}"


class _Slots:
    """The markers handed to the template while the blank markup is rendered, and what each one fills."""

    def __init__(self) -> None:
        self.fills: list[Slot] = []

    def marker(self, fill: Slot) -> SafeString:
        self.fills.append(fill)
        return mark_safe(f"{_MARKER}{len(self.fills) - 1}\x00")


class _SlotChoice:
    """One radio, checkbox or option of a blank field: never ticked itself, a slot says whether it is."""

    def __init__(self, bound_choice: Any, slots: _Slots, code: str, attribute: str):
        self._choice = bound_choice
        value = "" if bound_choice.data["value"] is None else str(bound_choice.data["value"])
        self.data = {**bound_choice.data, "selected": False,
                     "selected_slot": slots.marker(_ticked(code, value, attribute))}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._choice, name)


class _SlotField:
    """A blank form's bound field with slots where its answer, or its being hidden, shows."""

    def __init__(self, bound: Any, slots: _Slots):
        self._bound = bound
        self._slots = slots
        self.hidden_slot = slots.marker(_hidden(bound.name))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._bound, name)

    def value(self) -> SafeString:
        return self._slots.marker(_typed(self._bound.name))

    @property
    def subwidgets(self) -> list[_SlotChoice]:
        attribute = "selected" if self._bound.field.widget.input_type == "select" else "checked"
        return [_SlotChoice(choice, self._slots, self._bound.name, attribute) for choice in self._bound.subwidgets]


@dataclass(frozen=True)
class Skeleton:
    """The version's question markup cut at its slots: pieces[0], fill 0, pieces[1], fill 1, ..."""

    pieces: tuple[str, ...]
    fills: tuple[Slot, ...]

    def filled(self, answers: Answers) -> SafeString:
        parts = [self.pieces[0]]
        for fill, piece in zip(self.fills, self.pieces[1:], strict=True):
            parts.append(fill(answers))
            parts.append(piece)
        return mark_safe("".join(parts))


def _slot_layout(layout: dict[str, Any], slots: _Slots) -> dict[str, Any]:
    """``form_layout``'s context with every bound field in a slot-leaving wrapper."""
    sections = [{**section, "fields": [_SlotField(field, slots) for field in section["fields"]]}
                for section in layout["sections"]]
    rows = [{**row, "fields": [_SlotField(field, slots) if field else None for field in row["fields"]]}
            for row in layout["mrc_rows"]]
    return {**layout, "sections": sections, "mrc_rows": rows}


def build_skeleton(compiled: engine.CompiledTemplate) -> Skeleton:
    """Render the question templates once from a blank form, and cut the markup at its slots."""
    slots = _Slots()
    context = _slot_layout(form_layout(compiled, AssessmentForm(compiled=compiled)), slots)
    context.update({"hidden": frozenset(), "mrc_sum_slot": slots.marker(_mrc_sum)})
    html = render_to_string("evaluation/_form_sections.html", context)
    cut = _SLOT.split(html)  # pieces at even positions, slot numbers at odd ones
    return Skeleton(tuple(cut[0::2]), tuple(slots.fills[int(number)] for number in cut[1::2]))


# Per compiled version (published ones are compiled once and kept) and language. Weak keys: a version
# compiled afresh (a new version, or the compiled cache cleared) gets new markup, never an older one's.
_skeletons: weakref.WeakKeyDictionary[engine.CompiledTemplate, dict[str, Skeleton]] = weakref.WeakKeyDictionary()


def skeleton_for(compiled: engine.CompiledTemplate) -> Skeleton:
    by_language = _skeletons.setdefault(compiled, {})
    language = get_language()
    skeleton = by_language.get(language)
    if skeleton is None:
        skeleton = by_language[language] = build_skeleton(compiled)
    return skeleton


def shown_answers(compiled: engine.CompiledTemplate, answers: dict[str, Any]) -> dict[str, list[str] | str]:
    """Each answered item's value as an unbound form shows it: the choices ticked (as strings), or the text typed."""
    shown: dict[str, list[str] | str] = {}
    for code, item in compiled.items.items():
        value = initial_value(item, answers.get(code))
        if value is None:
            continue
        if item.type in ("bool", "choice", "multi", "mrc"):
            shown[code] = [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]
        else:
            shown[code] = str(value)
    return shown


def form_sections_html(compiled: engine.CompiledTemplate, answers: dict[str, Any], evaluation: engine.Evaluation
                       ) -> SafeString:
    """The questions of ``compiled`` with ``answers`` shown, as ``_form_sections.html`` renders an unbound form."""
    filled = Answers(shown_answers(compiled, answers), frozenset(evaluation.hidden), evaluation.mrc_sum,
                     evaluation.mrc_max)
    return skeleton_for(compiled).filled(filled)
