"""Rows linked into a hash chain when they are inserted (audit events, signed revisions).

The hashing is ``evaluation.integrity``'s; this module takes the lock and finds
the previous row. On PostgreSQL the insert takes a transaction-scoped advisory
lock keyed by the table and the chain (``pg_advisory_xact_lock``) just before it
reads the chain's last row and inserts, so concurrent inserts into one chain are
ordered. The lock ends with the transaction: the insert is the last thing
``audit.record`` and signing do, but when it happens inside a longer service
transaction, other inserts into the same chain wait until that transaction ends.
Chains are per UTC day, so a new day starts a fresh one, and the audit trail
has several chains a day (``AUDIT_CHAIN_SHARDS``; each connection appends to
the one its server process id picks), so concurrent writers rarely queue on
the same lock. Transactions must be READ COMMITTED (Django's default), so the read
after the lock sees the row the previous holder committed. SQLite serialises
writes, so it needs no lock.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from django.db import connection, models, transaction

from .. import integrity


class ChainedRecord(models.Model):
    """Abstract: ``CHAIN_FIELDS`` are the content fields hashed; ``chain_moment`` picks the partition."""

    CHAIN_FIELDS: ClassVar[tuple[str, ...]] = ()

    chain = models.CharField(max_length=32, blank=True, default="", db_default="", editable=False)
    previous_hash = models.CharField(max_length=64, blank=True, default="", db_default="", editable=False)
    row_hash = models.CharField(max_length=64, blank=True, default="", db_default="", editable=False)

    class Meta:
        abstract = True

    def chain_moment(self) -> Any:
        raise NotImplementedError

    def chain_shard(self) -> int | None:
        """Which of the day's chains the row joins; None: the table has one chain a day."""
        return None

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            super().save(*args, **kwargs)
            return
        # One transaction for lock, read and insert, even in autocommit mode.
        with transaction.atomic(savepoint=False):
            link_all(type(self), [self])
            super().save(*args, **kwargs)


def connection_shard(shards: int) -> int | None:
    """Which of ``shards`` chains this database connection appends to: its server process id modulo
    ``shards``, so each connection keeps to one chain and concurrent connections rarely share one."""
    if shards <= 1:
        return None
    if connection.vendor != "postgresql":
        return 0  # SQLite serialises writes anyway
    connection.ensure_connection()
    return connection.connection.info.backend_pid % shards


def lock_chain(cursor: Any, model: type[models.Model], chain: str) -> None:
    if connection.vendor == "postgresql":
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [integrity.lock_key(model._meta.db_table, chain)])


def last_hash(cursor: Any, model: type[models.Model], chain: str) -> str:
    """The chain's last row hash; plain SQL, since it runs on every insert (the (chain, id) index answers it)."""
    table = connection.ops.quote_name(model._meta.db_table)
    cursor.execute(f"SELECT row_hash FROM {table} WHERE chain = %s ORDER BY id DESC LIMIT 1", [chain])
    found = cursor.fetchone()
    return found[0] if found and found[0] else integrity.GENESIS


def link_all(model: type[ChainedRecord], rows: Iterable[ChainedRecord]) -> None:
    """Give rows about to be inserted, in insert order, their chain, previous hash and row hash.

    Must run in the transaction that inserts them, right before the insert. Chains are
    locked in sorted order, so two bulk inserts cannot deadlock on each other.
    """
    rows = list(rows)
    for row in rows:
        row.chain = integrity.day_chain(row.chain_moment(), row.chain_shard())
    heads: dict[str, str] = {}
    with connection.cursor() as cursor:
        for chain in sorted({row.chain for row in rows}):
            lock_chain(cursor, model, chain)
            heads[chain] = last_hash(cursor, model, chain)
    for row in rows:
        row.previous_hash = heads[row.chain]
        row.row_hash = integrity.hash_row(row, model.CHAIN_FIELDS)
        heads[row.chain] = row.row_hash
