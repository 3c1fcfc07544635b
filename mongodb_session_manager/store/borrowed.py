"""Borrowing a connection pool for one operation (CLI commands, module-level functions)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from mongodb_session_manager.store.pool import MongoDBConnectionPool


@contextmanager
def borrowed_pool(
    connection_string: str | None = None,
    *,
    client: Any | None = None,
    pool: MongoDBConnectionPool | None = None,
    **pool_options: Any,
) -> Iterator[MongoDBConnectionPool]:
    """``pool`` if given, else the shared pool for the URI / client, released afterwards."""
    if pool is not None:
        yield pool
        return
    acquired = MongoDBConnectionPool.acquire(connection_string, client=client, **pool_options)
    try:
        yield acquired
    finally:
        acquired.release()
