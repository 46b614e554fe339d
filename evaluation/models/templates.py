"""Checklist templates: versions and their parts (sections, items, rules, test cases)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..engine import LANGUAGES, CompiledTemplate, compile_cached, compile_template, localized
from .immutable import ImmutableRecordError

# The document format this code writes; import upgrades older formats.
# Format 2 adds section flags (reassess_each_visit, compare_on_follow_up), grid
# placement of MRC items and, on rules, patient_text and role.
DOCUMENT_FORMAT = 2


class ChecklistTemplate(models.Model):
    slug = models.SlugField(_("slug"), max_length=64, unique=True)
    title = models.CharField(_("title"), max_length=200)

    class Meta:
        ordering = ["slug"]
        verbose_name = _("checklist template")

    def __str__(self) -> str:
        return self.title


class TemplateVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        # A newer version of the same template was published: readable, not offered for new assessments.
        SUPERSEDED = "superseded", _("Superseded")
        RETIRED = "retired", _("Retired")

    template = models.ForeignKey(ChecklistTemplate, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    source_document = models.CharField(_("source document"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    findings = models.JSONField(_("derived findings"), default=list, blank=True)
    # The wording in other languages ({"es": {...}}, see engine.translations); codes never change.
    translations = models.JSONField(_("translations"), default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    cloned_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, editable=False)

    class Meta:
        ordering = ["template__slug", "-number"]
        constraints = [models.UniqueConstraint(fields=["template", "number"], name="unique_version_number")]
        verbose_name = _("template version")

    def __str__(self) -> str:
        return f"{self.template.slug}@{self.number} ({self.get_status_display()})"

    @property
    def label(self) -> str:
        return f"{self.template.slug}@{self.number}"

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    def get_absolute_url(self) -> str:
        return reverse("admin:evaluation_templateversion_change", args=[self.pk])

    # A published version may move on to one of these; nothing else about it may change.
    LATER_STATUSES = (Status.SUPERSEDED, Status.RETIRED)
    # Everything a published version is made of; only its status may move on.
    FROZEN_FIELDS = ("template_id", "number", "title", "source_document", "findings", "translations", "created_by_id",
                     "published_at", "published_by_id", "cloned_from_id")

    def save(self, *args: Any, **kwargs: Any) -> None:
        stored = TemplateVersion.objects.filter(pk=self.pk).values("status", *self.FROZEN_FIELDS).first()
        if stored and stored["status"] != self.Status.DRAFT:
            retiring = stored["status"] == self.Status.PUBLISHED and self.status in self.LATER_STATUSES
            unchanged = all(stored[name] == getattr(self, name) for name in self.FROZEN_FIELDS)
            if not (unchanged and (retiring or self.status == stored["status"])):
                raise ImmutableRecordError(
                    f"{self.label} is {stored['status']} and cannot be changed; create a new draft from it.",
                    code="immutable",
                )
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        if self.status != self.Status.DRAFT:
            raise ImmutableRecordError(f"{self.label} is {self.status} and cannot be deleted.", code="immutable")
        return super().delete(*args, **kwargs)

    def to_document(self) -> dict[str, Any]:
        """The version as the JSON document the engine reads, export writes and import takes."""
        items_by_section: dict[int, list[dict[str, Any]]] = {}
        for item in self.items.order_by("section__order", "order", "id"):
            items_by_section.setdefault(item.section_id, []).append(item.to_document())
        return {
            "format": DOCUMENT_FORMAT,
            "template": {"slug": self.template.slug, "title": self.template.title},
            "version": self._version_document(),
            "sections": [s.to_document(items_by_section.get(s.pk, [])) for s in self.sections.order_by("order", "id")],
            "findings": self.findings,
            "rules": [rule.to_document() for rule in self.rules.order_by("order", "id")],
            "cases": [case.to_document() for case in self.cases.order_by("order", "id")],
            **({"translations": self.translations} if self.translations else {}),
        }

    def _version_document(self) -> dict[str, Any]:
        data: dict[str, Any] = {"number": self.number, "title": self.title, "source_document": self.source_document}
        if self.cloned_from_id:
            # Provenance travels with an export, so an import elsewhere can keep the link.
            data["cloned_from"] = self.cloned_from.label
        return data

    def compiled(self, language: str | None = None) -> CompiledTemplate:
        """The engine's compiled form, worded in ``language`` where translated (codes are the same in all).

        Cached for published and retired versions, which never change.
        """
        if self.status == self.Status.DRAFT:
            return compile_template(localized(self.to_document(), language))
        if not language or language not in LANGUAGES:
            return compile_cached(("version", self.pk), self.to_document)
        return compile_cached(("version", self.pk, language), lambda: localized(self.to_document(), language))


class DraftOnlyQuerySet(models.QuerySet):
    """Bulk writes go around save(); refuse them on anything that is not a draft."""

    def _refuse_unless_draft(self) -> None:
        if self.exclude(version__status=TemplateVersion.Status.DRAFT).exists():
            raise ImmutableRecordError("Published and retired versions cannot be changed.", code="immutable")

    def update(self, **kwargs: Any) -> int:
        self._refuse_unless_draft()
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        self._refuse_unless_draft()
        return super().delete()


class VersionPart(models.Model):
    """A piece of a template version: editable only while the version is a draft."""

    objects = DraftOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def _check_draft(self) -> None:
        version = TemplateVersion.objects.filter(pk=self.version_id).only("status").first()
        if version and version.status != TemplateVersion.Status.DRAFT:
            raise ImmutableRecordError(
                f"{version} is {version.status} and cannot be changed; create a new draft from it.",
                code="immutable",
            )
        if self.pk:
            stored_version = type(self).objects.filter(pk=self.pk).values_list("version__status", flat=True).first()
            if stored_version not in (None, TemplateVersion.Status.DRAFT):
                raise ImmutableRecordError("This part belongs to a published version.", code="immutable")

    def save(self, *args: Any, **kwargs: Any) -> None:
        self._check_draft()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        self._check_draft()
        return super().delete(*args, **kwargs)


class Section(VersionPart):
    version = models.ForeignKey(TemplateVersion, on_delete=models.CASCADE, related_name="sections")
    code = models.SlugField(_("code"), max_length=64)
    title = models.CharField(_("title"), max_length=200)
    order = models.PositiveIntegerField(_("order"), default=0)
    reassess_each_visit = models.BooleanField(
        _("asked again at each visit"), default=False,
        help_text=_("At a follow-up these answers start empty instead of being carried over from the last visit."),
    )
    compare_on_follow_up = models.BooleanField(
        _("compared at follow-up"), default=False,
        help_text=_("Changes in these answers since the last visit are listed in the comparison."),
    )

    class Meta:
        ordering = ["version", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="unique_section_code")]

    def __str__(self) -> str:
        return f"{self.title} ({self.code})"

    def to_document(self, items: list[dict[str, Any]]) -> dict[str, Any]:
        return {"code": self.code, "title": self.title, "reassess_each_visit": self.reassess_each_visit,
                "compare_on_follow_up": self.compare_on_follow_up, "items": items}


class Item(VersionPart):
    class Type(models.TextChoices):
        BOOL = "bool", _("Yes / no")
        CHOICE = "choice", _("One choice")
        MULTI = "multi", _("Several choices")
        INT = "int", _("Whole number")
        MRC = "mrc", _("MRC grade 0–5")
        TEXT = "text", _("Text")

    version = models.ForeignKey(TemplateVersion, on_delete=models.CASCADE, related_name="items")
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="items")
    code = models.SlugField(_("code"), max_length=64)
    type = models.CharField(_("type"), max_length=10, choices=Type.choices)
    label = models.CharField(_("label"), max_length=300)
    help_text = models.CharField(_("help text"), max_length=500, blank=True)
    required = models.BooleanField(_("required"), default=False)
    order = models.PositiveIntegerField(_("order"), default=0)
    choices = models.JSONField(_("choices"), default=list, blank=True, help_text=_("[[code, label], ...]"))
    min_value = models.IntegerField(_("minimum"), null=True, blank=True)
    max_value = models.IntegerField(_("maximum"), null=True, blank=True)
    shown_when = models.JSONField(_("shown when"), null=True, blank=True)
    # Where an MRC item sits in the strength grid: a movement row and a side column.
    grid_row = models.CharField(_("grid row"), max_length=100, blank=True,
                                help_text=_("The movement, e.g. Shoulder abduction"))
    grid_column = models.CharField(_("grid column"), max_length=40, blank=True,
                                   help_text=_("The side, e.g. Left"))
    in_mrc_sum = models.BooleanField(_("counts in the MRC sum score"), default=True)

    class Meta:
        ordering = ["version", "section__order", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="unique_item_code")]

    def __str__(self) -> str:
        return f"{self.code}: {self.label}"

    def to_document(self) -> dict[str, Any]:
        data: dict[str, Any] = {"code": self.code, "type": self.type, "label": self.label, "required": self.required}
        optional = {"help_text": self.help_text or None, "choices": self.choices or None, "min": self.min_value,
                    "max": self.max_value, "shown_when": self.shown_when}
        data.update({key: value for key, value in optional.items() if value is not None})
        if self.grid_row:
            data["grid"] = {"row": self.grid_row, "column": self.grid_column, "in_sum": self.in_mrc_sum}
        return data


class Rule(VersionPart):
    class Kind(models.TextChoices):
        RED_FLAG = "red_flag", _("Red flag")
        TEST = "test", _("Test")
        REFERRAL = "referral", _("Referral")
        PATTERN = "pattern", _("Pattern")
        ADVICE = "advice", _("Advice")

    class Priority(models.TextChoices):
        ROUTINE = "routine", _("Routine")
        URGENT = "urgent", _("Urgent")

    class Role(models.TextChoices):
        """What the patient handout does with the rule, beyond listing its patient text."""

        SAFETY_NET = "safety_net", _("Safety net (lists the red flags not present)")
        REFERRAL = "referral", _("Referral (named first, with its urgency)")
        BLOOD_TEST = "blood_test", _("Blood test (grouped on one line)")

    version = models.ForeignKey(TemplateVersion, on_delete=models.CASCADE, related_name="rules")
    code = models.SlugField(_("code"), max_length=64)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=300)
    detail = models.TextField(_("detail"), blank=True)
    condition = models.JSONField(_("fires when"))
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices, blank=True)
    urgent_when = models.JSONField(_("urgent when"), null=True, blank=True)
    source = models.JSONField(_("source passage"), help_text=_('{"section": ..., "quote": ...}'))
    patient_text = models.TextField(_("patient text"), blank=True,
                                    help_text=_("Plain words for the patient handout"))
    role = models.CharField(_("handout role"), max_length=20, choices=Role.choices, blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["version", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["version", "kind", "code"], name="unique_rule_code")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.code}"

    def to_document(self) -> dict[str, Any]:
        data: dict[str, Any] = {"code": self.code, "kind": self.kind, "title": self.title}
        if self.priority:
            data["priority"] = self.priority
        if self.urgent_when is not None:
            data["urgent_when"] = self.urgent_when
        data["condition"] = self.condition
        data["source"] = self.source
        if self.detail:
            data["detail"] = self.detail
        if self.patient_text:
            data["patient_text"] = self.patient_text
        if self.role:
            data["role"] = self.role
        return data


class TemplateCase(VersionPart):
    """An example case with expected output; publishing runs every one."""

    version = models.ForeignKey(TemplateVersion, on_delete=models.CASCADE, related_name="cases")
    name = models.CharField(_("name"), max_length=200)
    answers = models.JSONField(_("answers"), default=dict)
    # The patient context the case is evaluated with (sex, age_years); empty: unknown.
    context = models.JSONField(_("patient context"), default=dict, blank=True)
    expect = models.JSONField(_("expected"), default=dict)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["version", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["version", "name"], name="unique_case_name")]
        verbose_name = _("template test case")

    def __str__(self) -> str:
        return self.name

    def to_document(self) -> dict[str, Any]:
        data: dict[str, Any] = {"name": self.name}
        if self.context:
            data["context"] = self.context
        return {**data, "answers": self.answers, "expect": self.expect}
