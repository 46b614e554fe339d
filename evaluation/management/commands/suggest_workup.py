"""python manage.py suggest_workup CASE.json [--template SLUG[@VERSION]]

Prints the engine's output as one JSON object. Bad input: exit 2, one line on
stderr naming every bad item code or value, nothing on stdout.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand

from evaluation import rules, services


class Command(BaseCommand):
    help = "Suggest red flags, workup, referral, patterns and advice for a case file."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("case", help='JSON file with {"answers": {item_code: value}}; "-" reads stdin')
        parser.add_argument("--template", default=None, help="SLUG or SLUG@VERSION (default: newest published)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            output = self._run(options["case"], options["template"])
        except _BadInput as exc:
            sys.stderr.write(f"suggest_workup: {exc}\n")
            sys.exit(2)
        self.stdout.write(json.dumps(output, indent=2, ensure_ascii=False))

    def _run(self, case_path: str, template: str | None) -> dict[str, Any]:
        case = self._read_case(case_path)
        try:
            version = services.resolve_version(template)
        except ValueError as exc:
            raise _BadInput(str(exc)) from None
        try:
            compiled = version.compiled()
        except rules.TemplateError as exc:
            raise _BadInput(f"{version.label} is not a valid template: {exc}") from None
        answers = case.get("answers") if isinstance(case, dict) else None
        if not isinstance(answers, dict):
            raise _BadInput('the case file must be a JSON object with an "answers" object')
        errors = rules.validate_answers(compiled, answers)
        if errors:
            raise _BadInput("; ".join(errors))
        return compiled.evaluate(answers).as_dict()

    def _read_case(self, path: str) -> Any:
        try:
            text = sys.stdin.read() if path == "-" else open(path, encoding="utf-8").read()
        except (OSError, UnicodeDecodeError) as exc:
            raise _BadInput(f"cannot read {path}: {exc}") from None
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise _BadInput(f"{path} is not valid JSON: {exc}") from None


class _BadInput(Exception):
    pass
