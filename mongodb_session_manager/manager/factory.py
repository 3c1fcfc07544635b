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

from mongodb_session_manager.errors import InvalidInputError, StoreClosedError
from mongodb_session_manager.manager.manager import Hook, MongoDBSessionManager
from mongodb_session_manager.models import DEFAULT_COLLECTION, DEFAULT_DATABASE
from mongodb_session_manager.models.limits import DEFAULT_MAX_DOCUMENT_BYTES
from mongodb_session_manager.repository.repository import MongoDBSessionRepository
from mongodb_session_manager.store.pool import MongoDBConnectionPool
from mongodb_session_manager.store.settings import StoreSettings

logger = logging.getLogger(__name__)


class MongoDBSessionManagerFactory:
    """Builds :class:`MongoDBSessionManager` objects that share one connection pool.

    Args:
        connection_string: MongoDB URI.
        database_name: Database of the sessions collection.
        collection_name: Collection of session documents.
        client: A ``pymongo.MongoClient`` (never closed by the library), a
            ``pymongo.AsyncMongoClient`` or a :class:`MongoDBConnectionPool`.
        metadata_fields: Metadata fields to index.
        application_name: Stored on sessions created through this factory.
        metadata_hook: Default metadata hook of the managers it builds.
        feedback_hook: Default feedback hook of the managers it builds.
        max_document_bytes: Size limit of a session document.
        ttl: Expire sessions this long after their last write (``expires_at`` + a TTL
            index; every write refreshes it); a manager may override it. ``None``: never.
        keep_original: Managers keep a redacted message's original (``True``, Strands'
            behaviour) or erase it in the redaction write (``False``); a manager may
            override it.
        **pool_options: PyMongo client options (``maxPoolSize`` ...).

    Raises:
        InvalidInputError: Neither ``connection_string`` nor ``client`` was given
            (a ``ValueError``, as in the reference library).
        TypeError: ``client`` is not one of the accepted kinds.
    """

    def __init__(
        self,
        connection_string: str | None = None,
        database_name: str = DEFAULT_DATABASE,
        collection_name: str = DEFAULT_COLLECTION,
        client: Any | None = None,
        metadata_fields: Sequence[str] | None = None,
        application_name: str | None = None,
        *,
        metadata_hook: Hook | None = None,
        feedback_hook: Hook | None = None,
        max_document_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES,
        ensure_indexes: bool = True,
        ttl: timedelta | None = None,
        keep_original: bool = True,
        **pool_options: Any,
    ) -> None:
        # Checked (ttl, size limit, metadata field paths) before the pool is acquired.
        settings = StoreSettings.from_arguments(locals())
        if connection_string is None and client is None:
            raise InvalidInputError(
                "MongoDBSessionManagerFactory needs a connection_string or a client"
            )
        self.keep_original = bool(keep_original)
        self.metadata_hook = metadata_hook
        self.feedback_hook = feedback_hook
        self.pool = MongoDBConnectionPool.acquire(connection_string, client=client, **pool_options)
        self.repository = MongoDBSessionRepository.from_settings(settings, self.pool)
        self._closed = False
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

    @property
    def settings(self) -> StoreSettings:
        """The store settings of the managers it builds (unless overridden per call)."""
        return self.repository.settings

    def _manager_kwargs(
        self,
        database_name: str | None,
        collection_name: str | None,
        metadata_fields: Sequence[str] | None,
        application_name: str | None,
        kwargs: dict[str, Any],
    ) -> dict[str, Any]:
        """The manager's keyword arguments: the factory's, with this call's overrides."""
        if self._closed:
            raise StoreClosedError("the session manager factory is closed")
        repository = self._repository_for(database_name, collection_name, metadata_fields)
        if application_name is not None:
            kwargs["application_name"] = application_name
        return {
            "repository": repository,
            "metadata_hook": self.metadata_hook,
            "feedback_hook": self.feedback_hook,
            "keep_original": self.keep_original,
            **kwargs,
        }

    def _repository_for(
        self,
        database_name: str | None,
        collection_name: str | None,
        metadata_fields: Sequence[str] | None,
    ) -> MongoDBSessionRepository:
        """The factory's repository, or one on the same pool for the overridden place."""
        base = self.repository
        if database_name is None and collection_name is None and metadata_fields is None:
            return base
        settings = base.settings.with_overrides(
            database_name=database_name or base.database_name,
            collection_name=collection_name or base.collection_name,
            metadata_fields=tuple(metadata_fields or base.metadata_fields),
        )
        return MongoDBSessionRepository.from_settings(settings, self.pool)

    def create_session_manager(
        self,
        session_id: str,
        database_name: str | None = None,
        collection_name: str | None = None,
        metadata_fields: Sequence[str] | None = None,
        application_name: str | None = None,
        **kwargs: Any,
    ) -> MongoDBSessionManager:
        """A manager for ``session_id`` on the shared pool (one read if it exists).

        Args:
            session_id: The conversation's id.
            database_name: Overrides the factory's database for this manager.
            collection_name: Overrides the factory's collection for this manager.
            metadata_fields: Overrides the factory's indexed metadata fields.
            application_name: Overrides the factory's application name.
            **kwargs: Passed to :class:`MongoDBSessionManager` (hooks, ``ttl``,
                ``create``: ``False`` makes a missing session a
                :class:`SessionNotFoundError` and writes nothing).
        """
        overrides = self._manager_kwargs(
            database_name, collection_name, metadata_fields, application_name, kwargs
        )
        return MongoDBSessionManager(session_id, **overrides)

    async def create_session_manager_async(
        self,
        session_id: str,
        database_name: str | None = None,
        collection_name: str | None = None,
        metadata_fields: Sequence[str] | None = None,
        application_name: str | None = None,
        **kwargs: Any,
    ) -> MongoDBSessionManager:
        """Async twin of :meth:`create_session_manager` (never blocks the loop)."""
        overrides = self._manager_kwargs(
            database_name, collection_name, metadata_fields, application_name, kwargs
        )
        return await MongoDBSessionManager.create_async(session_id, **overrides)

    def get_connection_stats(self) -> dict[str, Any]:
        """The shared pool's figures (``status``, options, users, command counts)."""
        stats: dict[str, Any] = self.pool.get_pool_stats()
        return stats

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


def initialize_global_factory(
    connection_string: str | None = None,
    database_name: str = DEFAULT_DATABASE,
    collection_name: str = DEFAULT_COLLECTION,
    metadata_fields: Sequence[str] | None = None,
    application_name: str | None = None,
    **client_kwargs: Any,
) -> MongoDBSessionManagerFactory:
    """Create the process-wide factory; a second call replaces it and closes the old one.

    ``client_kwargs`` are PyMongo client options, or any other keyword argument of
    :class:`MongoDBSessionManagerFactory` (``client=``, hooks, ``ttl``...).
    """
    factory = MongoDBSessionManagerFactory(
        connection_string,
        database_name,
        collection_name,
        metadata_fields=metadata_fields,
        application_name=application_name,
        **client_kwargs,
    )
    _install_global(factory)
    return factory


async def initialize_global_factory_async(
    connection_string: str | None = None,
    database_name: str = DEFAULT_DATABASE,
    collection_name: str = DEFAULT_COLLECTION,
    metadata_fields: Sequence[str] | None = None,
    application_name: str | None = None,
    **client_kwargs: Any,
) -> MongoDBSessionManagerFactory:
    """Async twin of :func:`initialize_global_factory` (for FastAPI lifespans)."""
    factory = await MongoDBSessionManagerFactory.create_async(
        connection_string,
        database_name,
        collection_name,
        metadata_fields=metadata_fields,
        application_name=application_name,
        **client_kwargs,
    )
    _install_global(factory)
    return factory


def _install_global(factory: MongoDBSessionManagerFactory) -> None:
    """Make ``factory`` the global one; close the one it replaces (as the reference did)."""
    global _global_factory
    with _global_lock:
        previous, _global_factory = _global_factory, factory
    if previous is not None and previous is not factory and not previous._closed:
        logger.info("factory.global.replaced | the previous global factory is closed")
        previous.close()


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
