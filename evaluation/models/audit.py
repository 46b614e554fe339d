"""The append-only audit trail."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .immutable import ImmutableRecordError
from .patients import Patient


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
