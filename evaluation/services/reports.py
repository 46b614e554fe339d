"""The stored reports of a signed revision: rendered from the signed snapshot, stored once with their hash.

A report is rendered outside any row lock: after the signing transaction
commits, or, if it is not stored yet (the render after signing failed, or the
revision predates stored handouts), by the first print, which stores it. The
content comes from the snapshot, so whoever renders it stores the same report;
the first store wins and later prints serve exactly those bytes.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

from ..models import Assessment, Signature
from ..reports.content import ReportContent, report_for_signature
from ..reports.pdf import render_handout_pdf, render_summary_pdf

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StoredReport:
    column: str
    hash_column: str
    render: Callable[[ReportContent], bytes]


SUMMARY = StoredReport("pdf", "pdf_hash", render_summary_pdf)
HANDOUT = StoredReport("handout_pdf", "handout_hash", render_handout_pdf)


@dataclass(frozen=True)
class ReportBytes:
    data: bytes
    sha256: str


def _stored(signature_id: int, report: StoredReport) -> ReportBytes | None:
    row = Signature.objects.filter(pk=signature_id).values_list(report.column, report.hash_column).first()
    if row is None or row[0] is None:
        return None
    return ReportBytes(bytes(row[0]), row[1])


def signature_report(signature: Signature, report: StoredReport, assessment: Assessment | None = None) -> ReportBytes:
    """The stored report of ``signature``; rendered from its snapshot and stored now if it is not stored yet."""
    stored = _stored(signature.pk, report)
    if stored is not None:
        return stored
    data = report.render(report_for_signature(signature, assessment))
    digest = hashlib.sha256(data).hexdigest()
    # Stored only where still empty: SignatureQuerySet.update allows each report once.
    written = Signature.objects.filter(pk=signature.pk, **{f"{report.column}__isnull": True}).update(
        **{report.column: data, report.hash_column: digest})
    if not written:  # someone stored it between our read and our write: serve theirs
        return _stored(signature.pk, report) or ReportBytes(data, digest)
    return ReportBytes(data, digest)


def signature_store_reports(signature_id: int) -> None:
    """Render and store both reports of a just-signed revision; run after the signing commit.

    A failure here loses nothing: the revision is signed, and the first print renders and stores the report.
    """
    signature = Signature.objects.select_related("assessment__patient", "assessment__version__template").get(
        pk=signature_id)
    for report in (SUMMARY, HANDOUT):
        try:
            signature_report(signature, report, signature.assessment)
        except Exception:  # noqa: BLE001 - the signature stands; the print path retries
            logger.exception("Storing the %s of signature %s failed; the first print will store it.",
                             report.column, signature_id)
