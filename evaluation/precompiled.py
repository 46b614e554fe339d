"""Hot reads whose SQL is built once per process: the ORM's own query, compiled with a marker in place of
the looked-up value, then run with each request's value.

Building a read with joins costs Django more than the database takes to answer it: the assessment
pages' read (the assessment with its patient, version and template) took about 0.6 ms to compile and
0.4 ms to run (issue 11). Its SQL changes only with the query's structure, never with the value looked
up, so ``Precompiled`` compiles the query once per database alias and keeps its SQL; each call puts
the value (prepared by its field, as the ORM's lookup prepares it) where the marker was, runs the SQL,
and builds the rows as Django's own iterables do: each column read back by the database's converters,
then model instances with their ``select_related`` objects, or tuples for ``values_list``.

Only for queries of a fixed shape whose one varying value is a parameter (a primary or foreign key):
no ``prefetch_related``, no ``extra``, nothing that depends on the request but the value. The tests
(tests/services/test_precompiled.py) compare every precompiled read with the ORM's own.

Also here, ``read_back``: the same read-back by the database's converters for the rows of hand-written
SQL (the start page's short lists), named by the model fields their columns hold.
"""

from __future__ import annotations

import functools
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import MultipleObjectsReturned
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Field, Model, QuerySet
from django.db.models.query import ModelIterable, ValuesListIterable, get_related_populators
from django.db.models.sql import Query

# Values no real row has, each recognisable among a compiled query's parameters.
MARKERS: dict[str, Any] = {
    "UUIDField": uuid.UUID("5eed0000-7a1c-4e0d-9c3e-0000c0ffee00"),
    "BigAutoField": -7_364_281_901,
    "AutoField": -736_428_191,
    "BigIntegerField": -7_364_281_901,
    "IntegerField": -736_428_191,
}


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    marker_at: int | None  # where the looked-up value goes among the parameters
    converters: tuple[tuple[int, tuple[Any, ...], Any], ...]  # (column, the database's converters, expression)
    model_layout: tuple[Any, ...] | None  # (model, start, end, init_list, related populators) for instances


class Precompiled:
    """``build(value)`` (a QuerySet) run for any ``value`` of ``field``'s type, compiled once; with no
    ``field``, ``build()`` run as it is.

    ``build`` must put the value into the query as a parameter exactly once (``filter(pk=value)``,
    ``filter(patient_id=value)``) and must not otherwise vary.
    """

    def __init__(self, build: Callable[..., QuerySet[Any]], field: Field | None) -> None:
        self._build = build
        self._field = field  # None: a query without a looked-up value (``build()`` takes no argument)
        self._marker = None if field is None else MARKERS[
            (field.target_field if field.is_relation else field).get_internal_type()]
        self._compiled: dict[str, _Compiled] = {}
        self._lock = threading.Lock()

    def all(self, value: Any = None, using: str = DEFAULT_DB_ALIAS) -> list[Any]:
        """What ``list(build(value))`` returns."""
        compiled = self._compiled.get(using) or self._compile(using)
        connection = connections[using]
        params = list(compiled.params)
        if compiled.marker_at is not None:
            params[compiled.marker_at] = self._prepared(value, connection)
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        converted = _converted(rows, compiled.converters, connection)
        if compiled.model_layout is None:
            return [tuple(row) for row in converted]
        model, start, end, init_list, populators = compiled.model_layout
        objects = []
        for row in converted:
            obj = model.from_db(using, init_list, row[start:end])
            for populator in populators:
                populator.populate(row, obj)
            objects.append(obj)
        return objects

    def one_or_none(self, value: Any, using: str = DEFAULT_DB_ALIAS) -> Any:
        """The one row for ``value`` (a unique lookup), or None."""
        rows = self.all(value, using)
        if len(rows) > 1:
            raise MultipleObjectsReturned(f"{len(rows)} rows for a unique lookup")
        return rows[0] if rows else None

    def _prepared(self, value: Any, connection: Any) -> Any:
        # As an exact lookup prepares its right-hand side: to_python (a str becomes a UUID; a value that
        # is not one raises ValidationError, as the ORM does), then the database's form.
        return self._field.get_db_prep_value(self._field.to_python(value), connection, prepared=False)

    def _compile(self, using: str) -> _Compiled:
        with self._lock:
            if using in self._compiled:
                return self._compiled[using]
            queryset = (self._build() if self._field is None else self._build(self._marker)).using(using)
            if queryset._prefetch_related_lookups or queryset.query.extra:
                raise ValueError("a precompiled read takes no prefetch_related and no extra()")
            compiler = queryset.query.get_compiler(using=using)
            sql, params = compiler.as_sql()
            marker_at = None if self._field is None else self._marker_position(params, connections[using])
            columns = [column[0] for column in compiler.select[:compiler.col_count]]
            converters = tuple((position, tuple(functions), expression)
                               for position, (functions, expression) in compiler.get_converters(columns).items())
            compiled = _Compiled(sql, tuple(params), marker_at, converters,
                                 _model_layout(queryset, compiler, using))
            self._compiled[using] = compiled
            return compiled

    def _marker_position(self, params: Any, connection: Any) -> int:
        marker = self._prepared(self._marker, connection)
        found = [index for index, param in enumerate(params) if param == marker]
        if len(found) != 1:
            raise ValueError(f"the query must take the looked-up value once as a parameter, not {len(found)} times")
        return found[0]


def read_back(rows: list[Any], fields: tuple[Field | None, ...], using: str = DEFAULT_DB_ALIAS) -> list[Any]:
    """Rows of hand-written SQL whose columns hold ``fields``' values (None: a column taken as it comes),
    each value as the ORM reads it back from this database: SQLite returns UUIDs and times as text,
    PostgreSQL's rows need nothing."""
    connection = connections[using]
    return _converted(rows, _field_converters(fields, connection.alias, connection.vendor), connection)


@functools.cache
def _field_converters(fields: tuple[Field | None, ...], using: str, vendor: str) -> tuple[Any, ...]:
    columns = [(position, field.get_col(field.model._meta.db_table))
               for position, field in enumerate(fields) if field is not None]
    compiler = Query(None).get_compiler(using=using)
    found = compiler.get_converters([column for _, column in columns])
    return tuple((columns[index][0], tuple(functions), expression)
                 for index, (functions, expression) in found.items())


def _converted(rows: list[Any], converters: Any, connection: Any) -> list[Any]:
    """``rows`` with each column's value as the ORM reads it back (``SQLCompiler.apply_converters``, with
    this thread's connection rather than the one the query was compiled with)."""
    if not converters:
        return rows
    converted = []
    for row in rows:
        row = list(row)
        for position, functions, expression in converters:
            value = row[position]
            for function in functions:
                value = function(value, expression, connection)
            row[position] = value
        converted.append(row)
    return converted


def _model_layout(queryset: QuerySet[Any], compiler: Any, using: str) -> tuple[Any, ...] | None:
    """How ``ModelIterable`` turns this query's rows into instances; None for ``values_list`` tuples."""
    query = queryset.query
    if query.annotation_select or query.extra_select:
        raise ValueError("a precompiled read takes no annotations")  # ValuesListIterable would reorder columns
    if queryset._iterable_class is ValuesListIterable:
        return None
    if queryset._iterable_class is not ModelIterable:
        raise ValueError("a precompiled read returns model instances or values_list tuples")
    klass_info, select = compiler.klass_info, compiler.select
    select_fields = klass_info["select_fields"]
    start, end = select_fields[0], select_fields[-1] + 1
    init_list = [column[0].target.attname for column in select[start:end]]
    model: type[Model] = klass_info["model"]
    return model, start, end, init_list, tuple(get_related_populators(klass_info, select, using))
