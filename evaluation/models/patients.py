"""Patients, and the folded search text that finds them on any database."""

from __future__ import annotations

import unicodedata
import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


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
