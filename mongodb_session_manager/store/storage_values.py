"""The gateway of ``MongoDBStorage``: bytes under keys, one head document per key.

The layout is :mod:`mongodb_session_manager.models.storage_layout`. A value that
fits is written, read and deleted in one command. A larger one is chunked
atomically from a reader's point of view: its chunks are inserted under a fresh
version first, then the head is switched to that version in one write (which
returns the version it replaced), and only then are the old chunks deleted. A
reader takes the version its head names and reads only that version's chunks;
if they are gone (a newer write replaced them meanwhile) it reads the head again.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from typing import Any

import pymongo
from pymongo import IndexModel, ReturnDocument

from mongodb_session_manager.models.storage_layout import StorageLayout, chunks_collection
from mongodb_session_manager.store.gateway import CollectionGateway
from mongodb_session_manager.store.pool import MongoDBConnectionPool

__all__ = ["TEXT_INDEX", "StorageValueStore"]

logger = logging.getLogger(__name__)

TEXT_INDEX = "text_search"
_HEAD_PROJECTION = {"data": 1, "chunks": 1, "size": 1}
_READ_ATTEMPTS = 5


class StorageValueStore(CollectionGateway):
    """Storage values in ``collection_name`` (heads) and ``<collection_name>_chunks``.

    Args:
        pool: The pool the commands run on.
        database_name: The database.
        collection_name: The head documents' collection.
        layout: Namespace, size limits, expiry and text rules.
    """

    def __init__(
        self,
        pool: MongoDBConnectionPool,
        database_name: str,
        collection_name: str,
        layout: StorageLayout,
    ) -> None:
        super().__init__(pool, database_name, collection_name)
        self.layout = layout

    def _chunks(self) -> Any:
        return self.other(chunks_collection(self.collection_name))

    async def prepare(self) -> None:
        """Create the indexes unless this process already did (a few commands, once)."""
        name = self.collection_name
        marker = ("storage", "text") if self.layout.text else ("storage",)
        if self.pool.is_indexed(self.database_name, name, marker):
            return
        ttl = IndexModel([("expires_at", pymongo.ASCENDING)], expireAfterSeconds=0)
        await self.collection().create_indexes(
            [IndexModel([("namespace", pymongo.ASCENDING), ("_id", pymongo.ASCENDING)]), ttl]
        )
        await self._chunks().create_indexes(
            [
                IndexModel(
                    [
                        ("head", pymongo.ASCENDING),
                        ("version", pymongo.ASCENDING),
                        ("n", pymongo.ASCENDING),
                    ]
                ),
                ttl,
            ]
        )
        if self.layout.text and self.backend.text_search:
            await self.collection().create_indexes(
                [
                    IndexModel(
                        [("namespace", pymongo.ASCENDING), ("text", pymongo.TEXT)],
                        name=TEXT_INDEX,
                    )
                ]
            )
        self.pool.mark_indexed(self.database_name, name, marker)
        logger.info("storage.indexes_ensured | database=%s collection=%s", self.database_name, name)

    async def put(self, key: str, data: bytes) -> None:
        """Store ``data`` under ``key`` (one command when it fits in a document)."""
        layout = self.layout
        now = datetime.now(UTC)
        stored_id = layout.stored_id(key)
        if layout.fits_inline(data):
            before = await self._switch(layout.head(key, data, now, None))
            await self._drop_chunks(stored_id, before)
            return
        version = uuid.uuid4().hex
        documents = layout.chunk_documents(key, data, version, now)
        try:
            # The driver splits the batch into messages of at most 48 MB.
            await self._chunks().insert_many(documents, ordered=True)
            before = await self._switch(layout.head(key, data, now, (version, len(documents))))
        except BaseException:
            await self._drop_version(stored_id, version)
            raise
        await self._drop_chunks(stored_id, before)

    async def _switch(self, head: dict[str, Any]) -> dict[str, Any] | None:
        """Replace the head in one write; the replaced head's ``chunks`` (``None``: new key)."""
        before: dict[str, Any] | None = await self.collection().find_one_and_replace(
            {"_id": head["_id"]},
            head,
            projection={"chunks": 1},
            upsert=True,
            return_document=ReturnDocument.BEFORE,
        )
        return before

    async def _drop_version(self, stored_id: str, version: str) -> None:
        """Best-effort delete of a failed write's chunks, unless its head switch did land.

        A write whose reply was lost may still have switched the head: then the chunks
        are the value and stay. Logged (not raised) when the cleanup fails too.
        """
        try:
            named = await self.collection().find_one(
                {"_id": stored_id, "chunks.version": version}, {"_id": 1}
            )
        except Exception as error:
            _orphaned(stored_id, version, error)
            return
        if named is None:
            await self._drop_chunks(stored_id, {"chunks": {"version": version}})

    async def get(self, key: str) -> bytes | None:
        """The bytes under ``key``, or ``None`` (one command when they fit in a document)."""
        stored_id = self.layout.stored_id(key)
        for _ in range(_READ_ATTEMPTS):
            head = await self.collection().find_one({"_id": stored_id}, _HEAD_PROJECTION)
            if head is None:
                return None
            if head.get("chunks") is None:
                return bytes(head.get("data") or b"")
            value = await self._assemble(stored_id, head)
            if value is not None:
                return value
            logger.info("storage.read_retried | key=%s reason=replaced_while_reading", key)
        raise RuntimeError(f"value of {key!r} kept changing while it was read")

    async def _assemble(self, stored_id: str, head: dict[str, Any]) -> bytes | None:
        """The chunks of ``head``'s version joined; ``None`` if some are already gone."""
        version, count = head["chunks"]["version"], int(head["chunks"]["count"])
        cursor = (
            self._chunks()
            .find({"head": stored_id, "version": version}, {"data": 1, "n": 1})
            .sort("n", 1)
        )
        pieces = [bytes(row["data"]) async for row in cursor]
        value = b"".join(pieces)
        if len(pieces) != count or len(value) != int(head["size"]):
            return None
        return value

    async def remove(self, key: str) -> None:
        """Delete ``key``'s value if there is one (one command when it fits in a document)."""
        stored_id = self.layout.stored_id(key)
        before = await self.collection().find_one_and_delete(
            {"_id": stored_id}, projection={"chunks": 1}
        )
        await self._drop_chunks(stored_id, before)

    async def _drop_chunks(self, stored_id: str, before: dict[str, Any] | None) -> None:
        """Delete the chunks of the version a write or delete just replaced (if chunked).

        Best effort: a failure is logged (``storage.orphan_chunks``), not raised.
        """
        if before is None or before.get("chunks") is None:
            return
        version = before["chunks"]["version"]
        try:
            await self._chunks().delete_many({"head": stored_id, "version": version})
        except Exception as error:
            # The write or delete itself is done (no reader can reach these chunks any
            # more): failing it now would misreport it. The chunks are left over, said here.
            _orphaned(stored_id, version, error)

    async def keys(self, prefix: str) -> list[str]:
        """Every key starting with ``prefix``, sorted (one query by the ``_id`` index)."""
        cursor = (
            self.collection()
            .find(self.layout.prefix_filter(prefix), {"_id": 1})
            .sort("_id", 1)
            .batch_size(100_000)
        )
        return sorted([self.layout.key_of(row["_id"]) async for row in cursor])

    async def text_search(
        self, query: str, prefix: str, limit: int
    ) -> list[tuple[str, float, bytes | None]]:
        """Keys, text scores and values of the best text-index matches of ``query``.

        Only keys starting with ``prefix``; at most ``limit``, best first. One query
        where the server projects ``data`` next to the text score; a server that
        answers with the score only (the embedded test server) costs one more
        ``find`` by ``_id`` for the values. Only values kept in their head document
        are text-indexed; a match replaced by a chunked value meanwhile has ``None``,
        one deleted meanwhile is dropped.
        """
        cursor = (
            self.collection()
            .find(
                {**self.layout.prefix_filter(prefix), "$text": {"$search": query}},
                {"score": {"$meta": "textScore"}, **_HEAD_PROJECTION},
            )
            .sort([("score", {"$meta": "textScore"})])
            .limit(limit)
        )
        rows: list[dict[str, Any]] = await cursor.to_list(None)
        missing = {row["_id"] for row in rows if "data" not in row and "chunks" not in row}
        if missing:
            heads = self.collection().find({"_id": {"$in": sorted(missing)}}, _HEAD_PROJECTION)
            by_id = {head["_id"]: head async for head in heads}
            rows = [
                {**by_id[row["_id"]], "score": row["score"]} if row["_id"] in missing else row
                for row in rows
                if row["_id"] in by_id or row["_id"] not in missing
            ]
        found = [
            (
                self.layout.key_of(row["_id"]),
                float(row["score"]),
                bytes(row["data"]) if row.get("chunks") is None and "data" in row else None,
            )
            for row in rows
        ]
        found.sort(key=lambda item: item[1], reverse=True)
        return found


def _orphaned(stored_id: str, version: str, error: Exception) -> None:
    """Log chunks a failed cleanup leaves behind (never raised: the write itself is done)."""
    logger.warning(
        "storage.orphan_chunks | head=%s version=%s error=%s",
        stored_id,
        version,
        type(error).__name__,
    )
