"""Checklist templates (versioned), patients, assessments and the audit trail."""

from __future__ import annotations

import unicodedata
import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from . import rules


class ImmutableRecordError(ValidationError):
    """Raised when code tries to change something that must never change."""


# ---------------------------------------------------------------- templates


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
        RETIRED = "retired", _("Retired")

    template = models.ForeignKey(ChecklistTemplate, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    source_document = models.CharField(_("source document"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    findings = models.JSONField(_("derived findings"), default=list, blank=True)
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

    # Everything a published version is made of; only its status may move on, to retired.
    FROZEN_FIELDS = ("template_id", "number", "title", "source_document", "findings", "created_by_id",
                     "published_at", "published_by_id", "cloned_from_id")

    def save(self, *args: Any, **kwargs: Any) -> None:
        stored = TemplateVersion.objects.filter(pk=self.pk).values("status", *self.FROZEN_FIELDS).first()
        if stored and stored["status"] != self.Status.DRAFT:
            retiring = stored["status"] == self.Status.PUBLISHED and self.status == self.Status.RETIRED
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

    def document(self) -> dict[str, Any]:
        """The version as a plain JSON document: what the engine reads, export writes and import takes."""
        from .services import template_document

        return template_document(version=self)

    def compiled(self) -> rules.CompiledTemplate:
        """The engine's compiled form; cached for published and retired versions, which never change."""
        if self.status == self.Status.DRAFT:
            return rules.compile_template(self.document())
        return rules.compile_cached(("version", self.pk), self.document)


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

    class Meta:
        ordering = ["version", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="unique_section_code")]

    def __str__(self) -> str:
        return f"{self.title} ({self.code})"


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

    class Meta:
        ordering = ["version", "section__order", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="unique_item_code")]

    def __str__(self) -> str:
        return f"{self.code}: {self.label}"


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

    version = models.ForeignKey(TemplateVersion, on_delete=models.CASCADE, related_name="rules")
    code = models.SlugField(_("code"), max_length=64)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=300)
    detail = models.TextField(_("detail"), blank=True)
    condition = models.JSONField(_("fires when"))
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices, blank=True)
    urgent_when = models.JSONField(_("urgent when"), null=True, blank=True)
    source = models.JSONField(_("source passage"), help_text=_('{"section": ..., "quote": ...}'))
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["version", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["version", "kind", "code"], name="unique_rule_code")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.code}"


class TemplateCase(VersionPart):
    """An example case with expected output; publishing runs every one."""

    version = models.ForeignKey(TemplateVersion, on_delete=models.CASCADE, related_name="cases")
    name = models.CharField(_("name"), max_length=200)
    answers = models.JSONField(_("answers"), default=dict)
    expect = models.JSONField(_("expected"), default=dict)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["version", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["version", "name"], name="unique_case_name")]
        verbose_name = _("template test case")

    def __str__(self) -> str:
        return self.name


# ---------------------------------------------------------------- patients


def fold_for_search(text: str) -> str:
    """Lower case without accents, so "Muñoz" is found by "munoz" on any database."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


class Patient(models.Model):
    class Sex(models.TextChoices):
        FEMALE = "female", _("Female")
        MALE = "male", _("Male")
        OTHER = "other", _("Other")
        UNKNOWN = "unknown", _("Unknown")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    mrn = models.CharField(_("MRN"), max_length=32, unique=True, help_text=_("Medical record number"))
    family_name = models.CharField(_("family name"), max_length=100)
    given_name = models.CharField(_("given name"), max_length=100)
    date_of_birth = models.DateField(_("date of birth"))
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices)
    search_text = models.CharField(max_length=300, editable=False, db_index=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    class Meta:
        ordering = ["family_name", "given_name", "mrn"]

    def __str__(self) -> str:
        return f"{self.family_name.upper()}, {self.given_name} ({self.mrn})"

    @property
    def display_name(self) -> str:
        return f"{self.family_name.upper()}, {self.given_name}"

    def get_absolute_url(self) -> str:
        return reverse("evaluation:patient_detail", args=[self.pk])

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.search_text = fold_for_search(f"{self.mrn} {self.family_name} {self.given_name}")
        super().save(*args, **kwargs)


# ---------------------------------------------------------------- assessments


class Assessment(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        FINAL = "final", _("Final")
        AMENDED = "amended", _("Amended")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="assessments")
    version = models.ForeignKey(TemplateVersion, on_delete=models.PROTECT, related_name="assessments")
    clinician = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assessments")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    decisions = models.JSONField(_("decisions"), default=dict, blank=True)
    revision = models.PositiveIntegerField(_("revision"), default=1, help_text=_("Optimistic-locking counter"))
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="follow_ups",
        help_text=_("The earlier visit this one is compared with"),
    )
    amendment_reason = models.TextField(_("reason for amendment"), blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    class Meta:
        ordering = ["-created_at"]
        permissions = [("sign_assessment", "Can sign and amend assessments")]

    def __str__(self) -> str:
        return f"Assessment of {self.created_at:%Y-%m-%d} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("evaluation:assessment_detail", args=[self.pk])

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def is_amending(self) -> bool:
        return self.status == self.Status.DRAFT and bool(self.amendment_reason)

    @cached_property
    def latest_signature(self) -> Signature | None:
        return self.signatures.order_by("-number").first()

    def evaluate(self) -> rules.Evaluation:
        return self.version.compiled().evaluate(self.answers)


class SignatureQuerySet(models.QuerySet):
    """A signed revision is written once. The only later write allowed is storing its
    report, once: the PDF is rendered after the row exists, inside the same transaction."""

    REPORT_FIELDS = frozenset({"pdf", "pdf_hash"})

    def update(self, **kwargs: Any) -> int:
        if not set(kwargs) <= self.REPORT_FIELDS or self.filter(pdf__isnull=False).exists():
            raise ImmutableRecordError("A signed revision cannot be changed.", code="immutable")
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        raise ImmutableRecordError("A signed revision cannot be deleted.", code="immutable")


class Signature(models.Model):
    """One signed revision of an assessment: what was signed, by whom, when, and the stored report.

    Rows are written once, at signing, and never changed, so an amendment
    leaves every earlier revision readable exactly as it was signed.
    """

    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="signatures")
    number = models.PositiveIntegerField(_("revision"))
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signer_name = models.CharField(max_length=200)
    signed_at = models.DateTimeField(default=timezone.now)
    meaning = models.CharField(max_length=100, default="Signed as author")
    amendment_reason = models.TextField(blank=True)
    content = models.JSONField(help_text=_("Answers, engine output and decisions as signed"))
    content_hash = models.CharField(max_length=64)
    pdf = models.BinaryField(null=True, blank=True, editable=False)
    pdf_hash = models.CharField(max_length=64, blank=True)

    objects = SignatureQuerySet.as_manager()

    class Meta:
        ordering = ["assessment", "number"]
        constraints = [models.UniqueConstraint(fields=["assessment", "number"], name="unique_signature_number")]

    def __str__(self) -> str:
        return f"Revision {self.number} signed by {self.signer_name}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and Signature.objects.filter(pk=self.pk).exists():
            raise ImmutableRecordError("A signed revision cannot be changed.", code="immutable")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ImmutableRecordError("A signed revision cannot be deleted.", code="immutable")


# ---------------------------------------------------------------- audit


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise ImmutableRecordError("Audit events are append-only.", code="append_only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise ImmutableRecordError("Audit events are append-only.", code="append_only")


class AuditEvent(models.Model):
    class Action(models.TextChoices):
        LOGIN = "login", _("Signed in")
        LOGOUT = "logout", _("Signed out")
        LOGIN_FAILED = "login_failed", _("Failed sign-in")
        PATIENT_CREATE = "patient_create", _("Patient registered")
        PATIENT_VIEW = "patient_view", _("Patient viewed")
        PATIENT_CHANGE = "patient_change", _("Patient changed")
        ASSESSMENT_CREATE = "assessment_create", _("Assessment started")
        ASSESSMENT_VIEW = "assessment_view", _("Assessment viewed")
        ASSESSMENT_SAVE = "assessment_save", _("Assessment saved")
        ASSESSMENT_DECISIONS = "assessment_decisions", _("Decisions saved")
        ASSESSMENT_FINALIZE = "assessment_finalize", _("Assessment signed")
        ASSESSMENT_AMEND = "assessment_amend", _("Amendment started")
        ASSESSMENT_PRINT = "assessment_print", _("Summary printed")
        HANDOUT_PRINT = "handout_print", _("Handout printed")
        TEMPLATE_PUBLISH = "template_publish", _("Template published")
        TEMPLATE_RETIRE = "template_retire", _("Template retired")
        TEMPLATE_CLONE = "template_clone", _("Template draft created")
        TEMPLATE_IMPORT = "template_import", _("Template imported")
        TEMPLATE_EXPORT = "template_export", _("Template exported")
        AUDIT_EXPORT = "audit_export", _("Audit exported")

    at = models.DateTimeField(default=timezone.now, db_index=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    username = models.CharField(max_length=150, blank=True, editable=False)
    action = models.CharField(max_length=32, choices=Action.choices, db_index=True, editable=False)
    object_type = models.CharField(max_length=50, blank=True, editable=False)
    object_id = models.CharField(max_length=64, blank=True, editable=False)
    patient = models.ForeignKey(
        Patient, null=True, blank=True, on_delete=models.PROTECT, related_name="audit_events", editable=False
    )
    detail = models.JSONField(default=dict, blank=True, editable=False)
    ip_address = models.GenericIPAddressField(null=True, blank=True, editable=False)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit event")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.username or 'anonymous'} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ImmutableRecordError("Audit events are append-only.", code="append_only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ImmutableRecordError("Audit events are append-only.", code="append_only")
