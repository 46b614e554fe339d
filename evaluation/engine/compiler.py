"""A template document compiled into closures once, then evaluated many times."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .combinators import (
    Context,
    Evaluator,
    all_of,
    any_of,
    context_atom,
    grouped,
    known_context,
    renamed,
    shortest_first,
)
from .document import SECTION_FLAGS
from .types import (
    COMPARISONS,
    KINDS,
    MRC_MAX,
    Evaluation,
    ItemSpec,
    Outcome,
    Recommendation,
    TemplateError,
)
from .validation import validate_template

# known_context is part of this module's interface (the engine package exports it from here).
__all__ = ["CompiledRule", "CompiledTemplate", "clear_compiled_cache", "compile_cached", "compile_template",
           "evaluate", "known_context"]


@dataclass(frozen=True)
class CompiledRule:
    code: str
    kind: str
    title: str
    evaluator: Evaluator
    priority: str | None
    urgent_when: Evaluator | None
    source: dict[str, str]
    detail: str = ""


class CompiledTemplate:
    """A template document turned into closures once, evaluated many times."""

    def __init__(self, document: Mapping[str, Any]):
        errors = validate_template(document)
        if errors:
            raise TemplateError(errors)
        self.document = document
        self.label = f"{document['template']['slug']}@{document['version']['number']}"
        self.items: dict[str, ItemSpec] = {}
        for section in document["sections"]:
            for raw in section.get("items") or []:
                self.items[raw["code"]] = ItemSpec.from_document(raw, section["code"])
        # The MRC sum score counts only the items that say so (format 2 grid in_sum; every MRC item in format 1).
        self.mrc_codes = [code for code, item in self.items.items() if item.in_sum]
        self.rule_documents = {(raw["kind"], raw["code"]): raw for raw in document["rules"]}
        # Section codes by format-2 flag: which sections a follow-up asks again, which it compares.
        self.flagged_sections = {
            flag: frozenset(s["code"] for s in document["sections"] if s.get(flag)) for flag in SECTION_FLAGS
        }
        self._finding_titles = {f["code"]: f for f in document.get("findings", [])}
        self._findings: dict[str, Evaluator] = {}
        for finding in document.get("findings", []):
            self._findings[finding["code"]] = self._compile(finding["condition"], findings="titles")
        self._visibility = [
            (code, self._compile(item.shown_when))
            for code, item in self.items.items()
            if item.shown_when is not None
        ]
        self.rules = [
            self._compile_rule(raw) for raw in sorted(document["rules"], key=lambda r: KINDS.index(r["kind"]))
        ]

    # -- compilation: each condition becomes a closure over the context

    def _compile_rule(self, raw: Mapping[str, Any]) -> CompiledRule:
        return CompiledRule(
            code=raw["code"],
            kind=raw["kind"],
            title=raw["title"],
            # A rule that is one finding (a red flag "Weakness on examination") lists the answers behind it.
            evaluator=self._compile(raw["condition"], findings="answers" if "finding" in raw["condition"] else "grouped"),
            priority=raw.get("priority"),
            urgent_when=self._compile_urgency(raw["urgent_when"]) if raw.get("urgent_when") else None,
            source=dict(raw["source"]),
            detail=raw.get("detail", ""),
        )

    def _compile(self, cond: Mapping[str, Any], *, findings: str = "answers") -> Evaluator:
        """A condition as a closure; ``findings`` says what a finding it refers to gives as reasons.

        "answers": the answers behind it (a red flag that is one finding lists the weak muscles);
        "titles": its title only (inside another finding: "Abnormal examination", not every grade);
        "grouped": one reason, its title with what made it true ("Red flag or abnormal examination:
        muscle weakness, abnormal examination"), so a test that fires on a broad finding does not
        carry ten answers as ten reasons.
        """
        if "all" in cond:
            return all_of([self._compile(c, findings=findings) for c in cond["all"]])
        if "any" in cond:
            return any_of([self._compile(c, findings=findings) for c in cond["any"]])
        if "not" in cond:
            return self._not(cond["not"])
        if "finding" in cond:
            reference = self._finding_ref(cond["finding"])
            title = self._finding_titles[cond["finding"]]["title"]
            if findings == "grouped":
                return grouped(reference, title)
            return renamed(reference, title) if findings == "titles" else reference
        if "context" in cond:
            return context_atom(cond)
        return self._atom(cond)

    def _compile_urgency(self, cond: Mapping[str, Any]) -> Evaluator:
        """Like a condition, but a finding names itself ("Fasciculations with weakness")
        rather than the answers behind it, which the reasons already list."""
        parts = cond["any"] if "any" in cond else [cond]
        compiled = []
        for part in parts:
            if "finding" in part:
                title = self._finding_titles[part["finding"]]["title"]
                compiled.append(renamed(self._compile(part), title))
            else:
                compiled.append(self._compile(part))
        return any_of(compiled)

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

        def evaluate(ctx: Context) -> Outcome:
            value = ctx.answers.get(code)
            if value is None:
                return (False if code in ctx.not_applicable else None), ()
            if test(value):
                return True, (item.reason(value),)
            return False, ()

        return evaluate

    @staticmethod
    def _presence(item: ItemSpec, expected: bool) -> Evaluator:
        def evaluate(ctx: Context) -> Outcome:
            value = ctx.answers.get(item.code)
            given = value not in (None, "", [])
            if given is expected:
                return True, ((item.reason(value),) if given else ())
            return False, ()

        return evaluate

    def _finding_ref(self, code: str) -> Evaluator:
        """Findings stay three-valued, and are worked out once per evaluation."""

        def evaluate(ctx: Context) -> Outcome:
            if code not in ctx.findings:
                truth, reasons = self._findings[code](ctx)
                ctx.findings[code] = (truth, reasons if truth is True else ())
            return ctx.findings[code]

        return evaluate

    def _not(self, inner_cond: Mapping[str, Any]) -> Evaluator:
        inner = self._compile(inner_cond)
        reason = self._negation_reason(inner_cond)

        def evaluate(ctx: Context) -> Outcome:
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

    def visible_answers(self, answers: Mapping[str, Any], context: Mapping[str, Any] | None = None
                        ) -> tuple[dict[str, Any], frozenset[str]]:
        """Answers with unanswered and hidden items removed, and the hidden codes.

        Visibility conditions may only look at earlier items (validated), so
        one pass in template order settles chains of shown-when items.
        """
        visible, hidden, _ = self._visibility_of(answers, known_context(context))
        return visible, hidden

    def _visibility_of(self, answers: Mapping[str, Any], context: Mapping[str, Any]
                       ) -> tuple[dict[str, Any], frozenset[str], set[str]]:
        present = {code: value for code, value in answers.items() if value is not None and code in self.items}
        hidden: set[str] = set()
        ctx = Context(present, context)
        for code, shown in self._visibility:
            truth, _ = shown(ctx)
            if truth is not True:
                hidden.add(code)
                present.pop(code, None)
                if truth is False:
                    ctx.not_applicable.add(code)
        return present, frozenset(hidden), ctx.not_applicable

    def evaluate(self, answers: Mapping[str, Any], context: Mapping[str, Any] | None = None) -> Evaluation:
        """The recommendations for ``answers``; ``context`` is the patient's (sex, age_years), when known."""
        patient = known_context(context)
        visible, hidden, not_applicable = self._visibility_of(answers, patient)
        ctx = Context(visible, patient, not_applicable=not_applicable)
        recommendations = []
        undetermined = set()
        for rule in self.rules:
            truth, reasons = rule.evaluator(ctx)
            if truth is None:
                undetermined.add((rule.kind, rule.code))
            if truth is True:
                recommendations.append(self._recommend(rule, reasons, ctx))
        for code in self._findings:
            self._finding_ref(code)(ctx)
        return Evaluation(
            template=self.label,
            recommendations=tuple(recommendations),
            findings=frozenset(code for code, (truth, _) in ctx.findings.items() if truth is True),
            hidden=hidden,
            answers=visible,
            mrc_sum=self._mrc_sum(visible),
            mrc_max=MRC_MAX * len(self.mrc_codes),
            missing_required=self._missing_required(visible, hidden),
            undetermined=frozenset(undetermined),
        )

    @staticmethod
    def _recommend(rule: CompiledRule, reasons: tuple[str, ...], ctx: Context) -> Recommendation:
        """The recommendation of a rule that fires, raised to urgent when its urgent_when holds."""
        priority = rule.priority
        if rule.urgent_when is not None:
            urgent, why = rule.urgent_when(ctx)
            if urgent is True:
                priority = "urgent"
                reasons = (*reasons, f"Urgent: {'; '.join(dict.fromkeys(why))}")
        return Recommendation(
            code=rule.code,
            kind=rule.kind,
            title=rule.title,
            priority=priority,
            reasons=shortest_first(reasons) or ("Applies to every assessment",),
            source=rule.source,
            detail=rule.detail,
        )

    def _mrc_sum(self, visible: Mapping[str, Any]) -> int | None:
        """The sum of the MRC grades, only when every muscle is graded."""
        grades = [visible.get(code) for code in self.mrc_codes]
        return sum(grades) if self.mrc_codes and all(g is not None for g in grades) else None

    def _missing_required(self, visible: Mapping[str, Any], hidden: frozenset[str]) -> tuple[str, ...]:
        """Required items neither answered nor hidden."""
        return tuple(
            code for code, item in self.items.items() if item.required and code not in hidden and code not in visible
        )


# ---------------------------------------------------------------- public functions

_compiled_cache: dict[Any, CompiledTemplate] = {}


def compile_cached(cache_key: Any, build_document: Callable[[], Mapping[str, Any]]) -> CompiledTemplate:
    """The compiled template for ``cache_key``, building the document only on a miss."""
    compiled = _compiled_cache.get(cache_key)
    if compiled is None:
        compiled = compile_template(build_document(), cache_key=cache_key)
    return compiled


def clear_compiled_cache() -> None:
    """Forget every compiled template (tests whose rolled-back rows reuse primary keys)."""
    _compiled_cache.clear()


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


def evaluate(document_or_compiled: Mapping[str, Any] | CompiledTemplate, answers: Mapping[str, Any],
             context: Mapping[str, Any] | None = None) -> Evaluation:
    """Evaluate answers against a template document (compiled here, uncached) or a compiled template."""
    compiled = (
        document_or_compiled
        if isinstance(document_or_compiled, CompiledTemplate)
        else compile_template(document_or_compiled)
    )
    return compiled.evaluate(answers, context)
