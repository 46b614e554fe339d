"""A small demo clinic: patients with draft, signed and amended assessments (development only; idempotent)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from evaluation.demo import DemoError, create_demo_clinic


class Command(BaseCommand):
    help = "Create demo patients and assessments (development only; idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("Demo data is for development only (DJANGO_DEBUG=True).")
        try:
            created = create_demo_clinic()
        except DemoError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Demo clinic ready ({created} patient{'s' if created != 1 else ''} added).")
