"""Load the default template shipped in evaluation/data/ and publish it; running it again changes nothing."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from evaluation.services.templates import DefaultTemplateError, template_load_default


class Command(BaseCommand):
    help = "Load and publish the default fasciculation and cramp template (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            version, created = template_load_default()
        except DefaultTemplateError as exc:
            raise CommandError(str(exc)) from exc
        verb = "Loaded and published" if created else "Already present, unchanged:"
        self.stdout.write(f"{verb} {version.label}")
