"""Tamper evidence: the hash chains over audit events and signed revisions, and checking them.

Every chained row carries ``chain`` (its partition, the UTC day it was written),
``previous_hash`` (the ``row_hash`` of the row before it in that chain, empty
for the first) and ``row_hash``: SHA-256 over a canonical JSON of the row's
content fields, its chain and ``previous_hash``. Rows are linked when they are
inserted (``evaluation.models.chained``); this module only computes and checks,
and imports nothing of the project, so the migration that chains existing rows
hashes exactly as the service does.

Editing a row breaks its own hash; deleting one breaks the link of the next row;
inserting one breaks its hash or the next row's link. Rewriting a chain's tail
consistently is caught only by comparing its head with a copy kept outside the
database (see ``anchor`` and the README's "Tamper evidence").
"""

from __future__ import annotations

import datetime
import hashlib
import json
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

GENESIS = ""  # the previous_hash of a chain's first row


def normalise(value: Any) -> Any:
    """A value as it reads back from the database, in a JSON-able form: datetimes in UTC, JSON round-tripped."""
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.UTC)
        return value.replace(tzinfo=None).isoformat(timespec="microseconds")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, dict | list | tuple):
        if _reads_back_unchanged(value):
            return value  # the round trip would return an equal value: skip it (every audit insert has one)
        return json.loads(json.dumps(value, default=str))
    return value


_JSON_SCALARS = (str, int, float, bool, type(None))


def _reads_back_unchanged(value: Any) -> bool:
    """True when a JSON round trip gives back an equal value of the same shape: dicts with string keys and
    lists of JSON scalars, nested. Tuples, other keys (JSON makes them strings, which also changes how they
    sort) and other types take the round trip."""
    if isinstance(value, dict):
        return all(type(key) is str and (type(item) in _JSON_SCALARS or _reads_back_unchanged(item))
                   for key, item in value.items())
    if type(value) is list:
        return all(type(item) in _JSON_SCALARS or _reads_back_unchanged(item) for item in value)
    return False


def canonical_json(content: dict[str, Any]) -> str:
    """Sorted keys, no spaces, UTF-8: the one text a row hashes as."""
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def content_of(row: Any, fields: Iterable[str]) -> dict[str, Any]:
    """The hashed content of ``row``: its content fields (attribute names) and its chain."""
    content = {name: normalise(getattr(row, name)) for name in fields}
    content["chain"] = row.chain
    return content


def row_hash(content: dict[str, Any], previous_hash: str) -> str:
    text = canonical_json({"content": content, "previous_hash": previous_hash})
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def hash_row(row: Any, fields: Iterable[str]) -> str:
    return row_hash(content_of(row, fields), row.previous_hash or GENESIS)


def day_chain(moment: datetime.datetime, shard: int | None = None) -> str:
    """The partition of a row written at ``moment``: its UTC day, e.g. "2026-11-25", and, for a
    table split into several chains a day so concurrent inserts do not queue on one lock, the
    chain's number that day, e.g. "2026-11-25.07"."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(datetime.UTC)
    day = moment.date().isoformat()
    return day if shard is None else f"{day}.{shard:02d}"


# ---------------------------------------------------------------- verifying


@dataclass(frozen=True)
class Break:
    """The first row where a chain does not verify, and why."""

    label: str
    row_id: Any
    chain: str
    reason: str

    def __str__(self) -> str:
        return f"{self.label} row {self.row_id} (chain {self.chain or '(none)'}): {self.reason}"


@dataclass(frozen=True)
class Head:
    chain: str
    row_id: Any
    row_hash: str


@dataclass
class Verification:
    """What walking one table's chains found: rows checked, each chain's latest row, the first break."""

    label: str
    rows: int = 0
    heads: dict[str, Head] = field(default_factory=dict)
    broken: Break | None = None

    @property
    def ok(self) -> bool:
        return self.broken is None

    @property
    def latest(self) -> Head | None:
        return max(self.heads.values(), key=lambda head: head.row_id, default=None)

    @property
    def anchor(self) -> str:
        return anchor(self.heads.values())


def anchor(heads: Iterable[Head]) -> str:
    """One hash over every chain's head: keep it outside the database to catch a rewritten or cut tail."""
    text = "\n".join(f"{head.chain} {head.row_hash}" for head in sorted(heads, key=lambda head: head.chain))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def problem(row: Any, fields: Iterable[str], expected_previous: str | None) -> str | None:
    """Why ``row`` does not verify, or None. ``expected_previous`` None: the link is not checked."""
    if not row.chain or not row.row_hash:
        return "not chained (no chain or row hash)"
    if expected_previous is not None and (row.previous_hash or GENESIS) != expected_previous:
        return ("previous_hash does not match the row before it in this chain "
                "(a row was deleted, inserted or edited before it)")
    if hash_row(row, fields) != row.row_hash:
        return "row_hash does not match the row's content (the row was edited or inserted)"
    return None


def verify_rows(rows: Iterable[Any], fields: tuple[str, ...], label: str, *, window: bool = False) -> Verification:
    """Walk ``rows`` in id order. ``window``: the rows are only the latest of each chain, so each
    chain's first row seen is taken as its start (its hash is checked, its link is not)."""
    result = Verification(label)
    for row in rows:
        head = result.heads.get(row.chain)
        expected = head.row_hash if head is not None else (None if window else GENESIS)
        reason = problem(row, fields, expected)
        result.rows += 1
        if reason is not None:
            result.broken = Break(label, row.pk, row.chain, reason)
            return result
        result.heads[row.chain] = Head(row.chain, row.pk, row.row_hash)
    return result


def summary(results: Iterable[Verification]) -> str:
    results = list(results)
    parts = [f"{r.rows} {r.label} in {len(r.heads)} chain{'s' if len(r.heads) != 1 else ''}" for r in results]
    verdict = "OK" if all(r.ok for r in results) else "BROKEN"
    return f"{verdict}: " + ", ".join(parts) + (" verify." if verdict == "OK" else " checked.")


def head_lines(results: Iterable[Verification]) -> Iterator[str]:
    for result in results:
        latest = result.latest
        if latest is None:
            yield f"{result.label}: no rows"
        else:
            yield (f"{result.label}: latest chain {latest.chain} row {latest.row_id} hash {latest.row_hash}; "
                   f"anchor {result.anchor}")


# ---------------------------------------------------------------- printed reports


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()
