"""Assessments and their signed revisions."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from ..engine import Evaluation
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

    def evaluate(self) -> Evaluation:
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
