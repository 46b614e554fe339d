"""The suggestion engine: answers in, explained and sourced recommendations out.

Pure Python over plain data (the template document, see ``template_document``
in models.py), no ORM, so the screen, the PDF, the command and the tests all
call the same ``evaluate``.

Conditions are JSON, interpreted here (never ``eval``)::

    {"all": [...]}, {"any": [...]}, {"not": cond}
    {"item": "cramps", "is": true}
    {"item": "cramp_timing", "includes": "at_night"}
    {"item": "exam_reflexes", "in": ["brisk"]}
    {"item": "symptom_weeks", "gte": 12}           (also gt, lte, lt)
    {"item": "med_other", "present": true}
    {"finding": "any_red_flag"}

Logic is three-valued (Kleene): an atom over an unanswered item is *unknown*,
``not unknown`` is unknown, ``any`` is unknown unless something is true,
``all`` is unknown unless something is false, and a rule fires only when its
condition is definitely true. So ``null`` never makes anything true: "no red
flag" (``not any_red_flag``) holds only when the red-flag questions were
answered no *and* the examination was recorded normal, and "no identified
cause" only when the causes were asked about. ``present`` is the one
two-valued operator: whether a text was given is always known. A question
hidden because its "shown when" is false cannot apply, so an atom over it is
false (no cramps: "cramps daily" is false); one hidden because its parent is
unanswered is unknown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

KINDS = ("red_flag", "test", "referral", "pattern", "advice")
OUTPUT_KEYS = {
    "red_flag": "red_flags",
    "test": "tests",
    "referral": "referrals",
    "pattern": "patterns",
    "advice": "advice",
}
PRIORITIES = ("routine", "urgent")
# The suggestions a clinician must order or decline before signing; they also carry a priority.
DECISION_KINDS = ("test", "referral")
ITEM_TYPES = ("bool", "choice", "multi", "int", "mrc", "text")
TEXT_MAX_LENGTH = 2000
MRC_MIN, MRC_MAX = 0, 5
COMPARISONS = {
    "gte": lambda a, b: a >= b,
    "gt": lambda a, b: a > b,
    "lte": lambda a, b: a <= b,
    "lt": lambda a, b: a < b,
}
ITEM_OPERATORS = ("is", "includes", "in", "present", *COMPARISONS)
OPERATOR_TYPES = {
    "is": ("bool",),
    "includes": ("multi",),
    "in": ("choice",),
    "present": ITEM_TYPES,
    **{op: ("int", "mrc") for op in COMPARISONS},
}
CASE_EXPECT_KINDS = ("red_flags", "tests", "referrals", "patterns", "advice")
CASE_EXPECT_MODES = ("exactly", "includes", "excludes")

# (truth, reasons): truth is True, False or None (unknown).
Outcome = tuple[bool | None, tuple[str, ...]]
Evaluator = Callable[["_Context"], Outcome]


class TemplateError(ValueError):
    """The template document is not valid; ``errors`` lists every fault."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


class AnswerError(ValueError):
    """The answers do not fit the template; ``errors`` lists every fault."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


# ---------------------------------------------------------------- items


@dataclass(frozen=True)
class Item:
    code: str
    type: str
    label: str
    section: str
    required: bool = False
    choices: tuple[tuple[str, str], ...] = ()
    min_value: int | None = None
    max_value: int | None = None
    shown_when: Any = None
    help_text: str = ""

    @property
    def choice_labels(self) -> dict[str, str]:
        return dict(self.choices)

    def describe(self) -> str:
        return f'{self.code} ("{self.label}")'

    def value_text(self, value: Any) -> str:
        """The answer in words, as a reason or a printed summary shows it."""
        if value is None:
            return "not recorded"
        if self.type == "bool":
            return "yes" if value else "no"
        if self.type == "choice":
            return self.choice_labels.get(value, str(value))
        if self.type == "multi":
            return ", ".join(self.choice_labels.get(v, str(v)) for v in value) or "none"
        if self.type == "mrc":
            return f"{value}/5"
        return str(value)

    def reason(self, value: Any) -> str:
        if self.type == "bool" and value is True:
            return self.label
        if self.type == "mrc":
            return f"MRC {self.label.replace(',', '').lower()} {value}/5"
        return f"{self.label}: {self.value_text(value)}"


def _item_from_dict(raw: Mapping[str, Any], section: str) -> Item:
    return Item(
        code=raw["code"],
        type=raw["type"],
        label=raw["label"],
        section=section,
        required=bool(raw.get("required", False)),
        choices=tuple((c[0], c[1]) for c in raw.get("choices") or ()),
        min_value=raw.get("min"),
        max_value=raw.get("max"),
        shown_when=raw.get("shown_when"),
        help_text=raw.get("help_text") or "",
    )


# ---------------------------------------------------------------- compiled template


@dataclass
class _Context:
    answers: Mapping[str, Any]
    findings: dict[str, Outcome] = field(default_factory=dict)
    # Items hidden because their "shown when" is false: not asked, because they cannot apply
    # ("cramps daily" is false when there are no cramps). Hidden for want of an answer is unknown.
    not_applicable: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Rule:
    code: str
    kind: str
    title: str
    evaluator: Evaluator
    priority: str | None
    urgent_when: Evaluator | None
    source: dict[str, str]
    detail: str = ""


@dataclass(frozen=True)
class Recommendation:
    code: str
    kind: str
    title: str
    priority: str | None
    reasons: tuple[str, ...]
    source: dict[str, str]
    detail: str = ""

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"code": self.code, "title": self.title}
        if self.priority:
            data["priority"] = self.priority
        data["reasons"] = list(self.reasons)
        data["source"] = dict(self.source)
        if self.detail:
            data["detail"] = self.detail
        return data


@dataclass(frozen=True)
class Evaluation:
    template: str
    recommendations: tuple[Recommendation, ...]
    findings: frozenset[str]
    hidden: frozenset[str]
    answers: dict[str, Any]
    mrc_sum: int | None
    mrc_max: int
    missing_required: tuple[str, ...]
    # Rules that neither fire nor are ruled out: their answers are missing.
    undetermined: frozenset[tuple[str, str]] = frozenset()

    def of_kind(self, kind: str) -> list[Recommendation]:
        return [r for r in self.recommendations if r.kind == kind]

    def codes(self, kind: str) -> list[str]:
        return [r.code for r in self.of_kind(kind)]

    def needing_decision(self) -> list[Recommendation]:
        return [r for r in self.recommendations if r.kind in DECISION_KINDS]

    def get(self, kind: str, code: str) -> Recommendation | None:
        return next((r for r in self.recommendations if r.kind == kind and r.code == code), None)

    def as_dict(self) -> dict[str, Any]:
        """The shape of the ``suggest_workup`` contract."""
        data: dict[str, Any] = {"template": self.template}
        for kind, key in OUTPUT_KEYS.items():
            data[key] = [r.as_dict() for r in self.of_kind(kind)]
        return data


class CompiledTemplate:
    """A template document turned into closures once, evaluated many times."""

    def __init__(self, document: Mapping[str, Any]):
        errors = validate_template(document)
        if errors:
            raise TemplateError(errors)
        self.document = document
        self.label = f"{document['template']['slug']}@{document['version']['number']}"
        self.items: dict[str, Item] = {}
        for section in document["sections"]:
            for raw in section["items"]:
                self.items[raw["code"]] = _item_from_dict(raw, section["code"])
        self.mrc_codes = [code for code, item in self.items.items() if item.type == "mrc"]
        self._finding_titles = {f["code"]: f for f in document.get("findings", [])}
        self._findings: dict[str, Evaluator] = {}
        for finding in document.get("findings", []):
            self._findings[finding["code"]] = self._compile(finding["condition"])
        self._visibility = [
            (code, self._compile(item.shown_when))
            for code, item in self.items.items()
            if item.shown_when is not None
        ]
        self.rules = [
            Rule(
                code=raw["code"],
                kind=raw["kind"],
                title=raw["title"],
                evaluator=self._compile(raw["condition"]),
                priority=raw.get("priority"),
                urgent_when=self._compile_urgency(raw["urgent_when"]) if raw.get("urgent_when") else None,
                source=dict(raw["source"]),
                detail=raw.get("detail", ""),
            )
            for raw in sorted(document["rules"], key=lambda r: KINDS.index(r["kind"]))
        ]

    # -- compilation: each condition becomes a closure over the context

    def _compile(self, cond: Mapping[str, Any]) -> Evaluator:
        if "all" in cond:
            return _all([self._compile(c) for c in cond["all"]])
        if "any" in cond:
            return _any([self._compile(c) for c in cond["any"]])
        if "not" in cond:
            return self._not(cond["not"])
        if "finding" in cond:
            return self._finding_ref(cond["finding"])
        return self._atom(cond)

    def _compile_urgency(self, cond: Mapping[str, Any]) -> Evaluator:
        """Like a condition, but a finding names itself ("Fasciculations with weakness")
        rather than the answers behind it, which the reasons already list."""
        parts = cond["any"] if "any" in cond else [cond]
        compiled = []
        for part in parts:
            if "finding" in part:
                title = self._finding_titles[part["finding"]]["title"]
                compiled.append(_renamed(self._compile(part), title))
            else:
                compiled.append(self._compile(part))
        return _any(compiled)

    def _atom(self, cond: Mapping[str, Any]) -> Evaluator:
        item = self.items[cond["item"]]
        op = next(key for key in cond if key != "item")
        expected = cond[op]
        code = item.code

        if op == "is":
            test: Callable[[Any], bool] = lambda v: v is expected  # noqa: E731
        elif op == "includes":
            test = lambda v: expected in v  # noqa: E731
        elif op == "in":
            allowed = frozenset(expected)
            test = lambda v: v in allowed  # noqa: E731
        elif op == "present":
            return self._presence(item, bool(expected))
        else:
            compare = COMPARISONS[op]
            test = lambda v: compare(v, expected)  # noqa: E731

        def evaluate(ctx: _Context) -> Outcome:
            value = ctx.answers.get(code)
            if value is None:
                return (False if code in ctx.not_applicable else None), ()
            if test(value):
                return True, (item.reason(value),)
            return False, ()

        return evaluate

    @staticmethod
    def _presence(item: Item, expected: bool) -> Evaluator:
        def evaluate(ctx: _Context) -> Outcome:
            value = ctx.answers.get(item.code)
            given = value not in (None, "", [])
            if given is expected:
                return True, ((item.reason(value),) if given else ())
            return False, ()

        return evaluate

    def _finding_ref(self, code: str) -> Evaluator:
        """Findings stay three-valued, and are worked out once per evaluation."""

        def evaluate(ctx: _Context) -> Outcome:
            if code not in ctx.findings:
                truth, reasons = self._findings[code](ctx)
                ctx.findings[code] = (truth, reasons if truth is True else ())
            return ctx.findings[code]

        return evaluate

    def _not(self, inner_cond: Mapping[str, Any]) -> Evaluator:
        inner = self._compile(inner_cond)
        reason = self._negation_reason(inner_cond)

        def evaluate(ctx: _Context) -> Outcome:
            truth, _ = inner(ctx)
            if truth is None:
                return None, ()
            return (not truth), ((reason,) if not truth and reason else ())

        return evaluate

    def _negation_reason(self, cond: Mapping[str, Any]) -> str:
        if "finding" in cond:
            finding = self._finding_titles[cond["finding"]]
            return finding.get("absent_reason") or f"No {finding['title'][0].lower()}{finding['title'][1:]}"
        if "item" in cond and "is" in cond:
            item = self.items[cond["item"]]
            return f"{item.label}: {'no' if cond['is'] else 'yes'}"
        return ""

    # -- evaluation

    def visible_answers(self, answers: Mapping[str, Any]) -> tuple[dict[str, Any], frozenset[str]]:
        """Answers with unanswered and hidden items removed, and the hidden codes.

        Visibility conditions may only look at earlier items (validated), so
        one pass in template order settles chains of shown-when items.
        """
        visible, hidden, _ = self._visibility_of(answers)
        return visible, hidden

    def _visibility_of(self, answers: Mapping[str, Any]) -> tuple[dict[str, Any], frozenset[str], set[str]]:
        present = {code: value for code, value in answers.items() if value is not None and code in self.items}
        hidden: set[str] = set()
        ctx = _Context(present)
        for code, shown in self._visibility:
            truth, _ = shown(ctx)
            if truth is not True:
                hidden.add(code)
                present.pop(code, None)
                if truth is False:
                    ctx.not_applicable.add(code)
        return present, frozenset(hidden), ctx.not_applicable

    def evaluate(self, answers: Mapping[str, Any]) -> Evaluation:
        visible, hidden, not_applicable = self._visibility_of(answers)
        ctx = _Context(visible, not_applicable=not_applicable)
        recommendations = []
        undetermined = set()
        for rule in self.rules:
            truth, reasons = rule.evaluator(ctx)
            if truth is None:
                undetermined.add((rule.kind, rule.code))
            if truth is not True:
                continue
            priority = rule.priority
            if rule.urgent_when is not None:
                urgent, why = rule.urgent_when(ctx)
                if urgent is True:
                    priority = "urgent"
                    reasons = (*reasons, f"Urgent: {'; '.join(dict.fromkeys(why))}")
            recommendations.append(
                Recommendation(
                    code=rule.code,
                    kind=rule.kind,
                    title=rule.title,
                    priority=priority,
                    reasons=tuple(dict.fromkeys(reasons)) or ("Applies to every assessment",),
                    source=rule.source,
                    detail=rule.detail,
                )
            )
        for code in self._findings:
            self._finding_ref(code)(ctx)
        grades = [visible.get(code) for code in self.mrc_codes]
        mrc_sum = sum(grades) if self.mrc_codes and all(g is not None for g in grades) else None
        missing = tuple(
            code for code, item in self.items.items() if item.required and code not in hidden and code not in visible
        )
        return Evaluation(
            template=self.label,
            recommendations=tuple(recommendations),
            findings=frozenset(code for code, (truth, _) in ctx.findings.items() if truth is True),
            hidden=hidden,
            answers=visible,
            mrc_sum=mrc_sum,
            mrc_max=MRC_MAX * len(self.mrc_codes),
            missing_required=missing,
            undetermined=frozenset(undetermined),
        )


def _all(parts: list[Evaluator]) -> Evaluator:
    def evaluate(ctx: _Context) -> Outcome:
        reasons: list[str] = []
        unknown = False
        for part in parts:
            truth, why = part(ctx)
            if truth is False:
                return False, ()
            if truth is None:
                unknown = True
            else:
                reasons.extend(why)
        return (None, ()) if unknown else (True, tuple(reasons))

    return evaluate


def _renamed(inner: Evaluator, reason: str) -> Evaluator:
    def evaluate(ctx: _Context) -> Outcome:
        truth, _ = inner(ctx)
        return truth, ((reason,) if truth is True else ())

    return evaluate


def _any(parts: list[Evaluator]) -> Evaluator:
    def evaluate(ctx: _Context) -> Outcome:
        reasons: list[str] = []
        found = False
        unknown = False
        for part in parts:
            truth, why = part(ctx)
            if truth is True:
                found = True
                reasons.extend(why)
            elif truth is None:
                unknown = True
        if found:
            return True, tuple(reasons)
        return (None, ()) if unknown else (False, ())

    return evaluate


# ---------------------------------------------------------------- public functions

_compiled_cache: dict[Any, CompiledTemplate] = {}


def compile_cached(cache_key: Any, build_document: Callable[[], Mapping[str, Any]]) -> CompiledTemplate:
    """The compiled template for ``cache_key``, building the document only on a miss."""
    compiled = _compiled_cache.get(cache_key)
    if compiled is None:
        compiled = compile_template(build_document(), cache_key=cache_key)
    return compiled


def compile_template(document: Mapping[str, Any], *, cache_key: Any = None) -> CompiledTemplate:
    """Compile once per key: published versions never change, so their key is stable."""
    if cache_key is None:
        return CompiledTemplate(document)
    compiled = _compiled_cache.get(cache_key)
    if compiled is None:
        if len(_compiled_cache) > 256:
            _compiled_cache.clear()
        compiled = _compiled_cache[cache_key] = CompiledTemplate(document)
    return compiled


def evaluate(document: Mapping[str, Any] | CompiledTemplate, answers: Mapping[str, Any]) -> Evaluation:
    compiled = document if isinstance(document, CompiledTemplate) else compile_template(document)
    return compiled.evaluate(answers)


# ---------------------------------------------------------------- answer validation


def validate_answers(document: Mapping[str, Any] | CompiledTemplate, answers: Any) -> list[str]:
    """Every fault in an answers document, each naming the item's code and label."""
    compiled = document if isinstance(document, CompiledTemplate) else compile_template(document)
    if not isinstance(answers, Mapping):
        return ["answers must be a JSON object keyed by item code"]
    errors = []
    for code, value in answers.items():
        item = compiled.items.get(code)
        if item is None:
            errors.append(f"{code}: unknown item code")
            continue
        fault = value_fault(item, value)
        if fault:
            errors.append(f"{item.describe()}: {fault}")
    return errors


def value_fault(item: Item, value: Any) -> str | None:
    """What is wrong with one answer, or None when it fits the item."""
    if value is None:
        return None
    kind = item.type
    if kind == "bool":
        return None if isinstance(value, bool) else f"expected true, false or null, got {value!r}"
    if kind in ("int", "mrc"):
        if isinstance(value, bool) or not isinstance(value, int):
            return f"expected a whole number, got {value!r}"
        low, high = (MRC_MIN, MRC_MAX) if kind == "mrc" else (item.min_value, item.max_value)
        if (low is not None and value < low) or (high is not None and value > high):
            return f"{value} is out of range {low}–{high}"
        return None
    if kind == "choice":
        if not isinstance(value, str):
            return f"expected one of {', '.join(item.choice_labels)}, got {value!r}"
        return None if value in item.choice_labels else f"{value!r} is not one of {', '.join(item.choice_labels)}"
    if kind == "multi":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return f"expected a list of codes, got {value!r}"
        unknown = [v for v in value if v not in item.choice_labels]
        if unknown:
            return f"{', '.join(map(repr, unknown))} not among {', '.join(item.choice_labels)}"
        if len(set(value)) != len(value):
            return "lists a choice twice"
        return None
    if kind == "text":
        if not isinstance(value, str):
            return f"expected text, got {value!r}"
        return None if len(value) <= TEXT_MAX_LENGTH else f"longer than {TEXT_MAX_LENGTH} characters"
    return f"unsupported item type {kind!r}"


# ---------------------------------------------------------------- template validation


def validate_template(document: Any) -> list[str]:
    """Every fault in a template document, each naming where it is."""
    try:
        return _template_faults(document)
    except RecursionError:
        # Conditions are depth-checked, but a document can nest anywhere (answers, expectations).
        return ["the document is nested too deeply to be a template"]


def _template_faults(document: Any) -> list[str]:
    if not isinstance(document, Mapping):
        return ["the template document must be a JSON object"]
    errors: list[str] = []
    for key in ("template", "version", "sections", "rules"):
        if key not in document:
            errors.append(f"missing top-level key {key!r}")
    if errors:
        return errors
    if _has_nul(document):
        # PostgreSQL stores neither text nor JSON with NUL; refuse here rather than fail mid-import.
        return ["the document contains a NUL character (\\u0000), which cannot be stored"]
    errors.extend(_storage_faults(document))
    if not isinstance(document["template"], Mapping) or not document["template"].get("slug"):
        errors.append("template.slug is required")
    version = document["version"]
    if not isinstance(version, Mapping) or not isinstance(version.get("number"), int) or version["number"] < 1:
        errors.append("version.number must be a whole number from 1")
    items = _validate_sections(document["sections"], errors)
    findings = document.get("findings", [])
    finding_codes = _validate_findings(findings, items, errors)
    _validate_rules(document["rules"], items, finding_codes, errors)
    if not errors:
        _check_finding_cycles(findings, errors)
        _validate_cases(document, errors)
    return errors


def _validate_sections(sections: Any, errors: list[str]) -> dict[str, Item]:
    items: dict[str, Item] = {}
    if not isinstance(sections, list) or not sections:
        errors.append("sections must be a non-empty list")
        return items
    section_codes: set[str] = set()
    for s_index, section in enumerate(sections):
        where = f"section {s_index + 1}"
        if not isinstance(section, Mapping) or not _is_code(section.get("code")):
            errors.append(f"{where}: needs a code of lower-case letters, digits and underscores")
            continue
        where = f"section {section['code']}"
        if section["code"] in section_codes:
            errors.append(f"{where}: duplicate section code")
        section_codes.add(section["code"])
        if not section.get("title"):
            errors.append(f"{where}: needs a title")
        for raw in section.get("items") or []:
            item = _validate_item(raw, where, items, errors)
            if item is not None:
                items[item.code] = item
    return items


def _validate_item(raw: Any, where: str, earlier: dict[str, Item], errors: list[str]) -> Item | None:
    if not isinstance(raw, Mapping) or not _is_code(raw.get("code")):
        errors.append(f"{where}: an item needs a code of lower-case letters, digits and underscores")
        return None
    code = raw["code"]
    if code in earlier:
        errors.append(f"item {code}: duplicate item code")
        return None
    if raw.get("type") not in ITEM_TYPES:
        errors.append(f"item {code}: type must be one of {', '.join(ITEM_TYPES)}")
        return None
    if not raw.get("label"):
        errors.append(f"item {code}: needs a label")
        return None
    choices = raw.get("choices") or []
    if not isinstance(choices, list):
        errors.append(f"item {code}: choices must be a list of [code, label]")
        return None
    if raw["type"] in ("choice", "multi"):
        if not choices:
            errors.append(f"item {code}: a {raw['type']} item needs choices")
        choice_codes = [c[0] if isinstance(c, (list, tuple)) and len(c) == 2 else None for c in choices]
        if None in choice_codes or not all(_is_code(c) for c in choice_codes):
            errors.append(f"item {code}: each choice must be [code, label]")
            return None
        if len(set(choice_codes)) != len(choice_codes):
            errors.append(f"item {code}: duplicate choice code")
    elif choices:
        errors.append(f"item {code}: only choice and multi items take choices")
    if raw["type"] == "int":
        low, high = raw.get("min"), raw.get("max")
        if not isinstance(low, int) or not isinstance(high, int) or low > high:
            errors.append(f"item {code}: an int item needs whole-number min and max with min ≤ max")
    item = _item_from_dict(raw, where)
    if item.shown_when is not None:
        for fault in _condition_faults(item.shown_when, earlier, set(), allow_findings=False):
            errors.append(f"item {code} shown-when: {fault}")
    return item


def _validate_findings(findings: Any, items: dict[str, Item], errors: list[str]) -> set[str]:
    if not isinstance(findings, list):
        errors.append("findings must be a list")
        return set()
    codes: set[str] = set()
    for raw in findings:
        if not isinstance(raw, Mapping) or not _is_code(raw.get("code")):
            errors.append("a finding needs a code of lower-case letters, digits and underscores")
            continue
        if raw["code"] in codes:
            errors.append(f"finding {raw['code']}: duplicate finding code")
        codes.add(raw["code"])
    for raw in findings:
        if isinstance(raw, Mapping) and _is_code(raw.get("code")):
            if not raw.get("title"):
                errors.append(f"finding {raw['code']}: needs a title")
            for fault in _condition_faults(raw.get("condition"), items, codes):
                errors.append(f"finding {raw['code']}: {fault}")
    return codes


def _validate_rules(rules: Any, items: dict[str, Item], findings: set[str], errors: list[str]) -> None:
    if not isinstance(rules, list):
        errors.append("rules must be a list")
        return
    seen: set[tuple[str, str]] = set()
    for index, raw in enumerate(rules):
        if not isinstance(raw, Mapping) or not _is_code(raw.get("code")):
            errors.append(f"rule {index + 1}: needs a code of lower-case letters, digits and underscores")
            continue
        name = f"rule {raw['code']}"
        if raw.get("kind") not in KINDS:
            errors.append(f"{name}: kind must be one of {', '.join(KINDS)}")
            continue
        if (raw["kind"], raw["code"]) in seen:
            errors.append(f"{name}: duplicate {raw['kind']} code")
        seen.add((raw["kind"], raw["code"]))
        if not raw.get("title"):
            errors.append(f"{name}: needs a title")
        if raw.get("priority") not in (None, *PRIORITIES):
            errors.append(f"{name}: priority must be routine or urgent")
        if raw.get("urgent_when") is not None and raw.get("priority") is None:
            errors.append(f"{name}: urgent_when needs a priority")
        source = raw.get("source")
        if not _is_passage(source):
            errors.append(f"{name}: needs a source passage (section and quote)")
        elif not isinstance(source.get("also", []), list) or not all(_is_passage(p) for p in source.get("also", [])):
            errors.append(f"{name}: source.also must be a list of passages (section and quote)")
        for fault in _condition_faults(raw.get("condition"), items, findings):
            errors.append(f"{name}: {fault}")
        if raw.get("urgent_when") is not None:
            for fault in _condition_faults(raw["urgent_when"], items, findings):
                errors.append(f"{name} urgent_when: {fault}")


MAX_CONDITION_DEPTH = 32


def _condition_faults(
    cond: Any, items: Mapping[str, Item], findings: set[str], *, allow_findings: bool = True, depth: int = 0
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


def _operand_faults(item: Item, op: str, value: Any) -> list[str]:
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


# Column sizes of the models that store a template (models.py); SQLite ignores them, PostgreSQL does not.
_TEXT_LIMITS = {
    "template": {"slug": 64, "title": 200},
    "version": {"title": 200, "source_document": 300},
    "section": {"title": 200},
    "item": {"label": 300, "help_text": 500},
    "rule": {"title": 300, "detail": 100_000},
    "case": {"name": 200},
}
_INT_RANGE = (-(2**31), 2**31 - 1)


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, Mapping):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def _text_faults(where: str, raw: Any, kind: str) -> list[str]:
    if not isinstance(raw, Mapping):
        return []
    faults = []
    for key, limit in _TEXT_LIMITS[kind].items():
        if key not in raw:
            continue
        if not isinstance(raw[key], str):
            faults.append(f"{where}: {key} must be text")
        elif len(raw[key]) > limit:
            faults.append(f"{where}: {key} is longer than {limit} characters")
    return faults


def _storage_faults(document: Mapping[str, Any]) -> list[str]:
    """Values the engine would accept but the database cannot store: wrong types, too long, too large."""
    faults = _text_faults("template", document["template"], "template")
    faults += _text_faults("version", document["version"], "version")
    number = document["version"].get("number") if isinstance(document["version"], Mapping) else None
    if isinstance(number, int) and number > _INT_RANGE[1]:
        faults.append("version.number is too large")
    for section in document["sections"] if isinstance(document["sections"], list) else []:
        faults += _text_faults(f"section {section.get('code')!r}" if isinstance(section, Mapping) else "section",
                               section, "section")
        items = section.get("items") if isinstance(section, Mapping) else None
        for raw in items if isinstance(items, list) else []:
            if not isinstance(raw, Mapping):
                continue
            where = f"item {raw.get('code')!r}"
            faults += _text_faults(where, raw, "item")
            for key in ("min", "max"):
                if isinstance(raw.get(key), int) and not _INT_RANGE[0] <= raw[key] <= _INT_RANGE[1]:
                    faults.append(f"{where}: {key} is out of range")
            for choice in raw.get("choices") or [] if isinstance(raw.get("choices"), list) else []:
                if isinstance(choice, list) and len(choice) == 2 and not isinstance(choice[1], str):
                    faults.append(f"{where}: each choice label must be text")
    for raw in document["rules"] if isinstance(document["rules"], list) else []:
        faults += _text_faults(f"rule {raw.get('code')!r}" if isinstance(raw, Mapping) else "rule", raw, "rule")
    cases = document.get("cases", [])
    for raw in cases if isinstance(cases, list) else []:
        faults += _text_faults("case", raw, "case")
    return faults


def _is_passage(value: Any) -> bool:
    return (
        isinstance(value, Mapping)
        and isinstance(value.get("section"), str)
        and isinstance(value.get("quote"), str)
        and bool(value["section"].strip())
        and bool(value["quote"].strip())
    )


def _is_code(value: Any) -> bool:
    return (
        isinstance(value, str)
        and 0 < len(value) <= 64
        and value[0].isalpha()
        and all(ch.islower() or ch.isdigit() or ch == "_" for ch in value)
    )


# ---------------------------------------------------------------- template test cases


def _validate_cases(document: Mapping[str, Any], errors: list[str]) -> None:
    cases = document.get("cases", [])
    if not isinstance(cases, list):
        errors.append("cases must be a list")
        return
    known = {OUTPUT_KEYS[r["kind"]]: set() for r in document["rules"]}
    for r in document["rules"]:
        known[OUTPUT_KEYS[r["kind"]]].add(r["code"])
    compiled = CompiledTemplate.__new__(CompiledTemplate)  # items only; full compile comes later
    compiled.items = {}
    for section in document["sections"]:
        for raw in section["items"]:
            compiled.items[raw["code"]] = _item_from_dict(raw, section["code"])
    names: set[str] = set()
    for index, case in enumerate(cases):
        if not isinstance(case, Mapping) or not case.get("name") or not isinstance(case["name"], str):
            errors.append(f"case {index + 1}: needs a name")
            continue
        name = f"case {case['name']!r}"
        if case["name"] in names:
            errors.append(f"{name}: duplicate case name")
        names.add(case["name"])
        for fault in validate_answers(compiled, case.get("answers", {})):
            errors.append(f"{name}: {fault}")
        expect = case.get("expect", {})
        if not isinstance(expect, Mapping):
            errors.append(f"{name}: expect must be an object")
            continue
        for key, spec in expect.items():
            errors.extend(_expectation_faults(name, key, spec, known))


def _expectation_faults(name: str, key: str, spec: Any, known: Mapping[str, set[str]]) -> list[str]:
    if key == "referral_priority":
        return [] if spec in ("urgent", "routine", "none") else [f"{name}: referral_priority must be urgent, routine or none"]
    if key == "priorities":
        if not isinstance(spec, Mapping) or not all(p in PRIORITIES for p in spec.values()):
            return [f"{name}: priorities maps a test or referral code to routine or urgent"]
        return []
    if key not in CASE_EXPECT_KINDS:
        return [f"{name}: unknown expectation {key!r}"]
    if not isinstance(spec, Mapping) or not set(spec) <= set(CASE_EXPECT_MODES):
        return [f"{name}: {key} takes exactly, includes or excludes"]
    faults = []
    for mode, codes in spec.items():
        if not isinstance(codes, list):
            faults.append(f"{name}: {key}.{mode} must be a list of codes")
            continue
        for code in codes:
            if not isinstance(code, str) or code not in known.get(key, set()):
                faults.append(f"{name}: {key}.{mode} names unknown code {code!r}")
    return faults


def run_case(compiled: CompiledTemplate, case: Mapping[str, Any]) -> list[str]:
    """Which expectations of one test case fail, in words; empty when it passes."""
    result = compiled.evaluate(case.get("answers", {}))
    got = {key: result.codes(kind) for kind, key in OUTPUT_KEYS.items()}
    failures = []
    for key, spec in case.get("expect", {}).items():
        if key == "referral_priority":
            referrals = result.of_kind("referral")
            actual = referrals[0].priority if referrals else "none"
            if actual != spec:
                failures.append(f"referral priority: expected {spec}, got {actual}")
            continue
        if key == "priorities":
            for code, priority in spec.items():
                rec = next((r for r in result.needing_decision() if r.code == code), None)
                actual = rec.priority if rec else "not suggested"
                if actual != priority:
                    failures.append(f"{code} priority: expected {priority}, got {actual}")
            continue
        for mode, codes in spec.items():
            failures.extend(_compare(key, mode, codes, got[key]))
    return failures


def _compare(key: str, mode: str, expected: list[str], actual: list[str]) -> list[str]:
    if mode == "exactly" and sorted(expected) != sorted(actual):
        return [f"{key}: expected exactly [{', '.join(expected)}], got [{', '.join(actual)}]"]
    if mode == "includes":
        missing = [c for c in expected if c not in actual]
        if missing:
            return [f"{key}: expected to include {', '.join(missing)}, got [{', '.join(actual)}]"]
    if mode == "excludes":
        present = [c for c in expected if c in actual]
        if present:
            return [f"{key}: expected not to include {', '.join(present)}"]
    return []


def run_cases(compiled: CompiledTemplate) -> dict[str, list[str]]:
    """Failures per case name, only for the cases that fail."""
    report = {}
    for case in compiled.document.get("cases", []):
        failures = run_case(compiled, case)
        if failures:
            report[case["name"]] = failures
    return report
