"""The content of an assessment's report, built once and shown three ways.

A signed revision's content comes from its signed snapshot (answers, engine
output and decisions exactly as signed); a draft's from one evaluation of its
saved answers. The screen summary, the summary PDF and the patient handout all
take the same ``ReportContent``, so screen and paper never disagree, and
printing never evaluates the rules again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import get_language

from .. import selectors
from ..decisions import NO_DECISION, Decisions, key_of
from ..engine import DECISION_KINDS, MRC_MAX, CompiledTemplate, Evaluation
from ..engine.translations import LANGUAGES as TRANSLATED_LANGUAGES
from ..layout import answer_sections, grouped_output, mrc_grid_values, with_reasons_in_language
from ..models import Assessment, Patient, Signature
from .follow_up import FollowUp, Visit, follow_up


@dataclass(frozen=True)
class ReportContent:
    assessment: Assessment
    signature: Signature | None
    signatures: list[Signature]
    answers: dict[str, Any]
    hidden: frozenset[str]
    output: dict[str, Any]
    decisions: Decisions
    groups: list[dict[str, Any]]
    passages: list[dict[str, str]]
    sections: list[dict[str, Any]]
    mrc_rows: list[Any]
    mrc_max: int
    follow_up: FollowUp | None

    @property
    def patient(self) -> Patient:
        return self.assessment.patient

    @property
    def is_draft(self) -> bool:
        return self.signature is None

    @property
    def mrc_sum(self) -> int | None:
        return self.output.get("mrc_sum")

    @property
    def history(self) -> list[Signature]:
        """The signed revisions up to this one: a stored report never shows what came later."""
        if self.signature is None:
            return self.signatures
        return [s for s in self.signatures if s.number <= self.signature.number]

    def of_kind(self, kind: str) -> list[dict[str, Any]]:
        return next(group["items"] for group in self.groups if group["kind"] == kind)

    def context(self) -> dict[str, Any]:
        """What the summary templates (screen and print) read."""
        return {
            "report": self,
            "assessment": self.assessment,
            "patient": self.patient,
            "signature": self.signature,
            "signatures": self.signatures,
            "groups": self.groups,
            "passages": self.passages,
            "sections": self.sections,
            "mrc_rows": self.mrc_rows,
            "mrc_sum": self.mrc_sum,
            "mrc_max": self.mrc_max,
            "decisions": self.decisions,
            "follow_up": self.follow_up,
            "is_draft": self.is_draft,
            "red_flags": self.of_kind("red_flag"),
            "referrals": self.of_kind("referral"),
            "tests": self.of_kind("test"),
            "added_tests": self.decisions.added,
            "patterns": self.of_kind("pattern"),
            "advice": self.of_kind("advice"),
            "history": self.history,
            "show_history": len(self.history) > 1 or self.assessment.is_amending,
            "signed_meaning": self.signature.meaning if self.signature is not None else "",
            "version_title": version_title(self.assessment),
        }


def version_title(assessment: Assessment) -> str:
    """The checklist version's title in the active language (English where not translated)."""
    document = assessment.version.compiled(get_language()).document
    return document.get("version", {}).get("title") or assessment.version.title


def report_for(assessment: Assessment, signature: Signature | None = None,
               signatures: list[Signature] | None = None) -> ReportContent:
    """A signed revision's report (``signature``), or the draft's. ``signatures``: the assessment's signed
    revisions, if the caller has read them already (the summary page does, to find the latest)."""
    if signature is not None:
        return report_for_signature(signature, assessment, signatures)
    return report_for_draft(assessment, signatures=signatures)


def report_for_draft(assessment: Assessment, evaluation: Evaluation | None = None,
                     signatures: list[Signature] | None = None) -> ReportContent:
    """A draft's report, from one evaluation of its saved answers (pass it if the page has one).

    Worded in the active language, as the page or print that shows it."""
    evaluation = evaluation or assessment.version.compiled(get_language()).evaluate(
        assessment.answers, assessment.context)
    return _build(assessment, None, evaluation.answers, evaluation.hidden, evaluation.snapshot(),
                  Decisions.from_json(assessment.decisions), signatures)


def report_for_signature(signature: Signature, assessment: Assessment | None = None,
                         signatures: list[Signature] | None = None) -> ReportContent:
    """Exactly what ``signature`` signed."""
    assessment = assessment or signature.assessment
    compiled = assessment.version.compiled()
    content = signature.content
    answers, output = _signed_answers_and_output(signature, compiled)
    # Which questions were hidden follows from the signed answers and context alone.
    _, hidden = compiled.visible_answers(answers, content.get("context"))
    return _build(assessment, signature, answers, hidden, output, Decisions.from_json(content["decisions"]),
                  signatures)


def signed_follow_up(signature: Signature, assessment: Assessment) -> FollowUp | None:
    """The comparison with the previous visit that ``report_for_signature(signature).follow_up`` would give,
    without building the rest of the report (the summary page keeps a signed revision's columns)."""
    compiled = assessment.version.compiled(get_language())
    answers, output = _signed_answers_and_output(signature, assessment.version.compiled())
    return follow_up(assessment, compiled, Visit.from_output(answers, output))


def _signed_answers_and_output(signature: Signature, compiled: CompiledTemplate
                               ) -> tuple[dict[str, Any], dict[str, Any]]:
    content = signature.content
    answers, output = content["answers"], content["output"]
    if "undetermined" not in output:
        # Signed before the snapshot kept the undetermined rules: work them out from the signed answers.
        output = {**output, "undetermined": compiled.evaluate(answers, content.get("context")).snapshot()["undetermined"]}
    return answers, output


def _build(assessment: Assessment, signature: Signature | None, answers: dict[str, Any], hidden: frozenset[str],
           output: dict[str, Any], decisions: Decisions, signatures: list[Signature] | None = None
           ) -> ReportContent:
    language = get_language()
    compiled: CompiledTemplate = assessment.version.compiled(language)
    translated = compiled if language in TRANSLATED_LANGUAGES else None
    # A signed record keeps its reasons as signed; a draft's are worded in the page's language.
    shown = output if signature is not None else with_reasons_in_language(output)
    groups, passages = _annotated_groups(grouped_output(shown), decisions, translated)
    return ReportContent(
        assessment=assessment,
        signature=signature,
        signatures=selectors.signatures_of(assessment) if signatures is None else signatures,
        answers=answers,
        hidden=hidden,
        output=output,
        decisions=decisions,
        groups=groups,
        passages=passages,
        sections=answer_sections(compiled, answers, hidden),
        mrc_rows=mrc_grid_values(compiled, answers),
        mrc_max=MRC_MAX * len(compiled.mrc_codes),
        follow_up=follow_up(assessment, compiled, Visit.from_output(answers, output)),
    )


def _annotated_groups(groups: list[dict[str, Any]], decisions: Decisions, translated: CompiledTemplate | None = None,
                      ) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """Each recommendation with its decision (tests and referrals) and the numbers of its source passages,
    which are numbered once each across the report.

    With ``translated`` (the template in another language than English), each title is shown in that
    language, looked up by kind and code: a signed snapshot keeps its English titles, and its reasons as signed.
    """
    numbers: dict[tuple[str, str], int] = {}
    passages: list[dict[str, str]] = []
    annotated = []
    for group in groups:
        items = []
        for rec in group["items"]:
            refs = [_passage_number(passage, numbers, passages) for passage in _passages_of(rec)]
            # A red flag's reason is often its own title ("Muscle weakness"); saying it twice is noise.
            reasons = [r for r in rec.get("reasons", []) if r != rec.get("title")]
            extra = _decision_of(decisions, key_of(rec, group["kind"])) if group["kind"] in DECISION_KINDS else {}
            title = _title_in(translated, group["kind"], rec)
            items.append({**rec, "title": title, "reasons": reasons, "refs": refs, **extra})
        annotated.append({**group, "items": items})
    return annotated, passages


def _title_in(translated: CompiledTemplate | None, kind: str, rec: dict[str, Any]) -> str:
    if translated is None:
        return rec.get("title", "")
    return translated.rule_documents.get((kind, rec.get("code")), {}).get("title") or rec.get("title", "")


def _decision_of(decisions: Decisions, key: str) -> dict[str, Any]:
    """``decision``: the stored choice (ordered, declined) or NO_DECISION, for code to compare;
    ``decision_text``: the words to print ("referred", "not referred: reason", "declined: reason")."""
    choice = decisions.choice_for(key)
    return {"decision": choice, "decision_text": decisions.text_for(key), "decided": choice != NO_DECISION}


def _passages_of(rec: dict[str, Any]) -> list[dict[str, str]]:
    source = rec.get("source") or {}
    return [p for p in [source, *source.get("also", [])] if p.get("quote")]


def _passage_number(passage: dict[str, str], numbers: dict[tuple[str, str], int],
                    passages: list[dict[str, str]]) -> int:
    key = (passage.get("section", ""), passage["quote"])
    if key not in numbers:
        passages.append({"section": key[0], "quote": key[1]})
        numbers[key] = len(passages)
    return numbers[key]
