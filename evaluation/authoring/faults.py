"""Which field of a workspace form a fault of the engine is about.

The engine names where a fault is ("item cramps shown-when: ...", "rule emg:
needs a title"); a refused save puts each fault beside the field it concerns,
and a fault about another part of the template above the form.
"""

from __future__ import annotations

from collections.abc import Callable

# (words in the fault, field), first match wins.
_ITEM_FIELDS = [("shown-when", "shown_when"), ("duplicate item code", "code"), ("choice", "choices_text"),
                ("min", "min_value"), ("max", "max_value"), ("label", "label"), ("type", "type"),
                ("grid", "grid_row"), ("in_sum", "in_mrc_sum")]
_RULE_FIELDS = [("urgent_when", "urgent_when"), ("title", "title"), ("source", "source_quote"),
                ("duplicate", "code"), ("priority", "priority"), ("role", "role"), ("patient_text", "patient_text"),
                ("patient text", "patient_text"), ("kind", "kind")]
_SECTION_FIELDS = [("title", "title"), ("duplicate", "code"), ("reassess", "reassess_each_visit"),
                   ("compare", "compare_on_follow_up")]


def _matcher(prefix: str, table: list[tuple[str, str]], fallback: str | None) -> Callable[[str], str | None]:
    def field_of(fault: str) -> str | None:
        if not (fault.startswith(prefix + ":") or fault.startswith(prefix + " ")):
            return None
        rest = fault[len(prefix):]
        return next((field for words, field in table if words in rest), fallback)

    return field_of


def item_field(code: str) -> Callable[[str], str | None]:
    return _matcher(f"item {code}", _ITEM_FIELDS, None)


def rule_field(code: str) -> Callable[[str], str | None]:
    # Anything else about the rule is about its condition: unknown items, operators, values.
    return _matcher(f"rule {code}", _RULE_FIELDS, "condition")


def section_field(code: str) -> Callable[[str], str | None]:
    return _matcher(f"section {code}", _SECTION_FIELDS, None)


def case_field(name: str) -> Callable[[str], str | None]:
    return _matcher(f"case {name!r}", [("duplicate", "name")], None)
