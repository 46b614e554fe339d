"""Patients, and the folded search text that finds them on any database."""

from __future__ import annotations

import datetime
import unicodedata
import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def fold_for_search(text: str) -> str:
    """Lower case without accents, so "Muñoz" is found by "munoz" on any database."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def display_name(family_name: str, given_name: str) -> str:
    """How pages name a patient: "KOWALCZYK, Agnieszka"."""
    return f"{family_name.upper()}, {given_name}"


def age_on(born: datetime.date, day: datetime.date) -> int:
    """Whole years from ``born`` to ``day``."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


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
    date_of_birth = models.DateField(_("date of birth"), db_index=True)
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices)
    # The patient handout prints in this language, whatever the clinician's.
    preferred_language = models.CharField(
        _("preferred language"), max_length=8, choices=settings.LANGUAGES, default="en",
        help_text=_("The patient handout is printed in this language."),
    )
    search_text = models.CharField(max_length=300, editable=False, db_index=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    class Meta:
        # Case-insensitive, served by the index below (a page of the list reads 25 index entries, not the table).
        # Names are also found by a trigram index on search_text, created on PostgreSQL by a migration.
        ordering = [Lower("family_name"), Lower("given_name"), "mrn"]
        indexes = [models.Index(Lower("family_name"), Lower("given_name"), "mrn", name="patient_name_order")]

    def __str__(self) -> str:
        return f"{self.family_name.upper()}, {self.given_name} ({self.mrn})"

    @property
    def display_name(self) -> str:
        return display_name(self.family_name, self.given_name)

    def get_absolute_url(self) -> str:
        return reverse("evaluation:patient_detail", args=[self.pk])

    def age_on(self, day: datetime.date) -> int:
        """Whole years on ``day``."""
        return age_on(self.date_of_birth, day)

    @property
    def age(self) -> int:
        return self.age_on(timezone.localdate())

    def context_on(self, day: datetime.date) -> dict[str, Any]:
        """What template conditions may know of the patient on ``day`` (unknown sex is left out)."""
        context: dict[str, Any] = {"age_years": self.age_on(day)}
        if self.sex != self.Sex.UNKNOWN:
            context["sex"] = self.sex
        return context

    def fill_derived(self) -> None:
        """Columns computed from the others; bulk inserts call this too, since they skip ``save``."""
        self.search_text = fold_for_search(f"{self.mrn} {self.family_name} {self.given_name}")

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.fill_derived()
        super().save(*args, **kwargs)
