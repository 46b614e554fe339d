"""Validation of conditions: their grammar, their operands, and cycles between findings."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .types import (
    AGE_LIMITS,
    CONTEXT_OPERATORS,
    ITEM_OPERATORS,
    MAX_CONDITION_DEPTH,
    OPERATOR_TYPES,
    SEX_VALUES,
    ItemSpec,
)


def _condition_faults(
    cond: Any, items: Mapping[str, ItemSpec], findings: set[str], *, allow_findings: bool = True, depth: int = 0
) -> list[str]:
    """What is wrong with a condition; an empty list when it is well formed."""
    if depth > MAX_CONDITION_DEPTH:
        return [f"condition is nested more than {MAX_CONDITION_DEPTH} levels deep"]
    if not isinstance(cond, Mapping) or not cond:
        return [f"condition must be an object, got {cond!r}"]
    for combinator in ("all", "any"):
        if combinator in cond:
            if len(cond) != 1 or not isinstance(cond[combinator], list):
                return [f"'{combinator}' takes a list and nothing beside it"]
            return [
                fault
                for part in cond[combinator]
                for fault in _condition_faults(part, items, findings, allow_findings=allow_findings, depth=depth + 1)
            ]
    if "not" in cond:
        if len(cond) != 1:
            return ["'not' takes one condition and nothing beside it"]
        return _condition_faults(cond["not"], items, findings, allow_findings=allow_findings, depth=depth + 1)
    if "finding" in cond:
        if not allow_findings:
            return ["may refer to earlier items only, not findings"]
        # isinstance first: an imported document may put a list here, which cannot be looked up.
        if len(cond) != 1 or not isinstance(cond["finding"], str) or cond["finding"] not in findings:
            return [f"unknown finding {cond.get('finding')!r}"]
        return []
    if "context" in cond:
        return _context_condition_faults(cond)
    if "item" not in cond:
        return [f"unknown operator in {dict(cond)!r}"]
    code = cond["item"]
    operators = [key for key in cond if key != "item"]
    if len(operators) != 1 or operators[0] not in ITEM_OPERATORS:
        return [f"item {code!r}: unknown operator {', '.join(operators) or '(none)'}"]
    item = items.get(code) if isinstance(code, str) else None
    if item is None:
        return [f"refers to unknown item {code!r}"]
    op = operators[0]
    if item.type not in OPERATOR_TYPES[op]:
        return [f"operator '{op}' does not apply to {item.type} item {code}"]
    return _operand_faults(item, op, cond[op])


def _operand_faults(item: ItemSpec, op: str, value: Any) -> list[str]:
    if op in ("is", "present"):
        return [] if isinstance(value, bool) else [f"'{op}' on {item.code} takes true or false"]
    if op == "includes":
        return [] if isinstance(value, str) and value in item.choice_labels else [f"{value!r} is not a choice of {item.code}"]
    if op == "in":
        if not isinstance(value, list) or not value:
            return [f"'in' on {item.code} takes a non-empty list"]
        return [f"{v!r} is not a choice of {item.code}" for v in value
                if not isinstance(v, str) or v not in item.choice_labels]
    if isinstance(value, bool) or not isinstance(value, int):
        return [f"'{op}' on {item.code} takes a whole number"]
    return []


def _context_condition_faults(cond: Mapping[str, Any]) -> list[str]:
    name = cond["context"]
    if not isinstance(name, str) or name not in CONTEXT_OPERATORS:
        return [f"unknown context {name!r}; known: {', '.join(CONTEXT_OPERATORS)}"]
    operators = [key for key in cond if key != "context"]
    if len(operators) != 1 or operators[0] not in CONTEXT_OPERATORS[name]:
        return [f"context {name}: operator must be one of {', '.join(CONTEXT_OPERATORS[name])}"]
    op, value = operators[0], cond[operators[0]]
    if op == "present":
        return [] if isinstance(value, bool) else [f"context {name}: 'present' takes true or false"]
    if op == "in":
        if not isinstance(value, list) or not value or not all(v in SEX_VALUES for v in value):
            return [f"context sex: 'in' takes a non-empty list of {', '.join(SEX_VALUES)}"]
        return []
    if isinstance(value, bool) or not isinstance(value, int):
        return [f"context {name}: '{op}' takes a whole number"]
    return []


def context_faults(context: Any) -> list[str]:
    """What is wrong with a patient context object (a case file's or a test case's ``context``)."""
    if context is None:
        return []
    if not isinstance(context, Mapping):
        return ["context must be an object such as {\"sex\": \"female\", \"age_years\": 62}"]
    faults = [f"context: unknown key {key!r}" for key in context if key not in CONTEXT_OPERATORS]
    sex = context.get("sex")
    if sex is not None and sex not in (*SEX_VALUES, "unknown"):
        faults.append(f"context sex must be one of {', '.join(SEX_VALUES)} or unknown")
    age = context.get("age_years")
    if age is not None and (isinstance(age, bool) or not isinstance(age, int)
                            or not AGE_LIMITS[0] <= age <= AGE_LIMITS[1]):
        faults.append(f"context age_years must be a whole number from {AGE_LIMITS[0]} to {AGE_LIMITS[1]}")
    return faults


def _check_finding_cycles(findings: list[Mapping[str, Any]], errors: list[str]) -> None:
    depends = {f["code"]: set(_finding_refs(f["condition"])) for f in findings}
    state: dict[str, str] = {}

    def visit(code: str, path: list[str]) -> None:
        if state.get(code) == "done":
            return
        if state.get(code) == "active":
            cycle = path[path.index(code):] + [code]
            errors.append(f"finding {code}: cycle between findings ({' → '.join(cycle)})")
            return
        state[code] = "active"
        for dep in sorted(depends.get(code, ())):
            visit(dep, path + [code])
        state[code] = "done"

    for code in depends:
        visit(code, [])


def _finding_refs(cond: Any) -> Iterable[str]:
    if not isinstance(cond, Mapping):
        return
    if "finding" in cond:
        yield cond["finding"]
    for key in ("all", "any"):
        for part in cond.get(key, []) or []:
            yield from _finding_refs(part)
    if "not" in cond:
        yield from _finding_refs(cond["not"])
