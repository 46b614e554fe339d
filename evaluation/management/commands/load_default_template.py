"""Load the default template shipped in evaluation/data/, publish it; running it again changes nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from evaluation import rules, services
from evaluation.models import TemplateVersion

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
DEFAULT_FILE = DATA_DIR / "fasciculation-cramp-v1.json"


def load_document(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise CommandError(f"cannot read {path.name}: {exc}") from exc


@transaction.atomic
def load_default_template(path: Path = DEFAULT_FILE) -> tuple[TemplateVersion, bool]:
    """Returns the version and whether anything was created."""
    document = load_document(path)
    slug, number = document["template"]["slug"], document["version"]["number"]
    existing = TemplateVersion.objects.filter(template__slug=slug, number=number).select_related("template").first()
    if existing is not None:
        if services.comparable_document(services.template_document(version=existing)) != services.comparable_document(
            document
        ):
            raise CommandError(
                f"{existing.label} in the database differs from {path.name}. Published versions never change: "
                "give the file a new version number to ship a change."
            )
        return existing, False
    try:
        version = services.template_import(document=document, number=number)
    except rules.TemplateError as exc:
        raise CommandError(f"{path.name} is not a valid template: {exc}") from exc
    return services.template_publish(version=version, user=None), True


class Command(BaseCommand):
    help = "Load and publish the default fasciculation and cramp template (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        version, created = load_default_template()
        verb = "Loaded and published" if created else "Already present, unchanged:"
        self.stdout.write(f"{verb} {version.label}")
