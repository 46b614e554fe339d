"""Load the default template's versions shipped in evaluation/data/ and publish them in order; running it again changes nothing."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from evaluation.services.templates import DefaultTemplateError, template_load_defaults


class Command(BaseCommand):
    help = "Load and publish the default fasciculation and cramp template (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            loaded = template_load_defaults()
        except DefaultTemplateError as exc:
            raise CommandError(str(exc)) from exc
        for version, created in loaded:
            version.refresh_from_db()  # a later version may have superseded it
            verb = "Loaded and published" if created else "Already present, unchanged:"
            self.stdout.write(f"{verb} {version.label} ({version.get_status_display().lower()})")
