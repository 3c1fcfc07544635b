"""What every public object on a pool shares: acquire or borrow it, release it once.

The repository, :class:`~mongodb_session_manager.MongoDBStorage` and
:class:`~mongodb_session_manager.MongoDBMemoryStore` either borrow a pool (a
factory's: never closed by them) or acquire one of their own (released by
``close()``, also on leaving a ``with`` block). Cheap copies (a scoped view, another
ttl) borrow the original's.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, Self

from mongodb_session_manager.store.pool import MongoDBConnectionPool

__all__ = ["PoolHolder"]


class PoolHolder:
    """A pool, owned or borrowed, with ``close`` and the context-manager protocol."""

    pool: MongoDBConnectionPool
    _owns_pool: bool
    _closed: bool

    def _hold_pool(
        self,
        pool: MongoDBConnectionPool | None,
        connection_string: str | None,
        client: Any | None,
        options: Mapping[str, Any],
    ) -> MongoDBConnectionPool:
        """Borrow ``pool``, or acquire one for the connection string / client; returns it."""
        self._owns_pool = pool is None
        if pool is None:
            pool = MongoDBConnectionPool.acquire(connection_string, client=client, **options)
        self.pool = pool
        self._closed = False
        return pool

    def _borrowing_copy(self) -> Self:
        """A shallow copy on the same pool that never releases it."""
        clone = copy.copy(self)
        clone._owns_pool = False
        return clone

    @property
    def runner(self) -> MongoDBConnectionPool:
        """What runs this object's coroutines (its pool)."""
        return self.pool

    def close(self) -> None:
        """Release the pool if this object acquired it (idempotent)."""
        if self._closed:
            return
        self._closed = True
        if self._owns_pool:
            self.pool.release()

    def __enter__(self) -> Self:
        """The object itself (closed on exit)."""
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Close (see :meth:`close`)."""
        self.close()
