"""Template versions: import (with storage checks), check, publish, retire, clone, load the default."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.models import Max
from django.utils import timezone

from .. import audit, engine
from ..audit import Actor
from ..json_limits import nesting_exceeds
from ..models import AuditEvent, ChecklistTemplate, Item, Rule, Section, TemplateCase, TemplateVersion

Action = AuditEvent.Action
DATA_DIR = Path(__file__).resolve().parents[1] / "data"
DEFAULT_TEMPLATE_FILE = DATA_DIR / "fasciculation-cramp-v1.json"
# Every shipped version, oldest first: loading them in order leaves the newest published and
# the older ones superseded, still there for the assessments made with them.
DEFAULT_TEMPLATE_FILES = (DEFAULT_TEMPLATE_FILE, DATA_DIR / "fasciculation-cramp-v2.json")
# What format 1 left to code; applied when a format-1 document is upgraded on import.
FORMAT_1_BEHAVIOUR_FILE = DATA_DIR / "format-1-behaviour.json"
# Deeper than any real template (a condition may nest 32 levels, each a dict and a list);
# checked before anything recursive touches the document.
MAX_DOCUMENT_DEPTH = 100


class PublishError(ValidationError):
    pass


class DefaultTemplateError(Exception):
    """The shipped default template cannot be loaded; the message says why."""


# ---------------------------------------------------------------- what the database can store

# Where each text and number of a document is stored: (document part, key) -> model field.
_STORED_AS: dict[str, dict[str, models.Field]] = {
    "template": {"slug": ChecklistTemplate._meta.get_field("slug"),
                 "title": ChecklistTemplate._meta.get_field("title")},
    "version": {"title": TemplateVersion._meta.get_field("title"),
                "source_document": TemplateVersion._meta.get_field("source_document"),
                "number": TemplateVersion._meta.get_field("number")},
    "section": {"title": Section._meta.get_field("title")},
    "item": {"label": Item._meta.get_field("label"), "help_text": Item._meta.get_field("help_text"),
             "min": Item._meta.get_field("min_value"), "max": Item._meta.get_field("max_value")},
    "rule": {"title": Rule._meta.get_field("title")},
    "case": {"name": TemplateCase._meta.get_field("name")},
}


def _field_faults(where: str, raw: Any, part: str) -> list[str]:
    """Values the engine accepts but the model field cannot store: wrong type, too long, out of range."""
    if not isinstance(raw, dict):
        return []
    faults = []
    for key, field in _STORED_AS[part].items():
        if key not in raw:
            continue
        value = raw[key]
        if isinstance(field, models.CharField):
            if not isinstance(value, str):
                faults.append(f"{where}: {key} must be text")
            elif len(value) > field.max_length:
                faults.append(f"{where}: {key} is longer than {field.max_length} characters")
        elif isinstance(value, int) and not isinstance(value, bool):  # other types are the engine's to refuse
            low, high = BaseDatabaseOperations.integer_field_ranges[field.get_internal_type()]
            if not low <= value <= high:
                faults.append(f"{where}: {key} is out of range")
    return faults


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _named(part: str, raw: Any, key: str) -> str:
    return f"{part} {raw.get(key)!r}" if isinstance(raw, dict) else part


def storage_faults(document: dict[str, Any]) -> list[str]:
    """Everything in a document the database could not store; empty when it all fits."""
    faults = _field_faults("template", document.get("template"), "template")
    faults += _field_faults("version", document.get("version"), "version")
    for section in _list(document.get("sections")):
        faults += _field_faults(_named("section", section, "code"), section, "section")
        for raw in _list(section.get("items") if isinstance(section, dict) else None):
            faults += _field_faults(_named("item", raw, "code"), raw, "item")
            faults += _choice_label_faults(raw)
    faults += [fault for raw in _list(document.get("rules"))
               for fault in _field_faults(_named("rule", raw, "code"), raw, "rule")]
    faults += [fault for raw in _list(document.get("cases")) for fault in _field_faults("case", raw, "case")]
    return faults


def _choice_label_faults(raw: Any) -> list[str]:
    if not isinstance(raw, dict):
        return []
    labels = [c[1] for c in _list(raw.get("choices")) if isinstance(c, list) and len(c) == 2]
    return [f"item {raw.get('code')!r}: each choice label must be text"] if any(
        not isinstance(label, str) for label in labels) else []


def document_faults(document: Any) -> list[str]:
    """Every reason ``document`` cannot be imported: the engine's faults and the database's."""
    if not isinstance(document, dict) or not all(key in document for key in ("template", "version", "sections", "rules")):
        return engine.validate_template(document)
    if _has_nul(document):
        # PostgreSQL stores neither text nor JSON with NUL; refuse here rather than fail mid-import.
        return ["the document contains a NUL character (\\u0000), which cannot be stored"]
    return storage_faults(document) + engine.validate_template(document)


# ---------------------------------------------------------------- reading documents


def parse_document(text: str | bytes) -> Any:
    """The JSON document in ``text``; TemplateError saying what is wrong when it cannot be one."""
    try:
        document = json.loads(text)
    except RecursionError:
        raise engine.TemplateError([f"the document is nested deeper than {MAX_DOCUMENT_DEPTH} levels"]) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise engine.TemplateError([f"The file is not valid JSON: {exc}"]) from None
    if nesting_exceeds(document, MAX_DOCUMENT_DEPTH):
        raise engine.TemplateError([f"the document is nested deeper than {MAX_DOCUMENT_DEPTH} levels"])
    return document


def upgraded(document: Any) -> Any:
    """A format-1 document as format 2 (anything else unchanged), so import and checks see one format."""
    if not isinstance(document, dict) or document.get("format", 1) != 1:
        return document
    behaviour = json.loads(FORMAT_1_BEHAVIOUR_FILE.read_text(encoding="utf-8"))
    return engine.upgrade_document(document, behaviour)


# ---------------------------------------------------------------- import


@transaction.atomic
def template_import(
    *, document: Any, actor: Actor, number: int | None = None, audit_as_import: bool = True,
) -> TemplateVersion:
    """Create a new draft version from a document; nothing is saved if anything is invalid.

    The draft takes ``number`` when given and free, else the next free number,
    so an import can never overwrite an existing (perhaps published) version.
    """
    if nesting_exceeds(document, MAX_DOCUMENT_DEPTH):
        raise engine.TemplateError([f"the document is nested deeper than {MAX_DOCUMENT_DEPTH} levels"])
    document = upgraded(document)
    errors = document_faults(document)
    if errors:
        raise engine.TemplateError(errors)
    template, _ = ChecklistTemplate.objects.get_or_create(
        slug=document["template"]["slug"], defaults={"title": document["template"].get("title") or "Untitled"}
    )
    taken = set(template.versions.values_list("number", flat=True))
    wanted = number if number is not None else document["version"]["number"]
    if wanted in taken:
        wanted = max(taken) + 1
    version = TemplateVersion.objects.create(
        template=template,
        number=wanted,
        title=document["version"].get("title") or template.title,
        source_document=document["version"].get("source_document", ""),
        findings=document.get("findings", []),
        translations=document.get("translations") or {},
        created_by=actor.user,
        cloned_from=_version_named(document["version"].get("cloned_from")),
    )
    _create_parts(version, document)
    if audit_as_import:
        audit.record(Action.TEMPLATE_IMPORT, actor=actor, obj=version, detail={"version": version.label})
    return version


def _version_named(label: Any) -> TemplateVersion | None:
    """The version a document says it was cloned from ("slug@number"), when this database has it."""
    if not isinstance(label, str) or "@" not in label:
        return None
    slug, _, number = label.rpartition("@")
    if not number.isdigit():
        return None
    return TemplateVersion.objects.filter(template__slug=slug, number=int(number)).first()


def _create_parts(version: TemplateVersion, document: dict[str, Any]) -> None:
    for s_order, raw_section in enumerate(document["sections"]):
        section = Section.objects.create(
            version=version, code=raw_section["code"], title=raw_section["title"], order=s_order,
            reassess_each_visit=raw_section.get("reassess_each_visit", False),
            compare_on_follow_up=raw_section.get("compare_on_follow_up", False),
        )
        Item.objects.bulk_create(_item(version, section, order, raw) for order, raw in enumerate(raw_section["items"]))
    Rule.objects.bulk_create(_rule(version, order, raw) for order, raw in enumerate(document["rules"]))
    TemplateCase.objects.bulk_create(
        TemplateCase(version=version, name=raw["name"], answers=raw.get("answers", {}), expect=raw.get("expect", {}),
                     context=raw.get("context") or {}, order=order)
        for order, raw in enumerate(document.get("cases", []))
    )


def _item(version: TemplateVersion, section: Section, order: int, raw: dict[str, Any]) -> Item:
    return Item(
        version=version, section=section, code=raw["code"], type=raw["type"], label=raw["label"],
        help_text=raw.get("help_text") or "", required=bool(raw.get("required", False)), order=order,
        choices=raw.get("choices") or [], min_value=raw.get("min"), max_value=raw.get("max"),
        shown_when=raw.get("shown_when"),
        **_grid_fields(raw.get("grid")),
    )


def _grid_fields(grid: dict[str, Any] | None) -> dict[str, Any]:
    if not grid:
        return {}
    return {"grid_row": grid["row"], "grid_column": grid["column"], "in_mrc_sum": grid.get("in_sum", True)}


def _rule(version: TemplateVersion, order: int, raw: dict[str, Any]) -> Rule:
    return Rule(
        version=version, code=raw["code"], kind=raw["kind"], title=raw["title"], detail=raw.get("detail", ""),
        condition=raw["condition"], priority=raw.get("priority") or "", urgent_when=raw.get("urgent_when"),
        source=raw["source"], patient_text=raw.get("patient_text") or "", role=raw.get("role") or "", order=order,
    )


# ---------------------------------------------------------------- check, publish, retire, clone


def template_check(*, version: TemplateVersion) -> list[str]:
    """Every reason the version may not be published: invalid content or failing test cases."""
    document = version.to_document()
    errors = engine.validate_template(document)
    if errors:
        return errors
    if not document["cases"]:
        return ["add at least one test case before publishing"]
    compiled = engine.CompiledTemplate(document)
    return [f"case {name!r}: {failure}" for name, failures in engine.run_cases(compiled).items() for failure in failures]


@transaction.atomic
def template_publish(*, version: TemplateVersion, actor: Actor) -> TemplateVersion:
    """Publish a draft that passes its checks; it supersedes the template's published version.

    New assessments then use the new version; assessments begun on the old one
    keep it, and it stays readable.
    """
    version = TemplateVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != TemplateVersion.Status.DRAFT:
        raise PublishError(f"{version.label} is {version.status}; only a draft can be published.", code="not_draft")
    problems = template_check(version=version)
    if problems:
        raise PublishError(problems, code="invalid")
    superseded = _supersede_published(version, actor)
    version.status = TemplateVersion.Status.PUBLISHED
    version.published_at = timezone.now()
    version.published_by = actor.user if getattr(actor.user, "pk", None) else None
    version.save()
    audit.record(Action.TEMPLATE_PUBLISH, actor=actor, obj=version,
                 detail={"version": version.label, "supersedes": [v.label for v in superseded]})
    return version


def _supersede_published(version: TemplateVersion, actor: Actor) -> list[TemplateVersion]:
    """Mark the template's other published versions superseded, so clinicians see one choice per template."""
    superseded = list(TemplateVersion.objects.select_for_update()
                      .filter(template_id=version.template_id, status=TemplateVersion.Status.PUBLISHED)
                      .exclude(pk=version.pk))
    for old in superseded:
        old.status = TemplateVersion.Status.SUPERSEDED
        old.save()
        audit.record(Action.TEMPLATE_SUPERSEDE, actor=actor, obj=old,
                     detail={"version": old.label, "superseded_by": version.label})
    return superseded


def retire_problems(version: TemplateVersion, replacement: TemplateVersion | None) -> list[str]:
    """Why ``version`` may not be retired (naming ``replacement``, if any); empty when it may."""
    if version.status != TemplateVersion.Status.PUBLISHED:
        return [f"{version.label} is {version.status}; only a published version can be retired."]
    if replacement is not None:
        if replacement.pk == version.pk:
            return ["A version cannot replace itself."]
        if replacement.status not in (TemplateVersion.Status.PUBLISHED, TemplateVersion.Status.DRAFT):
            return [f"{replacement.label} is {replacement.status}; name a published version or a draft to publish."]
        return []
    others = TemplateVersion.objects.filter(status=TemplateVersion.Status.PUBLISHED).exclude(pk=version.pk)
    if not others.exists():
        return [f"{version.label} is the only version clinicians can start new assessments with. "
                "Name a replacement (a published version, or a draft to publish in its place)."]
    return []


@transaction.atomic
def template_retire(*, version: TemplateVersion, actor: Actor,
                    replacement: TemplateVersion | None = None) -> TemplateVersion:
    """Retire a published version; a draft named as replacement is published first (checks and all)."""
    version = TemplateVersion.objects.select_for_update().get(pk=version.pk)
    problems = retire_problems(version, replacement)
    if problems:
        raise PublishError(problems, code="not_retirable")
    # Retired first, so publishing a same-template replacement has nothing left to supersede;
    # a replacement that fails its checks rolls the retirement back with it.
    version.status = TemplateVersion.Status.RETIRED
    version.save()
    if replacement is not None and replacement.status == TemplateVersion.Status.DRAFT:
        replacement = template_publish(version=replacement, actor=actor)
    detail = {"version": version.label, **({"replacement": replacement.label} if replacement else {})}
    audit.record(Action.TEMPLATE_RETIRE, actor=actor, obj=version, detail=detail)
    return version


@transaction.atomic
def template_clone(*, version: TemplateVersion, actor: Actor) -> TemplateVersion:
    """A new draft with everything of ``version``, numbered after the newest version."""
    next_number = (version.template.versions.aggregate(top=Max("number"))["top"] or 0) + 1
    document = version.to_document()
    document["version"]["cloned_from"] = version.label
    draft = template_import(document=document, actor=actor, number=next_number, audit_as_import=False)
    audit.record(Action.TEMPLATE_CLONE, actor=actor, obj=draft, detail={"version": draft.label, "from": version.label})
    return draft


# ---------------------------------------------------------------- the default template


def comparable_document(document: dict[str, Any]) -> dict[str, Any]:
    """A document without its version number and provenance, for "is this the same content?" checks."""
    copy = json.loads(json.dumps(document))
    copy["version"].pop("number", None)
    copy["version"].pop("cloned_from", None)
    return copy


def read_document(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise DefaultTemplateError(f"cannot read {path.name}: {exc}") from exc


@transaction.atomic
def template_load_default(*, path: Path = DEFAULT_TEMPLATE_FILE) -> tuple[TemplateVersion, bool]:
    """Load and publish the shipped template; returns the version and whether anything was created.

    Idempotent, and refuses when the database holds a different version of the same number.
    """
    document = read_document(path)
    slug, number = document["template"]["slug"], document["version"]["number"]
    existing = TemplateVersion.objects.filter(template__slug=slug, number=number).select_related("template").first()
    if existing is not None:
        if comparable_document(existing.to_document()) != comparable_document(document):
            raise DefaultTemplateError(
                f"{existing.label} in the database differs from {path.name}. Published versions never change: "
                "give the file a new version number to ship a change."
            )
        return existing, False
    try:
        version = template_import(document=document, actor=Actor.system(), number=number)
    except engine.TemplateError as exc:
        raise DefaultTemplateError(f"{path.name} is not a valid template: {exc}") from exc
    return template_publish(version=version, actor=Actor.system()), True


def template_load_defaults() -> list[tuple[TemplateVersion, bool]]:
    """Load every shipped version in order (each idempotent); the newest ends up published."""
    return [template_load_default(path=path) for path in DEFAULT_TEMPLATE_FILES if path.exists()]
