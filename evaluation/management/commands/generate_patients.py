"""Synthetic patients (and assessments) in bulk for load tests and benchmarks; development only."""

from __future__ import annotations

import os
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from evaluation import selectors
from evaluation.synthetic import generate


class Command(BaseCommand):
    help = ("Insert N synthetic patients, each with K assessments (signed, the newest now and then a draft). "
            "Development only: refuses unless DJANGO_DEBUG=True.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("count", type=int, help="how many patients to add")
        parser.add_argument("--assessments-per-patient", type=int, default=0, metavar="K")
        parser.add_argument("--clinicians", type=int, default=20, help="synthetic clinician accounts to spread visits over")
        parser.add_argument("--seed", type=int, default=1, help="for a repeatable data set")

    def handle(self, *args: Any, **options: Any) -> None:
        # Explicitly set, not merely defaulted: synthetic patients must never reach a real register.
        if not settings.DEBUG or os.environ.get("DJANGO_DEBUG", "").strip().lower() not in {"1", "true", "yes", "on"}:
            raise CommandError("generate_patients is for development only: run it with DJANGO_DEBUG=True.")
        count, per_patient = options["count"], options["assessments_per_patient"]
        if count < 1 or not 0 <= per_patient <= 50:
            raise CommandError("N must be at least 1 and --assessments-per-patient between 0 and 50.")
        version = selectors.newest_published_version()
        if per_patient and version is None:
            raise CommandError("No published template: run load_default_template first.")
        started = time.perf_counter()
        result = generate(count, version=version, per_patient=per_patient, clinicians=options["clinicians"],
                          seed=options["seed"])
        self.stdout.write(f"Added {result.patients} patients, {result.assessments} assessments "
                          f"({result.signatures} signed) in {time.perf_counter() - started:.1f} s.")
