"""What the summary page and the PDF show, built in one place so screen and paper never disagree."""

from __future__ import annotations

from typing import Any

from .compare import Comparison, compare
from .models import Assessment, Signature
from .presentation import answer_sections, grouped_output, mrc_grid_values
from .rules import Evaluation


def signed_or_current_answers(assessment: Assessment) -> dict[str, Any]:
    """What a visit says: its latest signed revision, else its draft."""
    signature = assessment.latest_signature
    return signature.content["answers"] if signature is not None else assessment.answers


def follow_up(assessment: Assessment, evaluation: Evaluation) -> dict[str, Any] | None:
    """The comparison with the previous visit, as that visit was signed (never an amendment in progress)."""
    previous = assessment.previous
    if previous is None or previous.version.template_id != assessment.version.template_id:
        return None
    compiled = assessment.version.compiled()
    before = compiled.evaluate(signed_or_current_answers(previous))
    comparison: Comparison = compare(compiled, before, evaluation)
    return {"previous": previous, "comparison": comparison}


def summary_context(assessment: Assessment, signature: Signature | None = None) -> dict[str, Any]:
    """A signed revision shows exactly what was signed; a draft shows its saved answers."""
    compiled = assessment.version.compiled()
    if signature is not None:
        answers = signature.content["answers"]
        output = signature.content["output"]
        decisions = signature.content["decisions"]
    else:
        answers = assessment.answers
        output = None
        decisions = assessment.decisions
    evaluation = compiled.evaluate(answers)
    if output is None:
        output = evaluation.as_dict()
        output["mrc_sum"] = evaluation.mrc_sum
    return {
        "assessment": assessment,
        "patient": assessment.patient,
        "signature": signature,
        "evaluation": evaluation,
        "groups": grouped_output(output),
        "mrc_sum": output.get("mrc_sum"),
        "mrc_max": evaluation.mrc_max,
        "sections": answer_sections(compiled, evaluation),
        "mrc_rows": mrc_grid_values(compiled, evaluation.answers),
        "decisions": decisions,
        "follow_up": follow_up(assessment, evaluation),
        "signatures": list(assessment.signatures.order_by("number").defer("pdf")),
    }
