"""python manage.py verify_records [--pdf FILE]

Walks the hash chains of the audit trail and the signed revisions (every
partition, in id order). Exit 0: one summary line, then each table's latest
chain hash and its anchor (a hash over every chain's head) to keep outside the
database. Exit 1: the first broken row, named. ``--pdf FILE``: which signed
revision's stored summary or handout the file is, vouched for by the chain (exit 0,
see evaluation/printed.py), or why it is not (exit 1).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from evaluation import integrity, printed, records


class Command(BaseCommand):
    help = "Verify the audit and signature hash chains, or say which signed revision a PDF is."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--pdf", metavar="FILE", default=None, help="a printed summary or handout to identify")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["pdf"]:
            self._check_pdf(Path(options["pdf"]))
            return
        results = records.verify_all()
        records.store_full_result(results)
        self.stdout.write(integrity.summary(results))
        broken = [result.broken for result in results if result.broken is not None]
        if broken:
            for found in broken:
                self.stderr.write(f"verify_records: first broken row: {found}")
            sys.exit(1)
        for line in integrity.head_lines(results):
            self.stdout.write(line)

    def _check_pdf(self, path: Path) -> None:
        try:
            found = printed.check_pdf(path)
        except OSError as exc:
            self.stderr.write(f"verify_records: cannot read {path}: {exc}")
            sys.exit(2)
        if not found.vouched:
            for line in found.lines:
                self.stderr.write(f"verify_records: {line}")
            sys.exit(1)
        for line in found.lines:
            self.stdout.write(line)
