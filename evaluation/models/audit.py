"""The append-only audit trail."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .chained import ChainedRecord, connection_shard
from .immutable import ImmutableRecordError
from .patients import Patient


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise ImmutableRecordError("Audit events are append-only.", code="append_only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise ImmutableRecordError("Audit events are append-only.", code="append_only")


class AuditEvent(ChainedRecord):
    """One event; chained (``ChainedRecord``) per UTC day of ``at``."""

    CHAIN_FIELDS = ("at", "user_id", "username", "action", "object_type", "object_id", "patient_id", "detail",
                    "ip_address")

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
        TEMPLATE_SUPERSEDE = "template_supersede", _("Template superseded")
        TEMPLATE_CLONE = "template_clone", _("Template draft created")
        TEMPLATE_IMPORT = "template_import", _("Template imported")
        TEMPLATE_EXPORT = "template_export", _("Template exported")
        TEMPLATE_EDIT = "template_edit", _("Template draft edited")
        AUDIT_EXPORT = "audit_export", _("Audit exported")
        PATIENT_LIST = "patient_list", _("Patient list viewed")
        ASSESSMENT_LIST = "assessment_list", _("Assessment list viewed")
        AUDIT_VIEW = "audit_view", _("Audit trail viewed")
        PASSWORD_CHANGE = "password_change", _("Password changed")
        PASSWORD_SET = "password_set", _("Temporary password set")
        API_TOKEN_CREATE = "api_token_create", _("API token created")
        API_TOKEN_REVOKE = "api_token_revoke", _("API token revoked")
        CDS_FEEDBACK = "cds_feedback", _("CDS feedback received")
        DATA_EXPORT = "data_export", _("Data exported")
        TWO_FACTOR_ENROL = "two_factor_enrol", _("Second factor enrolled")
        TWO_FACTOR_REMOVE = "two_factor_remove", _("Second factor removed")

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
        indexes = [models.Index(fields=["chain", "id"], name="evaluation_audit_chain_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.username or 'anonymous'} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ImmutableRecordError("Audit events are append-only.", code="append_only")
        # Hashed as the database will give it back (IPv6 in Django's normal form).
        self.ip_address = self._meta.get_field("ip_address").get_prep_value(self.ip_address)
        super().save(*args, **kwargs)

    def chain_moment(self) -> Any:
        return self.at

    def chain_shard(self) -> int | None:
        # Several chains a day: an insert holds its chain's lock until its transaction
        # commits, so one chain a day would make every concurrent writer queue on one lock.
        return connection_shard(getattr(settings, "AUDIT_CHAIN_SHARDS", 64))

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ImmutableRecordError("Audit events are append-only.", code="append_only")
