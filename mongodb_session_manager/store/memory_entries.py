"""The long-term memory collection: one document per memory entry (``MongoDBMemoryStore``).

A document::

    {"_id": "<sha256 of scope + text>", "text": "...", "namespace": "...",
     "user_id": "..." | None, "metadata": {...}, "tokens": ["dark", "mode"],
     "created_at": <datetime>, "embedding": [0.1, ...]}   # embedding optional

``_id`` is derived from the scope and the normalised text (see
``mongodb_session_manager/memory/documents.py``), so a repeated write is an upsert
that changes nothing (``$setOnInsert``). Searches are one command each: a
``$vectorSearch`` aggregation, a ``$text`` find, or a bounded find of candidates
ranked by the caller. A search the server cannot run returns ``None`` (the caller
falls back to the next strategy and logs why).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel, UpdateOne
from pymongo.errors import OperationFailure

from mongodb_session_manager.store.gateway import CollectionGateway

__all__ = ["ENTRY_PROJECTION", "MemoryEntryStore", "memory_indexes"]

logger = logging.getLogger(__name__)

ENTRY_PROJECTION: dict[str, Any] = {
    "text": 1,
    "namespace": 1,
    "user_id": 1,
    "metadata": 1,
    "created_at": 1,
}
"""The fields a search returns (never the embedding unless it is needed)."""

_TEXT_INDEX = "memory_text"


def memory_indexes() -> list[IndexModel]:
    """The regular indexes: scope + recency, scope + keyword tokens."""
    return [
        IndexModel(
            [("namespace", ASCENDING), ("user_id", ASCENDING), ("created_at", DESCENDING)],
            name="memory_scope_recent",
        ),
        IndexModel(
            [("namespace", ASCENDING), ("user_id", ASCENDING), ("tokens", ASCENDING)],
            name="memory_scope_tokens",
        ),
    ]


class MemoryEntryStore(CollectionGateway):
    """The gateway of one memory collection (every call runs on the store loop)."""

    async def ensure_indexes(self) -> bool:
        """Create the scope indexes and the text index unless this process already did.

        Returns:
            Whether a text index exists (``False`` when the server refused one: the
            store then ranks without ``$text``; the refusal is logged).
        """
        key = (self.database_name, self.collection_name, ("memory",))
        text_key = (self.database_name, self.collection_name, ("memory", "text"))
        if self.pool.is_indexed(*key):
            return self.pool.is_indexed(*text_key)
        collection = self.collection()
        await collection.create_indexes(memory_indexes())
        has_text = False
        if self.backend.text_search:
            try:
                await collection.create_index(
                    [("text", "text")], name=_TEXT_INDEX, default_language="english"
                )
                has_text = True
            except OperationFailure as exc:
                logger.warning(
                    "memory.text_index_unavailable | database=%s collection=%s reason=%s",
                    self.database_name,
                    self.collection_name,
                    exc.details.get("errmsg") if exc.details else str(exc),
                )
        self.pool.mark_indexed(*key)
        if has_text:
            self.pool.mark_indexed(*text_key)
        logger.info(
            "indexes.ensured | database=%s collection=%s text_index=%s",
            self.database_name,
            self.collection_name,
            has_text,
        )
        return has_text

    async def upsert_entries(self, documents: Sequence[Mapping[str, Any]]) -> list[bool]:
        """Insert the documents whose ``_id`` is new; keep the others as they are.

        One ``update`` command with every upsert (unordered) where the backend has
        bulk writes, else one per document.

        Returns:
            For each document, whether it was created now.
        """
        if not documents:
            return []
        collection = self.collection()
        if self.backend.bulk_writes:
            requests = [
                UpdateOne({"_id": doc["_id"]}, {"$setOnInsert": dict(doc)}, upsert=True)
                for doc in documents
            ]
            result = await collection.bulk_write(requests, ordered=False)
            created = set(result.upserted_ids or {})
            return [index in created for index in range(len(documents))]
        flags = []
        for doc in documents:
            one = await collection.update_one(
                {"_id": doc["_id"]}, {"$setOnInsert": dict(doc)}, upsert=True
            )
            flags.append(one.upserted_id is not None)
        return flags

    async def text_search(
        self, scope: Mapping[str, Any], query: str, limit: int
    ) -> list[dict[str, Any]] | None:
        """The best ``limit`` entries for ``query`` by ``$text`` score (one ``find``).

        Each row has ``score`` (the text score). ``None``: the server cannot run
        ``$text`` here (no text index, an operator it lacks). A server that answers
        a ``$meta`` projection with the score only (the embedded test server) costs
        one more ``find`` for the fields.
        """
        projection = {**ENTRY_PROJECTION, "score": {"$meta": "textScore"}}
        cursor = (
            self.collection()
            .find({**scope, "$text": {"$search": query}}, projection)
            .sort([("score", {"$meta": "textScore"}), ("created_at", DESCENDING)])
            .limit(limit)
        )
        try:
            rows: list[dict[str, Any]] = await cursor.to_list(None)
        except OperationFailure as exc:
            _unavailable("text", self.collection_name, exc)
            return None
        if any("text" not in row for row in rows):
            found = self.collection().find(
                {"_id": {"$in": [r["_id"] for r in rows]}}, ENTRY_PROJECTION
            )
            by_id = {row["_id"]: row for row in await found.to_list(None)}
            rows = [{**by_id[r["_id"]], "score": r["score"]} for r in rows if r["_id"] in by_id]
        return rows

    async def vector_search(
        self,
        scope: Mapping[str, Any],
        vector: Sequence[float],
        *,
        index: str,
        limit: int,
        num_candidates: int,
    ) -> list[dict[str, Any]] | None:
        """The ``limit`` nearest entries by Atlas ``$vectorSearch`` (one ``aggregate``).

        Each row has ``score`` (``vectorSearchScore``). ``None``: the deployment has
        no such vector index (or no ``$vectorSearch`` at all).
        """
        if not self.backend.vector_search:
            logger.warning(
                "memory.search_unavailable | strategy=vector_search collection=%s code=None "
                "reason=the backend has no $vectorSearch",
                self.collection_name,
            )
            return None
        stage: dict[str, Any] = {
            "index": index,
            "path": "embedding",
            "queryVector": list(vector),
            "numCandidates": max(num_candidates, limit),
            "limit": limit,
        }
        if scope:
            stage["filter"] = dict(scope)
        pipeline = [
            {"$vectorSearch": stage},
            {"$project": {**ENTRY_PROJECTION, "score": {"$meta": "vectorSearchScore"}}},
        ]
        try:
            return await self.aggregate(pipeline)
        except OperationFailure as exc:
            _unavailable("vector_search", self.collection_name, exc)
            return None

    async def candidates(
        self,
        scope: Mapping[str, Any],
        limit: int,
        *,
        tokens: Sequence[str] | None = None,
        with_embedding: bool = False,
    ) -> list[dict[str, Any]]:
        """The newest ``limit`` entries in ``scope`` (one ``find``, one batch).

        Args:
            scope: The scope (and metadata) conditions.
            limit: At most this many (the bounded candidate set).
            tokens: Only entries sharing one of these keyword tokens.
            with_embedding: Only entries with an embedding, and return it.
        """
        filter: dict[str, Any] = dict(scope)
        projection = dict(ENTRY_PROJECTION)
        if tokens is not None:
            filter["tokens"] = {"$in": list(tokens)}
            projection["tokens"] = 1
        if with_embedding:
            filter["embedding"] = {"$exists": True}
            projection["embedding"] = 1
        cursor = (
            self.collection()
            .find(filter, projection, batch_size=limit)
            .sort("created_at", DESCENDING)
            .limit(limit)
        )
        rows: list[dict[str, Any]] = await cursor.to_list(None)
        return rows

    async def delete_entries(self, scope: Mapping[str, Any], ids: Sequence[str] | None) -> int:
        """Delete the entries of ``scope`` (only ``ids`` if given); how many went."""
        filter: dict[str, Any] = dict(scope)
        if ids is not None:
            filter["_id"] = {"$in": list(ids)}
        return await self.delete_many(filter)


def _unavailable(strategy: str, collection: str, exc: OperationFailure) -> None:
    """Log that a search strategy is not available on this deployment."""
    reason = exc.details.get("errmsg") if exc.details else str(exc)
    logger.warning(
        "memory.search_unavailable | strategy=%s collection=%s code=%s reason=%s",
        strategy,
        collection,
        exc.code,
        reason,
    )
