"""The guarded write every change of a session document goes through.

One ``update`` (or ``findAndModify``) on the session if a condition holds and
the size estimate stays in bounds; with a ttl it also moves ``expires_at``. A
write that matched nothing costs one more read, to raise the right typed error
(:mod:`~mongodb_session_manager.store.failures`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pymongo import ReturnDocument

from mongodb_session_manager.models import utcnow, validate_id
from mongodb_session_manager.store.failures import (
    GuardedWrite,
    explain_miss,
    miss_projection,
    too_large_errors,
)
from mongodb_session_manager.store.gateway import CollectionGateway
from mongodb_session_manager.store.pool import MongoDBConnectionPool
from mongodb_session_manager.store.settings import StoreSettings

__all__ = ["GuardedGateway"]


class GuardedGateway(CollectionGateway):
    """A sessions collection with its store settings and the guarded write.

    Args:
        pool: The connection pool (its client lives on the store loop).
        settings: Database, collection, size limit, ttl, application name and
            indexed metadata fields (the connection fields are the pool's business).
    """

    def __init__(self, pool: MongoDBConnectionPool, settings: StoreSettings | None = None) -> None:
        settings = settings if settings is not None else StoreSettings()
        super().__init__(pool, settings.database_name, settings.collection_name)
        self.settings = settings

    @property
    def max_document_bytes(self) -> int:
        """Writes that would grow a session past this estimated size are refused."""
        return self.settings.max_document_bytes

    def _expires_at(self) -> dict[str, Any]:
        """The ``expires_at`` a write sets (empty without a ttl); aware UTC, never naive."""
        ttl = self.settings.ttl
        return {} if ttl is None else {"expires_at": utcnow() + ttl}

    async def after_write(self, session_id: str) -> None:
        """Called after every guarded write that went through (a hook for subclasses).

        The session store keeps its pages' expiry ahead of the session's here.
        """

    # ---------------------------------------------------------------- the guarded write

    async def update_session(
        self,
        session_id: str,
        update: dict[str, Any],
        *,
        added_bytes: int,
        agent_id: str | None = None,
        condition: Mapping[str, Any] | None = None,
        before: Mapping[str, Any] | None = None,
        expected_count: int | None = None,
        creating: bool = False,
    ) -> dict[str, Any] | None:
        """``update`` on the session if ``condition`` holds and the size stays in bounds.

        When nothing matched, one extra read tells why, and a typed error says it
        (see :mod:`~.failures`). Nothing was written in any of those cases. With a
        ttl, the write also moves ``expires_at``.

        Args:
            session_id: The session.
            update: The update document (``expires_at`` is added to it).
            added_bytes: What it adds to ``size_bytes`` (negative: treated as 0).
            agent_id: The agent the write needs to exist, for the error.
            condition: More conditions on the document.
            before: A projection: the write is a ``findAndModify`` that returns
                those fields as they were before it, still one round trip.
            expected_count: The message count an append expects, for the error.
            creating: The write creates agent ``agent_id``, for the error.

        Returns:
            The fields of ``before`` (``None`` without it).
        """
        validate_id(session_id, "session_id")
        added_bytes = max(added_bytes, 0)
        if self.settings.ttl is not None:  # expiry after inactivity: refreshed in the same write
            update.setdefault("$set", {}).update(self._expires_at())
        query: dict[str, Any] = {"_id": session_id, **(condition or {})}
        if added_bytes > 0:
            query["size_bytes"] = {"$lte": self.max_document_bytes - added_bytes}
        write = GuardedWrite(
            session_id, agent_id, added_bytes, self.max_document_bytes, expected_count, creating
        )
        with too_large_errors(write):
            if before is not None:
                previous = await self.collection().find_one_and_update(
                    query,
                    update,
                    projection={"_id": 1, **before},
                    return_document=ReturnDocument.BEFORE,
                )
                if previous is not None:
                    await self.after_write(session_id)
                    return dict(previous)
            else:
                result = await self.collection().update_one(query, update)
                if result.matched_count:
                    await self.after_write(session_id)
                    return None
        raw = await self.collection().find_one({"_id": session_id}, miss_projection(agent_id))
        explain_miss(write, raw)
