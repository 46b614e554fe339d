"""Which signed revision a printed report is, checked against the hash chain (``verify_records --pdf``).

A stored report's own SHA-256 (``pdf_hash``, ``handout_hash``) is written after signing and is not in the
chain, so on its own it says only that the file is what the database holds now: someone able to rewrite
the database could replace a report and its hash together. The summary also prints its revision's content
hash, which is chained. So a summary is vouched for only when the file is the stored one, it prints that
revision's content hash, and the signatures' chain verifies; a handout prints no hash and is vouched for by
its stored hash and the chain alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import PyPdfError

from . import integrity, records
from .models import Signature

# "SHA-256 <64 hex digits>" as the summary's signature block prints it; the digits may wrap onto a new line.
PRINTED_HASH = re.compile(r"SHA-256\s+((?:[0-9a-f]\s*){64})")


@dataclass(frozen=True)
class PdfCheck:
    vouched: bool
    lines: list[str]


def printed_content_hash(path: Path) -> str | None:
    """The content hash a summary PDF prints, or None (a handout, another file, or not a PDF)."""
    try:
        text = "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)
    except (PyPdfError, ValueError):
        return None
    found = PRINTED_HASH.search(text)
    return re.sub(r"\s+", "", found.group(1)) if found else None


def _stored_as(digest: str) -> tuple[Signature, str] | None:
    """The signed revision whose stored summary or handout has this SHA-256, and which of the two."""
    for revision in records.signed_revisions():
        for column, kind in (("pdf_hash", "summary"), ("handout_hash", "handout")):
            if getattr(revision, column) == digest:
                return revision, kind
    return None


def _named(revision: Signature) -> str:
    return f"revision {revision.number} of assessment {revision.assessment_id} (signature {revision.pk})"


def check_pdf(path: Path) -> PdfCheck:
    """What ``path`` is, and whether the chain vouches for it. Raises OSError when it cannot be read."""
    stored = _stored_as(integrity.file_digest(path))
    printed = printed_content_hash(path)
    chain = records.verify_all()[1]
    if not chain.ok:
        return PdfCheck(False, [f"the signatures' chain is broken, so no report can be vouched for: {chain.broken}"])
    if stored is None:
        signed = Signature._base_manager.filter(content_hash=printed).first() if printed else None
        if signed is None:
            return PdfCheck(False, [f"{path.name} matches no signed revision's stored report"])
        return PdfCheck(False, [f"{path.name} is not a stored report, but prints the content hash of {_named(signed)}: "
                                "compare it with that revision's stored summary"])
    revision, kind = stored
    if kind == "summary" and printed != revision.content_hash:
        return PdfCheck(False, [f"{path.name} is stored as the summary of {_named(revision)} but does not print that "
                                "revision's chained content hash: the stored report was replaced"])
    vouch = ("it prints that revision's content hash, and the chain verifies" if kind == "summary"
             else "a handout prints no content hash; its stored hash matches, and the chain verifies")
    return PdfCheck(True, [f"{path.name} is the {kind} of {_named(revision)}; {vouch}."])
