"""Per-user API tokens, and the model that carries the "Data export" permission."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    """A bearer token for the API, FHIR and CDS Hooks, acting as its user with that user's permissions.

    Only the SHA-256 of the token is stored: the token is shown once, when it is
    created. Tokens are long random strings, so a fast hash is enough (no
    dictionary to guess from), and a look-up by hash leaks nothing by timing.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100, help_text=_("What the token is for, e.g. the EHR link"))
    prefix = models.CharField(_("starts with"), max_length=16, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API token")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def state(self, now: datetime.datetime | None = None) -> str:
        """"active", "expired" or "revoked", as the token page and the authentication say it."""
        now = now or timezone.now()
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= now:
            return "expired"
        return "active"


class DataExport(models.Model):
    """No table and no rows: Django attaches permissions to models, and this one carries
    the "Data export" permission (research and audit CSV of signed assessments)."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [("export_data", "Data export: CSV of signed assessments for research and audit")]
        verbose_name = _("data export")

    def __str__(self) -> str:
        return "Data export"
