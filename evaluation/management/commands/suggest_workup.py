"""python manage.py suggest_workup CASE.json [--template SLUG[@VERSION]]

Prints the engine's output as one JSON object. Bad input: exit 2, one line on
stderr naming every bad item code or value, nothing on stdout.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand

from evaluation.selectors import suggestions_for_case


class Command(BaseCommand):
    help = "Suggest red flags, workup, referral, patterns and advice for a case file."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("case", help='JSON file with {"answers": {item_code: value}}; "-" reads stdin')
        parser.add_argument("--template", default=None, help="SLUG or SLUG@VERSION (default: newest published)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            output = suggestions_for_case(_read_case(options["case"]), options["template"])
        except ValueError as exc:
            sys.stderr.write(f"suggest_workup: {exc}\n")
            sys.exit(2)
        self.stdout.write(json.dumps(output, indent=2, ensure_ascii=False))


def _read_case(path: str) -> Any:
    try:
        text = sys.stdin.read() if path == "-" else open(path, encoding="utf-8").read()
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read {path}: {exc}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path} is not valid JSON: {exc}") from None
