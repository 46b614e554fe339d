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
from functools import partial

from django.http import HttpResponseRedirect
from django.utils import translation

from .. import reprints
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


def printed_report(assessment: Assessment, number: int | None, report: StoredReport) -> tuple[int, ReportBytes] | None:
    """Revision ``number`` (the latest when None) of ``assessment`` and its stored ``report``: a re-print
    is one query for the stored bytes, no render and no snapshot read. Rendered and stored first if not
    stored yet; None when there is no such signed revision."""
    row = reprints.signed_report_row(assessment, number, report.column, report.hash_column)
    if row is None:
        return None
    signature_id, number, data, digest = row
    if data is not None:
        return number, ReportBytes(bytes(data), digest)
    signature = Signature.objects.defer("pdf", "handout_pdf").get(pk=signature_id)
    return number, signature_report(signature, report)


class RedirectThenStoreReports(HttpResponseRedirect):
    """A redirect that stores a just-signed revision's reports once it has been sent.

    A WSGI server calls a response's ``close()`` after writing it to the client, so the signer's
    browser moves on while this worker renders. The reports are worded as they would have been
    in the request (its language), and they come from the snapshot, so they are the same bytes.
    Make it only once the signing has committed.
    """

    def __init__(self, url: str, signature_id: int):
        super().__init__(url)
        self._store = partial(_store_reports_in, translation.get_language(), signature_id)

    def close(self) -> None:
        # Before Django's own close(), whose request_finished signal may close the database connection.
        store, self._store = self._store, None
        try:
            if store is not None:
                store()
        finally:
            super().close()


def _store_reports_in(language: str | None, signature_id: int) -> None:
    try:
        with translation.override(language):
            signature_store_reports(signature_id)
    except Exception:  # noqa: BLE001 - the signature stands; the first print renders and stores what is missing
        logger.exception("Storing the reports of signature %s failed; the first print will store them.",
                         signature_id)


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
