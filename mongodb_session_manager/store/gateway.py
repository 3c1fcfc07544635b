"""The base of every store gateway: one collection on one pool, run on the store loop.

Gateways (:class:`~mongodb_session_manager.store.sessions.SessionStore` and the
others in this package) are the only code that talks to the driver. Layers above
them (repository, services, lifecycle, migrations, manager, apps) call gateway
coroutines and never hold a collection.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from mongodb_session_manager.store.compat import Backend
from mongodb_session_manager.store.inline import current_binding
from mongodb_session_manager.store.pool import MongoDBConnectionPool

__all__ = ["CollectionGateway", "collect_pipeline"]


async def collect_pipeline(
    collection: AsyncCollection[Any], pipeline: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Run an aggregation pipeline on ``collection`` and return all its documents.

    The one implementation for every backend: PyMongo's async ``aggregate``
    returns the cursor from a coroutine, mongomock-motor's returns it directly.
    """
    cursor: Any = collection.aggregate(pipeline)
    if inspect.isawaitable(cursor):
        cursor = await cursor
    rows: list[dict[str, Any]] = await cursor.to_list(None)
    return rows


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
        """The collection (call on the store loop); cached while the client stays the same.

        While a coroutine runs inline (:meth:`MongoDBConnectionPool.run_here`), the
        synchronous twin's collection with the same async surface.
        """
        binding = current_binding()
        if binding is not None:
            return binding.collection(self.database_name, self.collection_name)  # type: ignore[return-value]
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

    # -- collection-wide operations (every gateway has them) -----------------------------

    async def aggregate(self, pipeline: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Run an aggregation pipeline on the collection; all its documents (one command)."""
        return await collect_pipeline(self.collection(), pipeline)

    async def count(
        self, filter: Mapping[str, Any] | None = None, *, estimate: bool = False
    ) -> int:
        """How many documents match ``filter``.

        Args:
            filter: The conditions (``None``: every document).
            estimate: Use the collection's metadata count (fast, no filter allowed).
        """
        collection = self.collection()
        if estimate:
            return int(await collection.estimated_document_count())
        return int(await collection.count_documents(dict(filter or {})))

    async def find_ids(self, filter: Mapping[str, Any], *, limit: int | None = None) -> list[Any]:
        """The ``_id`` of the documents matching ``filter``, in ``_id`` order (one query)."""
        cursor = self.collection().find(dict(filter), {"_id": 1}).sort("_id", 1)
        if limit is not None:
            cursor = cursor.limit(limit)
        rows = await cursor.to_list(None)
        return [row["_id"] for row in rows]

    async def find_one(
        self, filter: Mapping[str, Any], projection: Mapping[str, Any] | None = None
    ) -> dict[str, Any] | None:
        """The first document matching ``filter`` (with ``projection``), or ``None``."""
        found = await self.collection().find_one(
            dict(filter), dict(projection) if projection is not None else None
        )
        return dict(found) if found is not None else None

    async def delete_many(self, filter: Mapping[str, Any]) -> int:
        """Delete the documents matching ``filter``; how many were deleted."""
        result = await self.collection().delete_many(dict(filter))
        return int(result.deleted_count)

    async def distinct(self, path: str, filter: Mapping[str, Any] | None = None) -> list[Any]:
        """The distinct values of ``path`` (in the documents matching ``filter``)."""
        return list(await self.collection().distinct(path, dict(filter or {})))

    async def index_information(self) -> dict[str, Any]:
        """The collection's indexes, as PyMongo's ``index_information()`` gives them."""
        return dict(await self.collection().index_information())
