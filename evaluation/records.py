"""Checking the stored chains (``evaluation.integrity``) against the database, and what the audit viewer shows.

``verify_all`` walks every row of both tables in id order (``manage.py
verify_records``), which is linear in the size of the trail, so the audit viewer
never runs it: it shows the last ``verify_records`` result (kept in the cache, so
shared with the web processes when the cache is Redis) and a check of only the
latest ``RECENT_ROWS`` rows of each table, itself cached for ``RECENT_SECONDS``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.core.cache import cache
from django.db.models import QuerySet
from django.utils import timezone

from . import integrity
from .integrity import Verification
from .models import AuditEvent, Signature

FULL_RESULT_KEY = "evaluation:verify_records"
RECENT_RESULT_KEY = "evaluation:verify_recent"
RECENT_ROWS = 200
RECENT_SECONDS = 60
TABLES = ((AuditEvent, "audit events"), (Signature, "signatures"))


def _rows(model: type[Any]) -> QuerySet[Any]:
    rows = model._base_manager.order_by("id")
    # The stored reports are not hashed; never load their bytes.
    return rows.defer("pdf", "handout_pdf") if model is Signature else rows


def verify_all() -> list[Verification]:
    """Walk both chains, every partition, in id order; stop each table at its first break."""
    return [integrity.verify_rows(_rows(model).iterator(chunk_size=2000), model.CHAIN_FIELDS, label)
            for model, label in TABLES]


def verify_recent(count: int = RECENT_ROWS) -> list[Verification]:
    """Check only the latest ``count`` rows of each table: their hashes and the links between them."""
    results = []
    for model, label in TABLES:
        latest = list(_rows(model).order_by("-id")[:count])
        results.append(integrity.verify_rows(reversed(latest), model.CHAIN_FIELDS, label, window=True))
    return results


def as_status(results: list[Verification]) -> dict[str, Any]:
    broken = next((str(result.broken) for result in results if result.broken is not None), "")
    return {"ok": not broken, "summary": integrity.summary(results), "broken": broken,
            "checked_at": timezone.now()}


def store_full_result(results: list[Verification]) -> None:
    cache.set(FULL_RESULT_KEY, as_status(results), None)


def viewer_status() -> dict[str, Any]:
    """What the audit viewer shows: the last full verification (if any) and a recent-rows check."""
    recent = cache.get(RECENT_RESULT_KEY)
    if recent is None:
        recent = as_status(verify_recent())
        cache.set(RECENT_RESULT_KEY, recent, RECENT_SECONDS)
    return {"full": cache.get(FULL_RESULT_KEY), "recent": recent, "recent_rows": RECENT_ROWS}


def signed_revisions() -> Iterator[Signature]:
    return Signature._base_manager.only("id", "assessment_id", "number", "pdf_hash", "handout_hash",
                                        "content_hash").iterator()
