"""Edits to a draft version, one part at a time: each atomic, audited, and refused if it breaks the template.

Every edit runs inside ``_editing``: the version is locked and must still be a
draft, the change is written, and the whole document is validated by the
engine. A fault the edit *introduced* rolls everything back and raises
``DraftEditError`` naming it; faults the draft already had do not block an
unrelated edit, so a broken draft can be mended one step at a time.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from .. import audit, engine
from ..audit import Actor
from ..engine import translations as wording
from ..models import AuditEvent, Item, Rule, Section, TemplateCase, TemplateVersion
from . import references

Action = AuditEvent.Action


class DraftEditError(Exception):
    """The edit was not saved; ``faults`` says why, in the engine's words."""

    def __init__(self, faults: list[str]):
        super().__init__("; ".join(faults))
        self.faults = list(faults)


@contextmanager
def _editing(version: TemplateVersion, actor: Actor, what: str) -> Iterator[TemplateVersion]:
    with transaction.atomic():
        locked = TemplateVersion.objects.select_for_update().select_related("template").get(pk=version.pk)
        if not locked.is_draft:
            raise DraftEditError([_("%(version)s is %(status)s and can no longer be changed; create a new draft "
                                    "from it.") % {"version": locked.label,
                                                   "status": locked.get_status_display().lower()}])
        before = set(engine.validate_template(locked.to_document()))
        yield locked
        _keep_translations_in_step(locked)
        introduced = [fault for fault in engine.validate_template(locked.to_document()) if fault not in before]
        if introduced:
            raise DraftEditError(introduced)
        audit.record(Action.TEMPLATE_EDIT, actor=actor, obj=locked, detail={"version": locked.label, "fields": [what]})


def _keep_translations_in_step(version: TemplateVersion) -> None:
    """Drop the translations of wording the edit removed (a deleted question, a cleared help text): a
    translation of nothing is a fault that would refuse the edit."""
    if not version.translations:
        return
    kept = wording.kept_in_step(version.translations, version.to_document())
    if kept != version.translations:
        version.translations = kept
        version.save(update_fields=["translations"])


def _rename_translations(version: TemplateVersion, part: str, old: str, new: str) -> None:
    """A renamed code keeps its translations (they are keyed by code)."""
    if version.translations and old != new:
        version.translations = wording.renamed(version.translations, part, old, new)
        version.save(update_fields=["translations"])


def _next_order(queryset: Any) -> int:
    top = queryset.aggregate(top=Max("order"))["top"]
    return 0 if top is None else top + 1


def _move(part: Any, siblings: Any, offset: int) -> None:
    """Move ``part`` ``offset`` places among ``siblings`` (in order), renumbering them 0, 1, 2…"""
    ordered = list(siblings)
    index = next(i for i, p in enumerate(ordered) if p.pk == part.pk)
    target = max(0, min(len(ordered) - 1, index + offset))
    ordered.insert(target, ordered.pop(index))
    for order, sibling in enumerate(ordered):
        if sibling.order != order:
            sibling.order = order
            sibling.save(update_fields=["order"])


# ---------------------------------------------------------------- the version and its sections


def version_update(*, version: TemplateVersion, actor: Actor, title: str, source_document: str) -> None:
    with _editing(version, actor, "version") as locked:
        locked.title, locked.source_document = title, source_document
        locked.save(update_fields=["title", "source_document"])


def section_save(*, version: TemplateVersion, actor: Actor, section: Section) -> Section:
    """Create ``section`` (placed last) or save its changed fields."""
    with _editing(version, actor, f"section {section.code}") as locked:
        # The stored code, before this save: a renamed section keeps its translation.
        old_code = locked.sections.filter(pk=section.pk).values_list("code", flat=True).first() if section.pk else None
        if section.pk is None:
            section.version = locked
            section.order = _next_order(locked.sections.all())
        section.save()
        if old_code:
            _rename_translations(locked, "sections", old_code, section.code)
    return section


def section_move(*, version: TemplateVersion, actor: Actor, section: Section, offset: int) -> None:
    with _editing(version, actor, f"section {section.code}") as locked:
        _move(section, locked.sections.order_by("order", "id"), offset)


def section_delete(*, version: TemplateVersion, actor: Actor, section: Section) -> None:
    with _editing(version, actor, f"section {section.code}"):
        if section.items.exists():
            raise DraftEditError([_("section %(code)s: move or delete its questions first") % {"code": section.code}])
        section.delete()


# ---------------------------------------------------------------- questions


def item_save(*, version: TemplateVersion, actor: Actor, item: Item, old_code: str | None = None,
              old_section_id: int | None = None) -> Item:
    """Create or save a question; a changed code is renamed in every condition and test case naming it."""
    with _editing(version, actor, f"item {item.code}") as locked:
        if item.pk is None or item.section_id != old_section_id:
            item.order = _next_order(locked.items.filter(section_id=item.section_id).exclude(pk=item.pk))
        item.version = locked
        item.save()
        if old_code and old_code != item.code:
            _rename_item(locked, old_code, item.code)
            _rename_translations(locked, "items", old_code, item.code)
    return item


def _rename_item(version: TemplateVersion, old: str, new: str) -> None:
    rename = references.rename_item_in_condition
    for rule in version.rules.all():
        condition, urgent = rename(rule.condition, old, new), rename(rule.urgent_when, old, new)
        if (condition, urgent) != (rule.condition, rule.urgent_when):
            rule.condition, rule.urgent_when = condition, urgent
            rule.save(update_fields=["condition", "urgent_when"])
    for other in version.items.exclude(shown_when=None):
        shown = rename(other.shown_when, old, new)
        if shown != other.shown_when:
            other.shown_when = shown
            other.save(update_fields=["shown_when"])
    findings = [{**f, "condition": rename(f.get("condition"), old, new)} for f in version.findings]
    if findings != version.findings:
        version.findings = findings
        version.save(update_fields=["findings"])
    for case in version.cases.all():
        if old in case.answers:
            case.answers = references.rename_answer(case.answers, old, new)
            case.save(update_fields=["answers"])


def item_move(*, version: TemplateVersion, actor: Actor, item: Item, offset: int) -> None:
    with _editing(version, actor, f"item {item.code}") as locked:
        _move(item, locked.items.filter(section_id=item.section_id).order_by("order", "id"), offset)


def item_delete(*, version: TemplateVersion, actor: Actor, item: Item) -> None:
    """Delete a question and its answers in the test cases; refused while a condition still asks about it."""
    with _editing(version, actor, f"item {item.code}") as locked:
        for case in locked.cases.all():
            if item.code in case.answers:
                case.answers = {code: value for code, value in case.answers.items() if code != item.code}
                case.save(update_fields=["answers"])
        item.delete()


# ---------------------------------------------------------------- rules


def rule_save(*, version: TemplateVersion, actor: Actor, rule: Rule, old_key: tuple[str, str] | None = None) -> Rule:
    """Create or save a rule; a changed code is renamed in the test cases' expectations."""
    with _editing(version, actor, f"rule {rule.code}") as locked:
        if rule.pk is None:
            rule.order = _next_order(locked.rules.all())
        rule.version = locked
        rule.save()
        if old_key and old_key != (rule.kind, rule.code):
            kind, code = old_key
            _rename_rule(locked, kind, code, rule.code if kind == rule.kind else None)
            _rename_translations(locked, "rules", f"{kind}:{code}", f"{rule.kind}:{rule.code}")
    return rule


def _rename_rule(version: TemplateVersion, kind: str, old: str, new: str | None) -> None:
    for case in version.cases.all():
        expect = references.rename_rule_in_expect(case.expect, kind, old, new)
        if expect != case.expect:
            case.expect = expect
            case.save(update_fields=["expect"])


def rule_delete(*, version: TemplateVersion, actor: Actor, rule: Rule) -> None:
    """Delete a rule; test cases stop expecting it (and show whether they still pass)."""
    with _editing(version, actor, f"rule {rule.code}") as locked:
        _rename_rule(locked, rule.kind, rule.code, None)
        rule.delete()


# ---------------------------------------------------------------- translations


def translations_save(*, version: TemplateVersion, actor: Actor, language: str,
                      texts: dict[wording.Wording, str]) -> None:
    """Set the ``language`` translations of the given strings (an empty text removes one); the draft's other
    translations are kept as they were."""
    with _editing(version, actor, f"translations {language}") as locked:
        table = (locked.translations or {}).get(language) or {}
        current = {_where(entry): (entry, wording.translation_of(table, entry))
                   for entry in wording.wording(locked.to_document())}
        # Matched by where a string is, not by its English: a string whose English changed since the page was
        # opened still takes the translation typed for it; one deleted since is not translated.
        for entry, text in texts.items():
            if _where(entry) in current:
                current[_where(entry)] = (current[_where(entry)][0], text)
        updated = wording.table_from(dict(current.values()))
        others = {code: other for code, other in (locked.translations or {}).items() if code != language}
        locked.translations = {**others, **({language: updated} if updated else {})}
        locked.save(update_fields=["translations"])


def _where(entry: wording.Wording) -> tuple[str, str, str]:
    return entry.part, entry.key, entry.field


# ---------------------------------------------------------------- test cases


def case_save(*, version: TemplateVersion, actor: Actor, case: TemplateCase) -> TemplateCase:
    with _editing(version, actor, f"case {case.name}") as locked:
        if case.pk is None:
            case.order = _next_order(locked.cases.all())
        case.version = locked
        case.save()
    return case


def case_delete(*, version: TemplateVersion, actor: Actor, case: TemplateCase) -> None:
    with _editing(version, actor, f"case {case.name}"):
        case.delete()


def expectations_from(evaluation: engine.Evaluation, *, exactly: bool) -> dict[str, Any]:
    """What a case saved from a preview expects: exactly these suggestions, or at least these."""
    expect: dict[str, Any] = {}
    for kind, key in engine.OUTPUT_KEYS.items():
        codes = evaluation.codes(kind)
        if exactly:
            expect[key] = {"exactly": codes}
        elif codes:
            expect[key] = {"includes": codes}
    return expect
