"""The migration runner's database access: raw batches, compare-and-set writes, the log.

:class:`MigrationStore` is the only code of the migrations that talks to the driver.
Its own collection is the log (``msm_migrations``: one entry per step, with its
counters and checkpoint); the session collections it reads and writes are named
per call, because a step may copy from one collection into another.

Backend differences are asked of :class:`~.compat.Backend`: raw BSON batches
(``reads_raw_batches``), ``bulk_write`` (``bulk_writes``; otherwise one write at a
time) and transactions (``transactions``).
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Sequence
from typing import Any

import bson
from bson.codec_options import CodecOptions
from bson.raw_bson import RawBSONDocument
from pymongo import InsertOne, ReplaceOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError, DuplicateKeyError, PyMongoError

from mongodb_session_manager.models import session_indexes, utcnow
from mongodb_session_manager.store.gateway import CollectionGateway, collect_pipeline
from mongodb_session_manager.store.migration_items import (
    DUPLICATE_KEY,
    BatchItem,
    Write,
    WriteOutcome,
)
from mongodb_session_manager.store.pool import MongoDBConnectionPool

__all__ = ["MigrationStore"]

logger = logging.getLogger(__name__)

_AWARE: CodecOptions[dict[str, Any]] = CodecOptions(tz_aware=True)


class _TransactionRefused(Exception):
    """A bulk write inside a transaction had a write error (the transaction aborted).

    Private control flow: raised inside :meth:`MigrationStore.write_batch`'s
    transaction and caught there (the batch is then written without one).
    """


def _after(query: dict[str, Any], after: str | None) -> dict[str, Any]:
    if after is None:
        return query
    return {**query, "_id": {"$type": "string", "$gt": after}}


class MigrationStore(CollectionGateway):
    """Session collections read in bounded batches and written by compare-and-set, plus the log.

    Args:
        pool: The pool (its client lives on the store loop).
        database_name: The database of the sessions and of the log.
        log_collection: Where runs and checkpoints are recorded.
    """

    def __init__(
        self, pool: MongoDBConnectionPool, database_name: str, log_collection: str
    ) -> None:
        super().__init__(pool, database_name, log_collection)

    # ------------------------------------------------------------------------ sessions

    async def count_in(
        self, collection_name: str, query: dict[str, Any], after: str | None = None
    ) -> int:
        """Documents of ``collection_name`` matching ``query`` (with an ``_id`` past ``after``)."""
        counted: int = await self.other(collection_name).count_documents(_after(query, after))
        return counted

    async def version_counts(self, collection_name: str) -> list[tuple[Any, int]]:
        """``(stored schema_version or 0, documents)`` pairs, in the server's order."""
        pipeline = [{"$group": {"_id": {"$ifNull": ["$schema_version", 0]}, "n": {"$sum": 1}}}]
        rows = await collect_pipeline(self.other(collection_name), pipeline)
        return [(row["_id"], int(row["n"])) for row in rows]

    async def read_batch(
        self,
        collection_name: str,
        query: dict[str, Any],
        *,
        after: str | None,
        limit: int,
        max_bytes: int,
    ) -> list[BatchItem]:
        """Up to ``limit`` documents by ``_id`` after ``after``; fewer once ``max_bytes`` is held.

        On a server the documents arrive as raw BSON and stay raw until converted
        (memory); the batch ends with the document that reaches ``max_bytes``.
        """
        collection = self.other(collection_name)
        raw_mode = self.backend.reads_raw_batches
        decode_options: CodecOptions[Any] = _AWARE
        if raw_mode:
            decode_options = collection.codec_options
            collection = collection.with_options(
                codec_options=decode_options.with_options(document_class=RawBSONDocument)
            )
        cursor = collection.find(_after(query, after), sort=[("_id", 1)], limit=limit)
        items: list[BatchItem] = []
        held = 0
        try:
            async for found in cursor:
                item = (
                    _raw_item(found, decode_options) if raw_mode else BatchItem.decoded_from(found)
                )
                items.append(item)
                held += item.size
                if held >= max_bytes:
                    break
        finally:
            closed = cursor.close()
            if inspect.isawaitable(closed):
                await closed
        return items

    async def read_by_ids(self, collection_name: str, query: dict[str, Any]) -> list[BatchItem]:
        """The documents matching ``query`` (ids and version), decoded, by ``_id``."""
        rows = await self.other(collection_name).find(query).sort("_id", 1).to_list(None)
        return [BatchItem.decoded_from(row) for row in rows]

    async def present_ids(self, collection_name: str, ids: list[str]) -> set[str]:
        """Which of ``ids`` already exist in ``collection_name``."""
        found = (
            await self.other(collection_name).find({"_id": {"$in": ids}}, {"_id": 1}).to_list(None)
        )
        return {row["_id"] for row in found}

    async def write_batch(
        self,
        collection_name: str,
        writes: Sequence[Write],
        *,
        log_id: str,
        last_id: str | None,
        transaction: bool,
    ) -> WriteOutcome:
        """Apply ``writes`` and move the step's checkpoint; in one transaction if asked.

        The checkpoint adds the documents written to the entry's ``migrated`` and,
        when ``last_id`` is given, records it as the last ``_id`` handled. A write
        error aborts a transaction; each document write is atomic on its own, so the
        batch is then applied again without one.
        """
        collection = self.other(collection_name)

        async def apply(session: Any) -> WriteOutcome:
            outcome = await self._apply(collection, writes, session)
            update: dict[str, Any] = {
                "$inc": {"migrated": outcome.done},
                "$set": {"updated_at": utcnow()},
            }
            if last_id is not None:
                update["$set"]["last_id"] = last_id
            await self.collection().update_one({"_id": log_id}, update, session=session)
            return outcome

        if not transaction:
            return await apply(None)
        try:
            async with self.pool.client().start_session() as session:
                outcome: WriteOutcome = await session.with_transaction(apply)
                return outcome
        except _TransactionRefused:
            logger.info("migration.transaction.fallback | ops=%d", len(writes))
            return await apply(None)

    async def _apply(
        self, collection: AsyncCollection[Any], writes: Sequence[Write], session: Any
    ) -> WriteOutcome:
        if not self.backend.bulk_writes:
            return await _apply_one_by_one(collection, writes)
        requests: list[InsertOne[Any] | ReplaceOne[Any]] = [
            InsertOne(w.document) if w.condition is None else ReplaceOne(w.condition, w.document)
            for w in writes
        ]
        try:
            result = await collection.bulk_write(requests, ordered=False, session=session)
        except BulkWriteError as exc:
            if session is not None:
                raise _TransactionRefused from exc
            details = exc.details
            return WriteOutcome(
                matched=int(details.get("nMatched", 0)),
                inserted=int(details.get("nInserted", 0)),
                errors={
                    int(e["index"]): (int(e.get("code", 0)), str(e.get("errmsg", "")))
                    for e in details.get("writeErrors", [])
                },
            )
        return WriteOutcome(matched=result.matched_count, inserted=result.inserted_count)

    async def ensure_session_indexes(self, collection_name: str) -> list[str]:
        """Create the session indexes one by one; returns what could not be created.

        An equivalent existing index (e.g. the reference's own on the same keys under
        another name) is fine, and a failure here never undoes migrated data: the
        factory creates missing indexes at start-up anyway.
        """
        collection = self.other(collection_name)
        problems: list[str] = []
        for index in session_indexes():
            name = index.document.get("name")
            try:
                await collection.create_indexes([index])
            except PyMongoError as exc:
                logger.warning(
                    "migration.index.skipped | collection=%s index=%s reason=%s",
                    collection_name,
                    name,
                    exc,
                )
                problems.append(f"index {name} on {collection_name} not created: {exc}")
        return problems

    async def server_has_transactions(self) -> bool:
        """Whether the server runs transactions (a replica set or a sharded cluster)."""
        if not self.backend.transactions:
            return False
        try:
            hello = await self.pool.client().admin.command("hello")
        except PyMongoError:
            logger.warning("migration.transactions.unknown | the server did not answer hello")
            return False
        return bool(hello.get("setName")) or hello.get("msg") == "isdbgrid"

    # ------------------------------------------------------------------------ the log

    async def log_entry(self, log_id: str) -> dict[str, Any] | None:
        """The log entry of one step, if it ever ran."""
        entry: dict[str, Any] | None = await self.collection().find_one({"_id": log_id})
        return entry

    async def history(self, database_name: str, collection_name: str) -> list[dict[str, Any]]:
        """Every log entry of steps that ran on ``database_name.collection_name``."""
        query = {"database": database_name, "collection": collection_name}
        entries: list[dict[str, Any]] = await self.collection().find(query).to_list(None)
        return entries

    async def open_log(self, log_id: str, fields: dict[str, Any], *, resuming: bool) -> None:
        """Mark the step running (creating its entry); a fresh start resets its counters."""
        now = utcnow()
        fresh: dict[str, Any] = {
            "started_at": now,
            "last_id": None,
            "migrated": 0,
            "already": 0,
            "failed": 0,
            "failures": [],
        }
        await self.collection().update_one(
            {"_id": log_id},
            {
                "$set": {
                    **fields,
                    "state": "running",
                    "updated_at": now,
                    **({} if resuming else fresh),
                },
                "$unset": {"finished_at": ""},
                "$inc": {"runs": 1},
            },
            upsert=True,
        )

    async def close_log(self, log_id: str, state: str) -> None:
        """Record the step's final ``state``; a failure to do so is logged, not raised."""
        try:
            await self.collection().update_one(
                {"_id": log_id},
                {"$set": {"state": state, "finished_at": utcnow(), "updated_at": utcnow()}},
            )
        except PyMongoError:
            logger.exception("migration.log.failed | id=%s state=%s", log_id, state)

    async def record_failures(
        self, log_id: str, failed: int, entries: list[dict[str, Any]], keep: int
    ) -> None:
        """Add ``failed`` to the step's count and keep the last ``keep`` failure entries."""
        await self.collection().update_one(
            {"_id": log_id},
            {
                "$inc": {"failed": failed},
                "$push": {"failures": {"$each": entries[:keep], "$slice": -keep}},
            },
        )


def _raw_item(found: RawBSONDocument, decode_options: CodecOptions[Any]) -> BatchItem:
    document = bson.decode(found.raw, codec_options=decode_options)
    # Only the raw bytes stay until conversion.
    return BatchItem.of(document, len(found.raw), raw=found.raw, codec_options=decode_options)


async def _apply_one_by_one(
    collection: AsyncCollection[Any], writes: Sequence[Write]
) -> WriteOutcome:
    """For backends without ``bulk_write`` of these requests (mongomock): one by one."""
    outcome = WriteOutcome()
    for index, write in enumerate(writes):
        document = bson.decode(write.document.raw, codec_options=_AWARE)
        try:
            if write.condition is None:
                await collection.insert_one(document)
                outcome.inserted += 1
            else:
                result = await collection.replace_one(write.condition, document)
                outcome.matched += result.matched_count
        except DuplicateKeyError as exc:
            outcome.errors[index] = (DUPLICATE_KEY, str(exc))
    return outcome
