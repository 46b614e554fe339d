"""Rows linked into a hash chain when they are inserted (audit events, signed revisions).

The hashing is ``evaluation.integrity``'s; this module takes the lock and finds
the previous row. Inserts into one chain are ordered by a transaction-scoped
advisory lock keyed by the table and the chain (``pg_advisory_xact_lock``) on
PostgreSQL; SQLite serialises writes, so it needs no lock.

On PostgreSQL one row is linked by its own INSERT statement, so a chained insert
costs the round trips of a plain one: the statement selects its id and hashes
from one call of ``evaluation_chain_link`` (migration 0014), which takes the
lock, reads the chain's last ``row_hash``, draws the row's id (under the lock,
so ids follow the chain's order) and hashes the row's canonical content, made
here, with that head exactly as ``integrity.row_hash`` does. Django reads the
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

import weakref
from collections.abc import Iterable
from typing import Any, ClassVar

from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.db.backends.postgresql.compiler import SQLInsertCompiler as PostgresInsertCompiler
from django.db.models.expressions import RawSQL
from django.db.models.sql import InsertQuery

from .. import integrity

# The functions of migrations 0012 and 0014, given the table and the chain. ``evaluation_chain_link`` is the one
# a single-row INSERT calls: it takes the chain's advisory lock (keyed by hashtext('<table>:<chain>')), reads the
# chain's last row hash, draws the id and hashes the content's canonical JSON with that head as integrity.row_hash
# does (through ``evaluation_chain_row_hash``). ``evaluation_chain_head`` takes the lock and reads the head for
# ``link_all``; ``evaluation_chain_next_id`` is the previous release's. The runtime database role is granted
# EXECUTE on them all (accounts.db_roles).
LINK_FUNCTIONS = ("evaluation_chain_head(text, text)", "evaluation_chain_next_id(text, text)",
                  "evaluation_chain_row_hash(text, text)", "evaluation_chain_link(text, text, text)")
# Each given chain's head, locked, in the given order (``locked_heads``).
HEADS_SQL = ("SELECT chain_name, evaluation_chain_head(%s::text, chain_name) "
             "FROM unnest(%s::text[]) WITH ORDINALITY AS given(chain_name, position) ORDER BY position")
LINK_SQL = "evaluation_chain_link(%s::text, %s::text, %s::text) AS link"


class LinkColumn(RawSQL):
    """One of the values the link function returns (``link.id``, ``link.previous_hash``, ``link.row_hash``).
    It names no column of the query, so there is nothing to resolve: it is used as it is, not copied on
    every insert as Django does with other expressions."""

    def resolve_expression(self, *args: Any, **kwargs: Any) -> LinkColumn:
        return self


# Made once: the INSERT refers to the same three values for every row.
LINKED_ID = LinkColumn("link.id", (), models.BigIntegerField())
LINKED_PREVIOUS_HASH = LinkColumn("link.previous_hash", (), models.CharField())
LINKED_ROW_HASH = LinkColumn("link.row_hash", (), models.CharField())


class LinkedInsertCompiler(PostgresInsertCompiler):
    """Django's single-row INSERT with its VALUES list turned into a SELECT from the link function:
    ``INSERT INTO t (cols) SELECT <values> FROM evaluation_chain_link(...) AS link RETURNING ...``, so the
    function runs once per row and its three values fill the id and the two hash columns."""

    def as_sql(self) -> list[tuple[str, tuple[Any, ...]]]:
        [(sql, params)] = super().as_sql()
        if self.returning_params:
            raise NotImplementedError("a RETURNING clause with parameters")  # none on PostgreSQL today
        head, values_and_returning = sql.split(" VALUES (", 1)
        values, returning = values_and_returning.rsplit(") RETURNING ", 1)
        return [(f"{head} SELECT {values} FROM {LINK_SQL} RETURNING {returning}",
                 (*params, *self.query.link_params))]


class LinkedInsertQuery(InsertQuery):
    def __init__(self, model: type[models.Model], link_params: tuple[str, str, str]) -> None:
        super().__init__(model)
        self.link_params = link_params

    def get_compiler(self, using: str | None = None, connection: Any = None,
                     elide_empty: bool = True) -> LinkedInsertCompiler:
        if using:
            connection = connections[using]
        return LinkedInsertCompiler(self, connection, using, elide_empty)


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

    def _do_insert(self, manager: Any, using: str, fields: Any, returning_fields: Any, raw: bool) -> Any:
        link_params = getattr(self, "_link_params", None)
        if link_params is None:
            return super()._do_insert(manager, using, fields, returning_fields, raw)
        query = LinkedInsertQuery(type(self), link_params)
        query.insert_values(fields, [self], raw=raw)
        return query.get_compiler(using=using).execute_sql(returning_fields)

    def _insert_linked(self, *args: Any, **kwargs: Any) -> None:
        """PostgreSQL: one INSERT that links the row as it goes in (``link_in_insert``)."""
        drew_id = self.pk is None
        link_in_insert(self)
        try:
            # Forced: the id is the link function's new one, not an existing row to update.
            super().save(*args, **{**kwargs, "force_insert": True})
        except BaseException:
            if drew_id:
                self.pk = None  # still unsaved, as before the attempt
            raise
        finally:
            self._link_params = None
        # Django reads columns with a db_default (and the id) back with RETURNING, replacing the SQL with the stored
        # values; should it ever stop, read them here rather than leave SQL in the attributes.
        if not isinstance(self.row_hash, str):
            self.refresh_from_db(fields=["previous_hash", "row_hash"])


def connection_shard(shards: int) -> int | None:
    """Which of ``shards`` chains this database connection appends to: its server process id modulo
    ``shards``, so each connection keeps to one chain and concurrent connections rarely share one."""
    if shards <= 1:
        return None
    database = connections[DEFAULT_DB_ALIAS]  # the wrapper itself: each read through the proxy costs a lookup
    if database.vendor != "postgresql":
        return 0  # SQLite serialises writes anyway
    database.ensure_connection()
    return backend_pid(database.connection) % shards


def backend_pid(database_connection: Any) -> int:
    """The server process id of a driver connection, read from libpq once per connection (a reconnect
    is a new driver connection, so it reads again)."""
    known = _BACKEND_PIDS.get(database_connection)
    if known is None:
        known = _BACKEND_PIDS[database_connection] = database_connection.info.backend_pid
    return known


_BACKEND_PIDS: weakref.WeakKeyDictionary[Any, int] = weakref.WeakKeyDictionary()


def link_in_insert(row: ChainedRecord) -> None:
    """PostgreSQL, one row about to be inserted: its chain, the link function's arguments (the table, the
    chain and the content's canonical JSON), and its id, previous hash and row hash taken from what that
    function returns under the chain's lock (see the module's docstring)."""
    model = type(row)
    row.chain = integrity.day_chain(row.chain_moment(), row.chain_shard())
    content = integrity.canonical_json(integrity.content_of(row, model.CHAIN_FIELDS))
    row._link_params = (model._meta.db_table, row.chain, content)
    if row.pk is None:
        row.pk = LINKED_ID
    row.previous_hash = LINKED_PREVIOUS_HASH
    row.row_hash = LINKED_ROW_HASH


def locked_heads(cursor: Any, model: type[models.Model], chains: list[str]) -> dict[str, str]:
    """Each chain's last row hash, read after taking that chain's lock, the chains in the order given.

    PostgreSQL: one statement calls ``evaluation_chain_head`` once per chain, in the array's order (a
    function scan returns its rows in order and the select list is computed row by row), so the locks are
    taken in that order and the round trips do not grow with the number of chains (generated visits
    spread over a thousand days touch a thousand signature chains in one batch).
    """
    if not chains:
        return {}
    if connection.vendor == "postgresql":
        cursor.execute(HEADS_SQL, [model._meta.db_table, chains])
        return dict(cursor.fetchall())
    return {chain: last_hash(cursor, model, chain) for chain in chains}


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
    with connection.cursor() as cursor:
        heads = locked_heads(cursor, model, sorted({row.chain for row in rows}))
    for row in rows:
        row.previous_hash = heads[row.chain]
        row.row_hash = integrity.hash_row(row, model.CHAIN_FIELDS)
        heads[row.chain] = row.row_hash
