"""The base of every store gateway: one collection on one pool, run on the store loop.

Gateways (:class:`~mongodb_session_manager.store.sessions.SessionStore` and the
others in this package) are the only code that talks to the driver. Layers above
them (repository, services, lifecycle, migrations, manager, apps) call gateway
coroutines and never hold a collection.
"""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from mongodb_session_manager.store.compat import Backend
from mongodb_session_manager.store.pool import MongoDBConnectionPool

__all__ = ["CollectionGateway"]


class CollectionGateway:
    """One collection of one database on a shared :class:`MongoDBConnectionPool`.

    Args:
        pool: The pool (its client lives on the store loop).
        database_name: The database.
        collection_name: The collection.
    """

    def __init__(
        self, pool: MongoDBConnectionPool, database_name: str, collection_name: str
    ) -> None:
        self.pool = pool
        self.database_name = database_name
        self.collection_name = collection_name
        self._cached: tuple[Any, AsyncCollection[Any]] | None = None

    @property
    def runner(self) -> MongoDBConnectionPool:
        """What runs this gateway's coroutines (the pool: store loop + error translation)."""
        return self.pool

    @property
    def backend(self) -> Backend:
        """What the server behind the pool can do."""
        return self.pool.backend

    def collection(self) -> AsyncCollection[Any]:
        """The collection (call on the store loop); cached while the client stays the same."""
        client = self.pool.client()
        cached = self._cached
        if cached is not None and cached[0] is client:
            return cached[1]
        collection: AsyncCollection[Any] = client[self.database_name][self.collection_name]
        self._cached = (client, collection)
        return collection

    def other(self, collection_name: str) -> AsyncCollection[Any]:
        """Another collection of the same database (call on the store loop)."""
        collection: AsyncCollection[Any] = self.pool.client()[self.database_name][collection_name]
        return collection

    async def ping(self) -> None:
        """One ``ping`` to the server (raises if it cannot be reached)."""
        await self.pool.client().admin.command("ping")
