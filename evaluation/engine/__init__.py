"""The suggestion engine: answers in, explained and sourced recommendations out.

Pure Python over plain data (the template document, as a template version
exports it; the shipped one is ``evaluation/data/fasciculation-cramp-v1.json``),
no ORM, so the screen, the PDF, the command and the tests all call the same
``evaluate``. This package imports nothing from Django nor from
the rest of ``evaluation``: ``types`` holds the vocabulary, ``validation`` (with
``conditions``) says what is wrong with a template or answers, ``compiler``
turns a template into closures and evaluates them, ``cases`` runs a template's
own test cases, ``document`` knows the document formats (format 2's section
flags, grid places, patient texts and roles) and upgrades format 1,
``translations`` holds a document's wording in other languages.

Conditions are JSON, interpreted here (never ``eval``)::

    {"all": [...]}, {"any": [...]}, {"not": cond}
    {"item": "cramps", "is": true}
    {"item": "cramp_timing", "includes": "at_night"}
    {"item": "exam_reflexes", "in": ["brisk"]}
    {"item": "symptom_weeks", "gte": 12}           (also gt, lte, lt)
    {"item": "med_other", "present": true}
    {"finding": "any_red_flag"}
    {"context": "sex", "in": ["female"]}           (patient context: sex, age_years)
    {"context": "age_years", "gte": 60}            (also present: true/false)

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

from .cases import run_case, run_cases
from .compiler import (
    CompiledRule,
    CompiledTemplate,
    clear_compiled_cache,
    compile_cached,
    compile_template,
    evaluate,
    known_context,
)
from .conditions import context_faults
from .document import CURRENT_FORMAT, ROLE_KINDS, SECTION_FLAGS, SERVICE_SET_ITEMS, upgrade_document
from .translations import LANGUAGES, localized, missing_translations, translation_faults
from .types import (
    DECISION_KINDS,
    ITEM_TYPES,
    KINDS,
    MRC_MAX,
    MRC_MIN,
    OUTPUT_KEYS,
    PRIORITIES,
    TEXT_MAX_LENGTH,
    AnswerError,
    Evaluation,
    ItemSpec,
    Recommendation,
    TemplateError,
)
from .validation import validate_answers, validate_template, value_fault

__all__ = [
    "CURRENT_FORMAT",
    "ROLE_KINDS",
    "SECTION_FLAGS",
    "SERVICE_SET_ITEMS",
    "DECISION_KINDS",
    "ITEM_TYPES",
    "LANGUAGES",
    "KINDS",
    "MRC_MAX",
    "MRC_MIN",
    "OUTPUT_KEYS",
    "PRIORITIES",
    "TEXT_MAX_LENGTH",
    "AnswerError",
    "CompiledRule",
    "CompiledTemplate",
    "Evaluation",
    "ItemSpec",
    "Recommendation",
    "TemplateError",
    "clear_compiled_cache",
    "compile_cached",
    "context_faults",
    "known_context",
    "localized",
    "missing_translations",
    "translation_faults",
    "compile_template",
    "evaluate",
    "run_case",
    "run_cases",
    "upgrade_document",
    "validate_answers",
    "validate_template",
    "value_fault",
]
