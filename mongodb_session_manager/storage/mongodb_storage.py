"""``MongoDBStorage``: Strands' ``Storage`` protocol (bytes under keys) in MongoDB.

What ``SnapshotSessionManager``, ``Agent(storage=...)``, the context offloader
and the stash persist through. Every method is a coroutine awaited on the
library's store loop (:meth:`MongoDBConnectionPool.call`): the caller's loop (an
async agent's, or the fresh loop Strands starts per call for a sync agent) never
waits on the database. The layout and the chunking of large values are
described in :mod:`mongodb_session_manager.store.storage_values`.
"""

from __future__ import annotations

import builtins
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, Self, TypeVar

from strands.storage.search.keyword import KeywordSearchStrategy
from strands.storage.storage import _NAMESPACED, StorageSearchResult
from strands.types.exceptions import StorageError

from mongodb_session_manager._defaults import DEFAULT_DATABASE
from mongodb_session_manager.models.limits import MONGODB_MAX_DOCUMENT_BYTES, check_ttl
from mongodb_session_manager.models.storage_layout import (
    CHUNK_BYTES,
    INLINE_BYTES,
    StorageLayout,
)
from mongodb_session_manager.storage.keys import (
    normalize_key,
    normalize_namespace,
    normalize_prefix,
)
from mongodb_session_manager.storage.lifecycle import StorageLifecycle
from mongodb_session_manager.store.pool import MongoDBConnectionPool
from mongodb_session_manager.store.pool_holder import PoolHolder
from mongodb_session_manager.store.settings import StoreSettings
from mongodb_session_manager.store.storage_search import atlas_search, search_index_definition
from mongodb_session_manager.store.storage_values import StorageValueStore

if TYPE_CHECKING:
    from strands.storage.search.types import SearchStrategy

__all__ = ["DEFAULT_STORAGE_COLLECTION", "MongoDBStorage"]

logger = logging.getLogger(__name__)
T = TypeVar("T")

DEFAULT_STORAGE_COLLECTION = "strands_storage"
"""The collection ``MongoDBStorage`` uses unless told otherwise."""
_SEARCH_LIMIT = 100


class _PoolOwner(Protocol):
    """What :meth:`MongoDBStorage.from_factory` needs (a ``MongoDBSessionManagerFactory``)."""

    @property
    def pool(self) -> MongoDBConnectionPool:
        """The shared pool."""
        ...

    @property
    def settings(self) -> StoreSettings:
        """The store settings (for the database name)."""
        ...


@dataclass
class _AtlasIndex:
    """The Atlas Search index in use (``None``: none, or the deployment has none)."""

    index: str | None


class MongoDBStorage(StorageLifecycle, PoolHolder):
    """Strands ``Storage`` backed by MongoDB, on the library's shared pool and store loop.

    Args:
        connection_string: MongoDB URI (ignored when ``client`` or ``pool`` is given).
        database_name: The database.
        collection_name: The collection of the head documents (large values' chunks
            go to ``<collection_name>_chunks``).
        client: A ``pymongo.MongoClient`` (never closed by the library), a
            ``pymongo.AsyncMongoClient`` or a :class:`MongoDBConnectionPool`.
        pool: A shared :class:`MongoDBConnectionPool` (what :meth:`from_factory` passes).
        namespace: An application namespace: its keys are invisible to storages
            with another namespace (or none) on the same collection.
        ttl: Each write sets ``expires_at`` to now + ``ttl``; MongoDB's TTL monitor
            deletes the value after that. ``None``: values never expire.
        text_search: Keep a ``text`` copy of each value that fits in its document
            and answer :meth:`search` with a MongoDB text index (otherwise: Strands'
            keyword strategy, which reads every key).
        search_strategy: A Strands ``SearchStrategy`` to index writes and answer
            :meth:`search` (takes precedence over ``text_search``).
        atlas_search_index: An Atlas Search index on the ``text`` copy (implies
            ``text_search``; definition: ``MongoDBStorage.SEARCH_INDEX``). Where the
            deployment refuses ``$search``, the text index answers instead (logged
            once as ``storage.search_unavailable``).
        inline_bytes: Largest value stored in its head document.
        chunk_bytes: Bytes per chunk document of a larger value.
        **pool_options: PyMongo client options when a pool is created here.

    Raises:
        StorageError: A bad namespace or size setting.
        InvalidInputError: ``ttl`` is not a positive ``timedelta``.

    Example:
        ```python
        from strands import Agent
        from strands.session import SnapshotSessionManager
        from mongodb_session_manager import MongoDBStorage

        storage = MongoDBStorage("mongodb://localhost:27017", database_name="app")
        agent = Agent(session_manager=SnapshotSessionManager("user-1", storage=storage))
        ```
    """

    SEARCH_INDEX: ClassVar[dict[str, Any]] = search_index_definition()
    """The Atlas Search index definition ``atlas_search_index`` expects."""

    def __init__(
        self,
        connection_string: str | None = None,
        database_name: str = DEFAULT_DATABASE,
        collection_name: str = DEFAULT_STORAGE_COLLECTION,
        client: Any | None = None,
        *,
        pool: MongoDBConnectionPool | None = None,
        namespace: str | None = None,
        ttl: timedelta | None = None,
        text_search: bool = False,
        search_strategy: SearchStrategy[Any] | None = None,
        atlas_search_index: str | None = None,
        inline_bytes: int = INLINE_BYTES,
        chunk_bytes: int = CHUNK_BYTES,
        **pool_options: Any,
    ) -> None:
        if not 0 < chunk_bytes <= inline_bytes <= MONGODB_MAX_DOCUMENT_BYTES - 64 * 1024:
            raise StorageError(
                "need 0 < chunk_bytes <= inline_bytes <= 16 MiB - 64 KiB, "
                f"got chunk_bytes={chunk_bytes} inline_bytes={inline_bytes}"
            )
        layout = StorageLayout(
            namespace=normalize_namespace(namespace),
            inline_bytes=inline_bytes,
            chunk_bytes=chunk_bytes,
            ttl=check_ttl(ttl),
            text=text_search or atlas_search_index is not None,
        )
        pool = self._hold_pool(pool, connection_string, client, pool_options)
        self.store = StorageValueStore(pool, database_name, collection_name, layout)
        self._search_strategy = search_strategy
        self._atlas = _AtlasIndex(atlas_search_index)  # shared by namespace views
        self._prefix = ""

    @classmethod
    def from_factory(
        cls,
        factory: _PoolOwner,
        *,
        database_name: str | None = None,
        collection_name: str = DEFAULT_STORAGE_COLLECTION,
        **options: Any,
    ) -> Self:
        """A storage on ``factory``'s pool (shared, not owned) and database.

        Args:
            factory: The session manager factory whose pool and store loop to use.
            database_name: Overrides the factory's database.
            collection_name: The storage collection.
            **options: The other keyword arguments of :class:`MongoDBStorage`.
        """
        return cls(
            database_name=database_name or factory.settings.database_name,
            collection_name=collection_name,
            pool=factory.pool,
            **options,
        )

    # ---------------------------------------------------------------- settings

    @property
    def database_name(self) -> str:
        """The database."""
        return self.store.database_name

    @property
    def collection_name(self) -> str:
        """The head documents' collection."""
        return self.store.collection_name

    @property
    def application_namespace(self) -> str | None:
        """The application namespace (``None``: none)."""
        return self.store.layout.namespace or None

    @property
    def ttl(self) -> timedelta | None:
        """How long after its last write a value expires (``None``: never)."""
        return self.store.layout.ttl

    # ---------------------------------------------------------------- the protocol

    async def _call(
        self, what: str, op: Callable[[], Coroutine[Any, Any, T]], *, prepare: bool = True
    ) -> T:
        """Run ``op()`` on the store loop; failures as StorageError.

        With ``prepare``, the indexes are ensured first (once per process). Reads skip
        it: a read-only process (the viewer) never creates a collection or an index.
        """
        store = self.store

        async def on_store() -> T:
            if prepare:
                await store.prepare()
            return await op()

        try:
            return await self.pool.call(on_store())
        except StorageError:
            raise
        except Exception as error:
            logger.warning("storage.failed | operation=%s error=%s", what, type(error).__name__)
            raise StorageError(f"Failed to {what}") from error

    async def write(self, key: str, data: bytes) -> None:
        """Store ``data`` under ``key``, overwriting any existing value.

        One round trip for a value that fits in a document; a larger one is
        chunked, and readers see either the old or the new value, never a mix.

        Args:
            key: The key (Strands' key rules apply).
            data: The bytes to persist.

        Raises:
            StorageError: The key is invalid or the write fails.
        """
        normalized = normalize_key(key)
        await self._call(
            f"write '{key}'", lambda: self.store.put(self._prefix + normalized, bytes(data))
        )
        if self._search_strategy is not None:
            try:
                await self._search_strategy.index(self, normalized, data)
            except Exception as error:
                raise StorageError(f"Wrote '{key}' but indexing failed") from error

    async def read(self, key: str) -> bytes | None:
        """The bytes stored under ``key``, or ``None`` if there are none.

        Raises:
            StorageError: The key is invalid or the read fails.
        """
        normalized = normalize_key(key)
        return await self._call(
            f"read '{key}'", lambda: self.store.get(self._prefix + normalized), prepare=False
        )

    async def delete(self, key: str) -> None:
        """Delete the value under ``key``; a no-op if there is none.

        Raises:
            StorageError: The key is invalid or the delete fails.
        """
        normalized = normalize_key(key)
        await self._call(
            f"delete '{key}'", lambda: self.store.remove(self._prefix + normalized), prepare=False
        )

    async def list(self, query: str = "") -> builtins.list[str]:
        """The full keys starting with ``query``, sorted ascending (``""``: every key).

        One query: an anchored, escaped regular expression on the ``_id`` index.

        Raises:
            StorageError: The prefix is invalid or the listing fails.
        """
        prefix = normalize_prefix(query)
        keys = await self._call(
            f"list keys with prefix '{query}'",
            lambda: self.store.keys(self._prefix + prefix),
            prepare=False,
        )
        return [key[len(self._prefix) :] for key in keys]

    async def search(self, query: str) -> builtins.list[StorageSearchResult]:
        """Stored values matching ``query``, best first.

        With a ``search_strategy``: that strategy. With ``atlas_search_index``: Atlas
        Search on that index, where the deployment has it. With ``text_search``: the
        MongoDB text index (values that fit in a document) where the server has text
        indexes. Otherwise Strands' keyword token-overlap strategy.

        Raises:
            StorageError: The text search fails.
        """
        if self._search_strategy is not None:
            return await self._search_strategy.search(self, query)
        found = None
        if self._atlas.index is not None:
            found = await self._call(
                f"search '{query}'",
                lambda: atlas_search(
                    self.store, str(self._atlas.index), query, self._prefix, _SEARCH_LIMIT
                ),
            )
            if found is None:
                self._atlas.index = None  # not on this deployment: said once, not retried
        if found is None:
            if not self.store.layout.text or not self.store.backend.text_search:
                # No text index on this server (mongomock): Strands' keyword strategy.
                return await KeywordSearchStrategy().search(self, query)
            found = await self._call(
                f"search '{query}'",
                lambda: self.store.text_search(query, self._prefix, _SEARCH_LIMIT),
            )
        return [
            StorageSearchResult(key=key[len(self._prefix) :], score=score, data=data)
            for key, score, data in found
        ]

    def namespace(self, prefix: str) -> MongoDBStorage:
        """A view of this storage scoped to keys under ``prefix`` (same pool and collection).

        Like the shipped backends' ``namespace()``: nests, and Strands constructs
        given the view do not add their own prefix.

        Raises:
            StorageError: The prefix is invalid.
        """
        normalized = normalize_prefix(prefix).rstrip("/")
        scoped = self._borrowing_copy()
        scoped._prefix = f"{self._prefix}{normalized}/" if normalized else self._prefix
        # Strands' mark of a namespaced view: its constructs then add no prefix of their own.
        scoped._namespaced = _NAMESPACED  # type: ignore[attr-defined]
        return scoped
