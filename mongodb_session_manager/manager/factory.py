"""A factory for stateless servers: one pool, many cheap managers.

Create the factory once at start-up (it opens the pool and creates the indexes),
then build a manager per request: opening an existing session is one read.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from mongodb_session_manager.manager.manager import Hook, MongoDBSessionManager
from mongodb_session_manager.models import DEFAULT_COLLECTION, DEFAULT_DATABASE
from mongodb_session_manager.repository.repository import (
    DEFAULT_MAX_DOCUMENT_BYTES,
    MongoDBSessionRepository,
    check_max_document_bytes,
    check_ttl,
)
from mongodb_session_manager.store.pool import MongoDBConnectionPool

logger = logging.getLogger(__name__)


class MongoDBSessionManagerFactory:
    """Builds :class:`MongoDBSessionManager` objects that share one connection pool.

    Args:
        connection_string: MongoDB URI.
        database_name: Database of the sessions collection.
        collection_name: Collection of session documents.
        client: An existing async client instead of a URI.
        metadata_hook: Default metadata hook of the managers it builds.
        feedback_hook: Default feedback hook of the managers it builds.
        application_name: Stored on sessions created through this factory.
        metadata_fields: Metadata fields to index.
        max_document_bytes: Size limit of a session document.
        ttl: Expire sessions this long after their last write (``expires_at`` + a TTL
            index; every write refreshes it); a manager may override it. ``None``: never.
        keep_original: Managers keep a redacted message's original (``True``, Strands'
            behaviour) or erase it in the redaction write (``False``); a manager may
            override it.
        **pool_options: PyMongo client options (``maxPoolSize`` ...).
    """

    def __init__(
        self,
        connection_string: str | None = None,
        database_name: str = DEFAULT_DATABASE,
        collection_name: str = DEFAULT_COLLECTION,
        client: Any | None = None,
        metadata_hook: Hook | None = None,
        feedback_hook: Hook | None = None,
        *,
        application_name: str | None = None,
        metadata_fields: Sequence[str] | None = None,
        max_document_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES,
        ensure_indexes: bool = True,
        ttl: timedelta | None = None,
        keep_original: bool = True,
        **pool_options: Any,
    ) -> None:
        self.keep_original = bool(keep_original)
        self._setup(
            connection_string,
            database_name,
            collection_name,
            client,
            metadata_hook,
            feedback_hook,
            application_name,
            metadata_fields,
            max_document_bytes,
            pool_options,
            ttl,
        )
        if ensure_indexes:
            self.repository.ensure_indexes()

    @classmethod
    async def create_async(
        cls, *args: Any, ensure_indexes: bool = True, **kwargs: Any
    ) -> MongoDBSessionManagerFactory:
        """Build a factory without blocking the running event loop."""
        self = cls(*args, ensure_indexes=False, **kwargs)
        if ensure_indexes:
            await self.repository.ensure_indexes_async()
        return self

    def _setup(
        self,
        connection_string: str | None,
        database_name: str,
        collection_name: str,
        client: Any | None,
        metadata_hook: Hook | None,
        feedback_hook: Hook | None,
        application_name: str | None,
        metadata_fields: Sequence[str] | None,
        max_document_bytes: int,
        pool_options: dict[str, Any],
        ttl: timedelta | None = None,
    ) -> None:
        check_ttl(ttl)  # before acquiring the pool: a bad ttl leaves nothing open
        check_max_document_bytes(max_document_bytes)
        self.pool = MongoDBConnectionPool.acquire(connection_string, client=client, **pool_options)
        self.repository = MongoDBSessionRepository(
            database_name=database_name,
            collection_name=collection_name,
            pool=self.pool,
            application_name=application_name,
            metadata_fields=tuple(metadata_fields or ()),
            max_document_bytes=max_document_bytes,
            ttl=ttl,
        )
        self.metadata_hook = metadata_hook
        self.feedback_hook = feedback_hook
        self._closed = False

    def _manager_kwargs(self, overrides: dict[str, Any]) -> dict[str, Any]:
        if self._closed:
            from mongodb_session_manager.errors import StoreClosedError

            raise StoreClosedError("the session manager factory is closed")
        kwargs: dict[str, Any] = {
            "repository": self.repository,
            "metadata_hook": self.metadata_hook,
            "feedback_hook": self.feedback_hook,
            "keep_original": self.keep_original,
        }
        kwargs.update(overrides)
        return kwargs

    def create_session_manager(self, session_id: str, **kwargs: Any) -> MongoDBSessionManager:
        """A manager for ``session_id`` on the shared pool (one read if it exists).

        ``kwargs`` are the manager's (``preload_agents``, ``ttl``, ``create`` ...);
        ``create=False``: a missing session raises :class:`SessionNotFoundError`
        and nothing is written.
        """
        return MongoDBSessionManager(session_id, **self._manager_kwargs(kwargs))

    async def create_session_manager_async(
        self, session_id: str, **kwargs: Any
    ) -> MongoDBSessionManager:
        """Async twin of :meth:`create_session_manager` (never blocks the loop).

        ``create=False`` (read-only code): a missing session raises
        :class:`SessionNotFoundError` and nothing is written.
        """
        return await MongoDBSessionManager.create_async(session_id, **self._manager_kwargs(kwargs))

    def get_connection_stats(self) -> dict[str, Any]:
        """The shared pool's figures."""
        return self.pool.get_pool_stats()

    def close(self) -> None:
        """Release the shared pool."""
        if not self._closed:
            self._closed = True
            self.pool.release()

    async def close_async(self) -> None:
        """Async twin of :meth:`close`."""
        self.close()


# ---------------------------------------------------------------------- process-wide factory

_global_factory: MongoDBSessionManagerFactory | None = None
_global_lock = threading.Lock()


def initialize_global_factory(*args: Any, **kwargs: Any) -> MongoDBSessionManagerFactory:
    """Create the process-wide factory (once; later calls return the same one)."""
    global _global_factory
    with _global_lock:
        if _global_factory is None or _global_factory._closed:
            _global_factory = MongoDBSessionManagerFactory(*args, **kwargs)
        else:
            logger.info("factory.global.exists | reusing the initialized global factory")
        return _global_factory


async def initialize_global_factory_async(
    *args: Any, **kwargs: Any
) -> MongoDBSessionManagerFactory:
    """Async twin of :func:`initialize_global_factory` (for FastAPI lifespans)."""
    global _global_factory
    if _global_factory is not None and not _global_factory._closed:
        return _global_factory
    factory = await MongoDBSessionManagerFactory.create_async(*args, **kwargs)
    with _global_lock:
        if _global_factory is None or _global_factory._closed:
            _global_factory = factory
            return factory
    factory.close()
    return _global_factory


def get_global_factory() -> MongoDBSessionManagerFactory:
    """The process-wide factory; raises ``RuntimeError`` if it was not initialized."""
    if _global_factory is None or _global_factory._closed:
        raise RuntimeError(
            "the global session manager factory is not initialized; call "
            "initialize_global_factory(...) at start-up"
        )
    return _global_factory


def close_global_factory() -> None:
    """Close the process-wide factory (if any)."""
    global _global_factory
    with _global_lock:
        factory, _global_factory = _global_factory, None
    if factory is not None:
        factory.close()


async def close_global_factory_async() -> None:
    """Async twin of :func:`close_global_factory`."""
    await asyncio.sleep(0)
    close_global_factory()


def create_mongodb_session_manager(
    session_id: str,
    connection_string: str | None = None,
    database_name: str = DEFAULT_DATABASE,
    collection_name: str = DEFAULT_COLLECTION,
    **kwargs: Any,
) -> MongoDBSessionManager:
    """Convenience constructor: a manager on the shared pool for ``connection_string``."""
    return MongoDBSessionManager(
        session_id, connection_string, database_name, collection_name, **kwargs
    )


async def create_mongodb_session_manager_async(
    session_id: str,
    connection_string: str | None = None,
    database_name: str = DEFAULT_DATABASE,
    collection_name: str = DEFAULT_COLLECTION,
    **kwargs: Any,
) -> MongoDBSessionManager:
    """Async twin of :func:`create_mongodb_session_manager`."""
    return await MongoDBSessionManager.create_async(
        session_id, connection_string, database_name, collection_name, **kwargs
    )
