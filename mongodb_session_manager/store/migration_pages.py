"""The migration runner's access to the page collection (``<sessions>_pages``) and indexes.

A migration step that splits or joins messages (``m0002_message_pages``) writes
its page documents here before the session's compare-and-set, deletes the ones a
missed compare-and-set left behind, and, going back, reads a session's pages and
deletes them once the session holds its messages again. Every query names
``session_id`` (or the page ``_id``, which embeds it), so on a sharded cluster
mongos sends it to the shards of one session.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import bson
from bson.codec_options import CodecOptions
from bson.raw_bson import RawBSONDocument
from pymongo import ReplaceOne
from pymongo.errors import PyMongoError

from mongodb_session_manager.models.pages import (
    BLOB_CHUNK_BYTES,
    blob_indexes,
    blobs_collection,
    page_indexes,
)
from mongodb_session_manager.models.pages import pages_collection as pages_of
from mongodb_session_manager.store.gateway import CollectionGateway, collect_pipeline
from mongodb_session_manager.store.pool import MongoDBConnectionPool

__all__ = ["MigrationPages"]

logger = logging.getLogger(__name__)

_AWARE: CodecOptions[dict[str, Any]] = CodecOptions(tz_aware=True)


class MigrationPages(CollectionGateway):
    """Pages of the sessions a migration converts (collections named per call).

    Args:
        pool: The pool (its client lives on the store loop).
        database_name: The database of the sessions.
    """

    def __init__(self, pool: MongoDBConnectionPool, database_name: str) -> None:
        super().__init__(pool, database_name, "msm_migrations")

    async def companion_bytes(self, sessions: str, session_ids: Sequence[str]) -> dict[str, int]:
        """Page and value bytes per session (strays included: an upper bound), two commands."""
        match: dict[str, Any] = {"$match": {"session_id": {"$in": list(session_ids)}}}
        pages: list[dict[str, Any]] = [
            match,
            {"$group": {"_id": "$session_id", "bytes": {"$sum": "$bytes"}}},
        ]
        chunks: list[dict[str, Any]] = [
            match,
            {"$group": {"_id": "$session_id", "chunks": {"$sum": 1}}},
        ]
        found: dict[str, int] = {}
        for row in await collect_pipeline(self.other(pages_of(sessions)), pages):
            found[str(row["_id"])] = int(row["bytes"] or 0)
        for row in await collect_pipeline(self.other(blobs_collection(sessions)), chunks):
            key = str(row["_id"])
            found[key] = found.get(key, 0) + int(row["chunks"]) * BLOB_CHUNK_BYTES
        return found

    async def read_pages(
        self, sessions: str, session_ids: Sequence[str]
    ) -> dict[str, list[dict[str, Any]]]:
        """Every stored page of ``session_ids``, by session, in ``first_id`` order (one query)."""
        cursor = self.other(pages_of(sessions)).find(
            {"session_id": {"$in": list(session_ids)}},
            sort=[("session_id", 1), ("agent_key", 1), ("first_id", 1)],
        )
        found: dict[str, list[dict[str, Any]]] = {}
        async for page in cursor:
            plain = bson.decode(bson.encode(page), codec_options=_AWARE)
            found.setdefault(str(plain["session_id"]), []).append(plain)
        return found

    async def read_values(
        self, sessions: str, session_ids: Sequence[str]
    ) -> dict[str, dict[str, bytes]]:
        """The out-of-line values of ``session_ids``: ``{session: {blob_id: bytes}}``."""
        cursor = self.other(blobs_collection(sessions)).find(
            {"session_id": {"$in": list(session_ids)}},
            sort=[("session_id", 1), ("blob_id", 1), ("n", 1)],
        )
        parts: dict[str, dict[str, list[bytes]]] = {}
        async for chunk in cursor:
            values = parts.setdefault(str(chunk["session_id"]), {})
            values.setdefault(str(chunk["blob_id"]), []).append(bytes(chunk["data"]))
        return {
            session: {blob_id: b"".join(chunks) for blob_id, chunks in values.items()}
            for session, values in parts.items()
        }

    async def upsert_pages(self, sessions: str, pages: Sequence[RawBSONDocument]) -> None:
        """Write ``pages`` (replace or insert by ``_id``): a re-run rewrites the same ids."""
        if not pages:
            return
        collection = self.other(pages_of(sessions))
        if not self.backend.bulk_writes:
            for page in pages:
                document = bson.decode(page.raw, codec_options=_AWARE)
                await collection.replace_one({"_id": document["_id"]}, document, upsert=True)
            return
        requests: list[ReplaceOne[Any]] = [
            ReplaceOne({"_id": page["_id"]}, page, upsert=True) for page in pages
        ]
        await collection.bulk_write(requests, ordered=False)

    async def agent_incarnations(
        self, sessions: str, session_ids: Sequence[str]
    ) -> dict[str, tuple[Any, set[str]]]:
        """``(schema_version, the agents' incarnations)`` of each session found (one command)."""
        pipeline: list[dict[str, Any]] = [
            {"$match": {"_id": {"$in": list(session_ids)}}},
            {
                "$project": {
                    "schema_version": 1,
                    "incarnations": {
                        "$map": {
                            "input": {"$objectToArray": {"$ifNull": ["$agents", {}]}},
                            "in": "$$this.v.incarnation",
                        }
                    },
                }
            },
        ]
        rows = await collect_pipeline(self.other(sessions), pipeline)
        return {
            str(row["_id"]): (
                row.get("schema_version"),
                {value for value in row.get("incarnations") or [] if isinstance(value, str)},
            )
            for row in rows
        }

    async def delete_pages(self, sessions: str, page_ids: Sequence[str]) -> int:
        """Delete pages by ``_id``; how many were deleted."""
        if not page_ids:
            return 0
        result = await self.other(pages_of(sessions)).delete_many({"_id": {"$in": list(page_ids)}})
        return int(result.deleted_count)

    async def delete_for(self, sessions: str, session_ids: Sequence[str]) -> int:
        """Delete every page and value chunk of ``session_ids``; how many pages were deleted."""
        if not session_ids:
            return 0
        query = {"session_id": {"$in": list(session_ids)}}
        result = await self.other(pages_of(sessions)).delete_many(query)
        await self.other(blobs_collection(sessions)).delete_many(query)
        return int(result.deleted_count)

    async def at_version(
        self, sessions: str, session_ids: Sequence[str], version: int
    ) -> list[str]:
        """Which of ``session_ids`` are stored at ``version`` now."""
        rows = (
            await self.other(sessions)
            .find({"_id": {"$in": list(session_ids)}, "schema_version": version}, {"_id": 1})
            .to_list(None)
        )
        return [str(row["_id"]) for row in rows]

    async def companion_counts(self, sessions: str) -> tuple[int, int]:
        """Estimated documents of the page and chunk collections (metadata: no scan)."""
        pages = await self.other(pages_of(sessions)).estimated_document_count()
        blobs = await self.other(blobs_collection(sessions)).estimated_document_count()
        return int(pages), int(blobs)

    async def ensure_companion_indexes(self, sessions: str) -> list[str]:
        """Create the page and chunk collections' indexes; returns what could not be created."""
        problems: list[str] = []
        for name, indexes in (
            (pages_of(sessions), page_indexes()),
            (blobs_collection(sessions), blob_indexes()),
        ):
            try:
                await self.other(name).create_indexes(indexes)
            except PyMongoError as exc:
                logger.warning("migration.index.skipped | collection=%s reason=%s", name, exc)
                problems.append(f"indexes of {name} not created: {exc}")
        return problems

    async def drop_retired_indexes(self, sessions: str, names: Sequence[str]) -> list[str]:
        """Drop the indexes ``names`` of ``sessions`` if present; returns what was refused."""
        collection = self.other(sessions)
        problems: list[str] = []
        try:
            present = set(await collection.index_information())
        except PyMongoError as exc:
            return [f"indexes of {sessions} not listed: {exc}"]
        for name in names:
            if name not in present:
                continue
            try:
                await collection.drop_index(name)
            except PyMongoError as exc:
                logger.warning(
                    "migration.index.not_dropped | collection=%s index=%s reason=%s",
                    sessions,
                    name,
                    exc,
                )
                problems.append(f"index {name} on {sessions} not dropped: {exc}")
                continue
            logger.info("migration.index.dropped | collection=%s index=%s", sessions, name)
        return problems
