"""Rows linked into a hash chain when they are inserted (audit events, signed revisions).

The hashing is ``evaluation.integrity``'s; this module takes the lock and finds
the previous row. Inserts into one chain are ordered by a transaction-scoped
advisory lock keyed by the table and the chain (``pg_advisory_xact_lock``) on
PostgreSQL; SQLite serialises writes, so it needs no lock.

On PostgreSQL one row is linked by its own INSERT statement, so a chained insert
costs the round trips of a plain one: the statement calls the functions of
migration 0012, which take the lock, read the chain's last ``row_hash`` and draw
the row's id (under the lock, so ids follow the chain's order), and the database
hashes the row's canonical content, made here, with that head exactly as
``integrity.row_hash`` does (``evaluation_chain_row_hash``). Django reads the
stored values back with RETURNING. Several rows at once (``link_all``, e.g.
generated data) are hashed here in Python after one call per chain that takes
the lock and reads the head.

The lock ends with the transaction: in autocommit mode the INSERT is its own
transaction; when it happens inside a longer service transaction, other inserts
into the same chain wait until that transaction ends. Chains are per UTC day, so
a new day starts a fresh one, and the audit trail has several chains a day
(``AUDIT_CHAIN_SHARDS``; each connection appends to the one its server process
id picks), so concurrent writers rarely queue on the same lock. Transactions
must be READ COMMITTED (Django's default), so the read after the lock sees the
row the previous holder committed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from django.db import connection, models, transaction
from django.db.models.expressions import RawSQL

from .. import integrity

# The functions of migration 0012, given the table and the chain: the first two take the chain's advisory
# lock, keyed by hashtext('<table>:<chain>'), before they read or draw; the third is integrity.row_hash in
# SQL, given the content's canonical JSON and the previous hash. The runtime database role is granted
# EXECUTE on them (accounts.db_roles).
LINK_FUNCTIONS = ("evaluation_chain_head(text, text)", "evaluation_chain_next_id(text, text)",
                  "evaluation_chain_row_hash(text, text)")
HEAD_SQL = "evaluation_chain_head(%s::text, %s::text)"
NEXT_ID_SQL = "evaluation_chain_next_id(%s::text, %s::text)"
ROW_HASH_SQL = f"evaluation_chain_row_hash(%s::text, {HEAD_SQL})"
# The expressions' output fields, made once: a field per expression would cost more than the rest of the link.
HASH_FIELD = models.CharField()
ID_FIELD = models.BigIntegerField()


class LinkSQL(RawSQL):
    """SQL for one of a linked row's values. It names no column, so there is nothing to resolve against
    the query: it is used as it is, not copied on every insert as Django does with other expressions."""

    def resolve_expression(self, *args: Any, **kwargs: Any) -> LinkSQL:
        return self


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
        if connection.vendor == "postgresql":
            self._insert_linked(*args, **kwargs)
            return
        # One transaction for the read of the chain's last row and the insert, even in autocommit mode.
        with transaction.atomic(savepoint=False):
            link_all(type(self), [self])
            super().save(*args, **kwargs)

    def _insert_linked(self, *args: Any, **kwargs: Any) -> None:
        """PostgreSQL: one INSERT that links the row as it goes in (``link_in_insert``)."""
        drew_id = self.pk is None
        link_in_insert(self)
        try:
            # Forced: the id is SQL that draws a new one, not an existing row to update.
            super().save(*args, **{**kwargs, "force_insert": True})
        except BaseException:
            if drew_id:
                self.pk = None  # still unsaved, as before the attempt
            raise
        # Django reads columns with a db_default back with RETURNING, replacing the SQL with the stored
        # values; should it ever stop, read them here rather than leave SQL in the attributes.
        if not isinstance(self.row_hash, str):
            self.refresh_from_db(fields=["previous_hash", "row_hash"])


def connection_shard(shards: int) -> int | None:
    """Which of ``shards`` chains this database connection appends to: its server process id modulo
    ``shards``, so each connection keeps to one chain and concurrent connections rarely share one."""
    if shards <= 1:
        return None
    if connection.vendor != "postgresql":
        return 0  # SQLite serialises writes anyway
    connection.ensure_connection()
    return connection.connection.info.backend_pid % shards


def link_in_insert(row: ChainedRecord) -> None:
    """PostgreSQL, one row about to be inserted: its chain, and SQL for its id, previous hash and row hash
    that the INSERT evaluates under the chain's lock (see the module's docstring)."""
    model = type(row)
    row.chain = integrity.day_chain(row.chain_moment(), row.chain_shard())
    chain = (model._meta.db_table, row.chain)
    content = integrity.canonical_json(integrity.content_of(row, model.CHAIN_FIELDS))
    if row.pk is None:
        row.pk = LinkSQL(NEXT_ID_SQL, chain, ID_FIELD)
    row.previous_hash = LinkSQL(HEAD_SQL, chain, HASH_FIELD)
    row.row_hash = LinkSQL(ROW_HASH_SQL, (content, *chain), HASH_FIELD)


def locked_head(cursor: Any, model: type[models.Model], chain: str) -> str:
    """The chain's last row hash, read after taking the chain's lock (PostgreSQL: one call does both)."""
    if connection.vendor == "postgresql":
        cursor.execute(f"SELECT {HEAD_SQL}", [model._meta.db_table, chain])
        return cursor.fetchone()[0]
    return last_hash(cursor, model, chain)


def last_hash(cursor: Any, model: type[models.Model], chain: str) -> str:
    """The chain's last row hash; plain SQL (the (chain, id) index answers it). SQLite needs no lock."""
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
            heads[chain] = locked_head(cursor, model, chain)
    for row in rows:
        row.previous_hash = heads[row.chain]
        row.row_hash = integrity.hash_row(row, model.CHAIN_FIELDS)
        heads[row.chain] = row.row_hash
