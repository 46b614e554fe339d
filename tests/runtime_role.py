"""pytest plugin for the PostgreSQL run connected as the runtime role (``-p tests.runtime_role``).

The runtime role may not TRUNCATE, but Django's ``flush`` (which transactional
tests run after each test) truncates every table. With ``DATABASE_OWNER_URL``
set, flush alone connects as the owner role; everything else, including every
test, stays connected as the runtime role, as the service would be.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import dj_database_url
from django.core.management.commands import flush
from django.db import connections

OWNER_URL = os.environ.get("DATABASE_OWNER_URL", "")
_flush_handle = flush.Command.handle


@contextmanager
def as_owner(connection: Any) -> Iterator[None]:
    owner = dj_database_url.parse(OWNER_URL)
    saved = {key: connection.settings_dict[key] for key in ("USER", "PASSWORD")}
    connection.close()
    connection.settings_dict.update(USER=owner["USER"], PASSWORD=owner["PASSWORD"])
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.update(saved)


def _flush_as_owner(self: flush.Command, **options: Any) -> Any:
    with as_owner(connections[options["database"]]):
        return _flush_handle(self, **options)


def pytest_configure(config: Any) -> None:
    if OWNER_URL:
        flush.Command.handle = _flush_as_owner
