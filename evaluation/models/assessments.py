"""Assessments and their signed revisions."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import get_language, gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from ..engine import Evaluation
from ..engine.translations import LANGUAGES as TRANSLATED_LANGUAGES
from .chained import ChainedRecord
from .immutable import ImmutableRecordError
from .patients import Patient
from .templates import TemplateVersion


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
    # The day the patient was seen: a record may be written up later than the visit.
    visit_date = models.DateField(_("visit date"), default=timezone.localdate)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    class Meta:
        ordering = ["-created_at"]
        permissions = [("sign_assessment", "Can sign and amend assessments")]
        indexes = [
            # A patient's visits newest first, and the last visit of a page of patients.
            models.Index(fields=["patient", "-created_at"], name="assessment_patient_recent"),
            # The start page: my open drafts, and whom I saw today.
            models.Index(fields=["clinician", "status", "-updated_at"], name="assessment_clinician_status"),
            models.Index(fields=["clinician", "-created_at"], name="assessment_clinician_recent"),
        ]

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
        """The newest signed revision, without its stored PDFs (``services.reports`` reads those)."""
        return self.signatures.order_by("-number").defer("pdf", "handout_pdf").first()

    @property
    def is_follow_up(self) -> bool:
        return self.previous_id is not None

    @property
    def heading(self) -> str:
        """What the record is, for page and report titles: "Fasciculations and cramps: follow-up assessment"."""
        language = get_language()
        title = self.version.template.title
        if language in TRANSLATED_LANGUAGES:
            title = self.version.compiled(language).document.get("template", {}).get("title") or title
        if self.is_follow_up:
            return gettext("%(template)s: follow-up assessment") % {"template": title}
        return gettext("%(template)s: initial assessment") % {"template": title}

    @property
    def context(self) -> dict[str, Any]:
        """The patient context rules may read: sex, and age in whole years on the visit date."""
        return self.patient.context_on(self.visit_date)

    def evaluate(self, language: str | None = None) -> Evaluation:
        """The draft's answers evaluated; titles and reasons worded in ``language`` where translated."""
        return self.version.compiled(language).evaluate(self.answers, self.context)


class SignatureQuerySet(models.QuerySet):
    """A signed revision is written once. The only later writes allowed are storing its
    reports, each once: the summary and the handout are rendered from the signed
    content after the signing transaction commits (or on first print), so their
    bytes never depend on when they were rendered."""

    # Each stored report: its bytes column, and the columns written with it.
    REPORT_FIELDS = {"pdf": frozenset({"pdf", "pdf_hash"}), "handout_pdf": frozenset({"handout_pdf", "handout_hash"})}

    def update(self, **kwargs: Any) -> int:
        reports = [name for name, fields in self.REPORT_FIELDS.items() if set(kwargs) & fields]
        # Whole reports only (bytes with their hash), and only reports not stored yet.
        whole = set(kwargs) == frozenset().union(*(self.REPORT_FIELDS[name] for name in reports))
        stored = any(self.filter(**{f"{name}__isnull": False}).exists() for name in reports)
        if not reports or not whole or stored:
            raise ImmutableRecordError("A signed revision cannot be changed.", code="immutable")
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        raise ImmutableRecordError("A signed revision cannot be deleted.", code="immutable")


class Signature(ChainedRecord):
    """One signed revision of an assessment: what was signed, by whom, when, and the stored report.

    Rows are written once, at signing, and never changed, so an amendment
    leaves every earlier revision readable exactly as it was signed. Chained
    (``ChainedRecord``) per UTC day of ``signed_at``; the stored reports, written
    after signing, are not in the row hash (each carries its own hash).
    """

    CHAIN_FIELDS = ("assessment_id", "number", "signed_by_id", "signer_name", "signed_at", "meaning",
                    "amendment_reason", "content", "content_hash")

    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="signatures")
    number = models.PositiveIntegerField(_("revision"))
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signer_name = models.CharField(max_length=200)
    signed_at = models.DateTimeField(default=timezone.now)
    # Stored in English; pages show it in their language ({% translate signature.meaning %}).
    meaning = models.CharField(max_length=100, default=gettext_noop("Signed as author"))
    amendment_reason = models.TextField(blank=True)
    content = models.JSONField(help_text=_("Answers, engine output and decisions as signed"))
    content_hash = models.CharField(max_length=64)
    pdf = models.BinaryField(null=True, blank=True, editable=False)
    pdf_hash = models.CharField(max_length=64, blank=True)
    handout_pdf = models.BinaryField(null=True, blank=True, editable=False)
    handout_hash = models.CharField(max_length=64, blank=True)

    objects = SignatureQuerySet.as_manager()

    class Meta:
        ordering = ["assessment", "number"]
        constraints = [models.UniqueConstraint(fields=["assessment", "number"], name="unique_signature_number")]
        indexes = [models.Index(fields=["chain", "id"], name="evaluation_signature_chain_idx")]

    def __str__(self) -> str:
        return f"Revision {self.number} signed by {self.signer_name}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and Signature.objects.filter(pk=self.pk).exists():
            raise ImmutableRecordError("A signed revision cannot be changed.", code="immutable")
        super().save(*args, **kwargs)

    def chain_moment(self) -> Any:
        return self.signed_at

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ImmutableRecordError("A signed revision cannot be deleted.", code="immutable")
