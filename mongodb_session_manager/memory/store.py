"""``MongoDBMemoryStore``: Strands' long-term ``MemoryStore`` on a MongoDB collection.

Every database call is one :class:`~mongodb_session_manager.store.memory_entries.MemoryEntryStore`
coroutine awaited on the store loop (the caller's loop keeps running); the
embedding function runs on the caller's loop. ``search`` ranks with the first
strategy of this chain the deployment can run (see ``docs/memory.md``):

1. ``vector_search``: Atlas ``$vectorSearch`` (needs ``embed`` and ``vector_index``);
2. ``text``: a ``$text`` query on the collection's text index;
3. ``vector_scan``: cosine over the newest ``candidate_limit`` entries in scope (needs ``embed``);
4. ``keyword``: Strands' token overlap over the newest ``candidate_limit`` entries
   sharing a query token (an indexed ``tokens`` field; works everywhere).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Literal, Protocol, Self

from strands.memory.extraction.types import ExtractionConfig
from strands.memory.types import AddMessagesContext, MemoryEntry, MemoryStore, SearchOptions
from strands.types.content import Message
from strands.types.tools import AgentTool

from mongodb_session_manager._defaults import DEFAULT_DATABASE
from mongodb_session_manager._twins import awaiting, blocking
from mongodb_session_manager.errors import InvalidInputError
from mongodb_session_manager.memory.documents import (
    MemoryScope,
    MemoryWriteResult,
    MongoDBSearchOptions,
    check_scope_name,
    entry_document,
    message_text,
)
from mongodb_session_manager.memory.ranking import Embed, embed_texts, run_strategy, to_entry
from mongodb_session_manager.models import utcnow
from mongodb_session_manager.store.memory_entries import MemoryEntryStore
from mongodb_session_manager.store.pool import MongoDBConnectionPool
from mongodb_session_manager.store.pool_holder import PoolHolder

__all__ = ["DEFAULT_MEMORY_COLLECTION", "STRATEGIES", "MongoDBMemoryStore", "Strategy"]

logger = logging.getLogger(__name__)

DEFAULT_MEMORY_COLLECTION = "strands_memory"
DEFAULT_MAX_SEARCH_RESULTS = 10
Strategy = Literal["auto", "vector_search", "text", "vector_scan", "keyword"]
STRATEGIES: tuple[str, ...] = ("vector_search", "text", "vector_scan", "keyword")
_VECTOR_STRATEGIES = frozenset({"vector_search", "vector_scan"})


class HasPool(Protocol):
    """Anything holding a shared pool (``MongoDBSessionManagerFactory``, a repository)."""

    @property
    def pool(self) -> MongoDBConnectionPool:
        """The shared pool."""
        ...


class MongoDBMemoryStore(PoolHolder, MemoryStore):
    """Long-term memory for Strands' ``MemoryManager``, one document per entry.

    Args:
        connection_string: MongoDB URI (ignored when ``client`` or ``pool`` is given).
        database_name: Database of the memory collection.
        collection_name: Collection of memory entries.
        client: A ``pymongo.MongoClient``, an ``AsyncMongoClient`` or a
            :class:`MongoDBConnectionPool` (never closed by the store).
        name: The store's name (``MemoryStoreConfig.name``: how tools target it).
        description: Shown in the memory tools' descriptions.
        max_search_results: Default number of results (``None``: 10).
        writable: Whether ``add`` / ``add_messages`` are accepted.
        extraction: Strands' automatic extraction (``True`` or an ``ExtractionConfig``).
            This store implements ``add_messages``, so without an ``extractor`` the
            filtered messages are stored as they are (one entry per message text).
        namespace: The entries' namespace (``None``: ``name``); stores with
            different namespaces on one collection never see each other's entries.
        user_id: Whose entries (``None``: the namespace's shared entries).
        embed: ``texts -> vectors`` (sync or async): entries get an ``embedding``
            and searches can rank by vector.
        vector_index: The Atlas Vector Search index on ``embedding`` (its filter
            fields: ``namespace``, ``user_id`` and any metadata you filter on).
        strategy: Where the search chain starts (``"auto"``: at ``vector_search``).
        candidate_limit: How many entries an in-process ranking reads at most.
        num_candidates: ``$vectorSearch``'s ``numCandidates`` (``None``: 20 x the limit).
        pool: A shared :class:`MongoDBConnectionPool` (what :meth:`from_pool` passes).
        **pool_options: PyMongo client options when a pool is created here.

    Raises:
        InvalidInputError: An empty name, namespace or user id; ``max_search_results``
            or ``candidate_limit`` below 1; an unknown strategy.
    """

    def __init__(
        self,
        connection_string: str | None = None,
        database_name: str = DEFAULT_DATABASE,
        collection_name: str = DEFAULT_MEMORY_COLLECTION,
        client: Any | None = None,
        *,
        name: str = "mongodb-memory",
        description: str | None = None,
        max_search_results: int | None = None,
        writable: bool = True,
        extraction: ExtractionConfig | bool | None = None,
        namespace: str | None = None,
        user_id: str | None = None,
        embed: Embed | None = None,
        vector_index: str | None = None,
        strategy: Strategy = "auto",
        candidate_limit: int = 1000,
        num_candidates: int | None = None,
        pool: MongoDBConnectionPool | None = None,
        **pool_options: Any,
    ) -> None:
        self.name = check_scope_name(name, "name")
        self.description = description
        self.max_search_results = _at_least_one(max_search_results, "max_search_results")
        self.writable = bool(writable)
        self.extraction = extraction
        self.namespace = check_scope_name(namespace or name, "namespace")
        self.user_id = None if user_id is None else check_scope_name(user_id, "user_id")
        self.embed = embed
        self.vector_index = vector_index
        if strategy != "auto" and strategy not in STRATEGIES:
            raise InvalidInputError(f"strategy must be 'auto' or one of {STRATEGIES}")
        self.strategy: Strategy = strategy
        self.candidate_limit = int(_at_least_one(candidate_limit, "candidate_limit") or 1)
        self.num_candidates = num_candidates
        if pool is None and connection_string is None and client is None:
            raise InvalidInputError("MongoDBMemoryStore needs a connection_string or a client")
        pool = self._hold_pool(pool, connection_string, client, pool_options)
        self.entries = MemoryEntryStore(pool, database_name, collection_name)
        """The gateway every database call goes through."""
        self._unavailable: set[str] = set()

    @classmethod
    def from_pool(cls, source: MongoDBConnectionPool | HasPool, **kwargs: Any) -> Self:
        """A store on a shared pool: a :class:`MongoDBConnectionPool` or a factory's.

        ``MongoDBMemoryStore.from_pool(factory, database_name=...)`` shares the
        session factory's pool and store loop; the pool is never closed by the store.
        """
        pool = source if isinstance(source, MongoDBConnectionPool) else source.pool
        return cls(pool=pool, **kwargs)

    def scoped(self, *, user_id: str | None = None, namespace: str | None = None) -> Self:
        """This store (same pool, same collection) for another user and/or namespace.

        Cheap (no I/O): build one per request, e.g. ``store.scoped(user_id=user)``.
        """
        clone = self._borrowing_copy()
        if namespace is not None:
            clone.namespace = check_scope_name(namespace, "namespace")
        clone.user_id = None if user_id is None else check_scope_name(user_id, "user_id")
        return clone

    @property
    def database_name(self) -> str:
        """Database of the memory collection."""
        return self.entries.database_name

    @property
    def collection_name(self) -> str:
        """Collection of memory entries."""
        return self.entries.collection_name

    # ------------------------------------------------------------------ setup

    async def _ensure_indexes(self) -> bool:
        """Create the collection's indexes (once per process); whether ``$text`` can be used."""
        has_text = await self.entries.ensure_indexes()
        if not has_text:
            self._unavailable.add("text")
        return has_text

    ensure_indexes = blocking(_ensure_indexes)
    ensure_indexes_async = awaiting(_ensure_indexes)

    async def initialize(self) -> None:
        """Create the indexes before the agent runs (``MemoryManager.init_agent`` calls it)."""
        await self.pool.call(self._ensure_indexes())

    def get_tools(self) -> list[AgentTool]:
        """No store-specific tools (``MemoryManager``'s search and add tools cover it)."""
        return []

    # ------------------------------------------------------------------ writes

    async def add(
        self, content: str, metadata: Mapping[str, Any] | None = None
    ) -> MemoryWriteResult:
        """Store ``content`` (with ``metadata``) in this store's scope; a repeat is a no-op.

        Args:
            content: The text to remember (stripped; must not be empty).
            metadata: JSON-compatible metadata, kept from the first write of this text.
                Keys starting with ``_`` are reserved for search results.

        Returns:
            The entry id and whether it was created now (one ``update`` command).

        Raises:
            InvalidInputError: The store is not writable, ``content`` is empty or
                ``metadata`` is not JSON-compatible.
        """
        return await self._write([(content, dict(metadata or {}))])

    async def add_messages(
        self, messages: list[Message], context: AddMessagesContext | None = None
    ) -> MemoryWriteResult:
        """Store each message's text as one entry (Strands' extraction without an extractor).

        Idempotent: a retried batch (Strands' extraction is at-least-once) lands on
        the same ids, whatever its sequence numbers. Messages without text are skipped.
        Each entry's metadata has ``role`` and ``source: "add_messages"``.

        Returns:
            The ids (one per message with text) and how many were new (one command).
        """
        items: list[tuple[str, dict[str, Any]]] = []
        for message in messages:
            text = message_text(message)
            if text:
                items.append((text, {"role": message.get("role"), "source": "add_messages"}))
        return await self._write(items)

    async def _write(self, items: list[tuple[str, dict[str, Any]]]) -> MemoryWriteResult:
        if not self.writable:
            raise InvalidInputError(f"memory store {self.name!r} is not writable")
        if not items:
            return MemoryWriteResult(ids=(), created=0)
        vectors: list[list[float]] | list[None] = [None] * len(items)
        if self.embed is not None:
            vectors = await embed_texts(self.embed, [text.strip() for text, _ in items])
        scope = self._scope(None)
        now = utcnow()
        documents = [
            entry_document(scope, text, metadata, now, vector)
            for (text, metadata), vector in zip(items, vectors, strict=True)
        ]
        unique = list({doc["_id"]: doc for doc in reversed(documents)}.values())
        created = await self.pool.call(self._upsert(unique))
        logger.debug(
            "memory.write | store=%s entries=%d created=%d", self.name, len(documents), created
        )
        return MemoryWriteResult(ids=tuple(doc["_id"] for doc in documents), created=created)

    async def _upsert(self, documents: list[dict[str, Any]]) -> int:
        await self._ensure_indexes()
        return sum(await self.entries.upsert_entries(documents))

    async def delete(
        self, ids: list[str] | None = None, options: MongoDBSearchOptions | None = None
    ) -> int:
        """Forget entries of this store's scope: the given ``ids``, or all of them.

        Returns:
            How many entries were deleted.
        """
        scope = self._scope(options)
        return await self.pool.call(self.entries.delete_entries(scope.filter(), ids))

    async def count(self, options: MongoDBSearchOptions | None = None) -> int:
        """How many entries this store's scope (or ``options``' scope) holds."""
        scope = self._scope(options)
        return await self.pool.call(self.entries.count(scope.filter()))

    # ------------------------------------------------------------------ search

    async def search(
        self, query: str, options: MongoDBSearchOptions | SearchOptions | None = None
    ) -> list[MemoryEntry]:
        """The entries of this store's scope that best match ``query``, best first.

        Args:
            query: Natural-language query (an empty one matches nothing).
            options: ``max_search_results``, and :class:`MongoDBSearchOptions`'
                ``namespace`` / ``user_id`` / ``metadata_filter`` when calling directly.

        Returns:
            At most ``max_search_results`` entries (option, else the store's, else
            10); each entry's metadata has ``_relevanceScore``, ``_memoryId`` and
            ``_searchStrategy`` besides the stored metadata.

        Raises:
            InvalidInputError: ``max_search_results`` below 1, a bad metadata filter key.
        """
        limit = self._limit(options)
        scope = self._scope(options)
        if not query.strip():
            return []
        if "text" not in self._unavailable:
            await self.pool.call(self._ensure_indexes())  # once: tells whether $text exists
        vector = None
        chain = self._chain(self.embed is not None)
        if self.embed is not None and chain and chain[0] in _VECTOR_STRATEGIES:
            vector = (await embed_texts(self.embed, [query]))[0]
        return await self.pool.call(self._search(scope, query, vector, limit))

    def _chain(self, has_vector: bool) -> list[str]:
        """The strategies to try, in order: from ``strategy`` on, those that can run."""
        start = 0 if self.strategy == "auto" else STRATEGIES.index(self.strategy)
        chain = [s for s in STRATEGIES[start:] if s not in self._unavailable]
        if not has_vector:
            chain = [s for s in chain if s not in _VECTOR_STRATEGIES]
        if self.vector_index is None and "vector_search" in chain:
            chain.remove("vector_search")
        return chain

    async def _search(
        self, scope: MemoryScope, query: str, vector: list[float] | None, limit: int
    ) -> list[MemoryEntry]:
        await self._ensure_indexes()
        conditions = scope.filter()
        for strategy in self._chain(vector is not None):
            found = await run_strategy(
                self.entries,
                strategy,
                conditions,
                query,
                vector,
                limit,
                vector_index=self.vector_index,
                num_candidates=self.num_candidates or 20 * limit,
                candidate_limit=self.candidate_limit,
            )
            if found is not None:
                return [to_entry(row, score, strategy) for row, score in found]
            self._unavailable.add(strategy)
            logger.info("memory.search_fallback | store=%s from=%s", self.name, strategy)
        return []  # pragma: no cover - keyword always answers

    # ------------------------------------------------------------------ plumbing

    def _limit(self, options: SearchOptions | None) -> int:
        requested = options.get("max_search_results") if options else None
        if requested is not None and requested < 1:
            raise InvalidInputError("max_search_results must be at least 1")
        return requested or self.max_search_results or DEFAULT_MAX_SEARCH_RESULTS

    def _scope(self, options: SearchOptions | MongoDBSearchOptions | None) -> MemoryScope:
        extra: Mapping[str, Any] = options or {}
        namespace = extra.get("namespace")
        user_id = extra.get("user_id")
        scope = MemoryScope(
            namespace=self.namespace
            if namespace is None
            else check_scope_name(namespace, "namespace"),
            user_id=self.user_id if user_id is None else check_scope_name(user_id, "user_id"),
            metadata_filter=extra.get("metadata_filter"),
        )
        scope.filter()  # checks the metadata filter keys before any I/O
        return scope


def _at_least_one(value: int | None, what: str) -> int | None:
    if value is not None and value < 1:
        raise InvalidInputError(f"{what} must be at least 1")
    return value
