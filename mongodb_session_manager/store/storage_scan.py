"""Reads and deletes over many keys of a ``MongoDBStorage`` (what its lifecycle needs).

The protocol's ``list`` returns keys only; the session viewer and ``msm
sessions`` also need sizes and write times, a key pattern below a prefix, the
newest first, and deleting a whole prefix. Each is one command over the heads
(plus one over the chunks when some value was chunked).
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from typing import Any

from mongodb_session_manager.models.storage_layout import KeyGroup, StoredValue, chunks_collection
from mongodb_session_manager.store.storage_values import StorageValueStore

__all__ = ["delete_prefix", "describe", "summarize"]

logger = logging.getLogger(__name__)

_PROJECTION = {"_id": 1, "size": 1, "updated_at": 1, "chunks": 1}


def _query(store: StorageValueStore, prefix: str, pattern: str | None) -> dict[str, Any]:
    query = store.layout.prefix_filter(prefix)
    if pattern is not None:
        stored = store.layout.stored_id(prefix) if store.layout.namespace else prefix
        # The prefix is escaped; the pattern is the caller's own (library code, not user input).
        query["_id"] = {"$regex": f"^{re.escape(stored)}(?:{pattern})$"}
    return query


def _aware(value: Any) -> datetime:
    if not isinstance(value, datetime):
        return datetime.fromtimestamp(0, UTC)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


async def describe(
    store: StorageValueStore,
    prefix: str,
    *,
    pattern: str | None = None,
    newest_first: bool = False,
    before: datetime | None = None,
    limit: int | None = None,
) -> list[StoredValue]:
    """The values under ``prefix`` (keys, sizes, write times), in one query.

    Args:
        store: The storage's gateway.
        prefix: The stored key prefix (the view's prefix included).
        pattern: A regular expression the rest of the key must match entirely.
        newest_first: Order by write time, newest first (else by key).
        before: Only values written before this time.
        limit: At most this many.
    """
    query = _query(store, prefix, pattern)
    if before is not None:
        query["updated_at"] = {"$lt": before}
    order = [("updated_at", -1), ("_id", 1)] if newest_first else [("_id", 1)]
    cursor = store.collection().find(query, _PROJECTION).sort(order)
    if limit is not None:
        cursor = cursor.limit(limit)
    return [
        StoredValue(
            key=store.layout.key_of(row["_id"]),
            size=int(row.get("size") or 0),
            updated_at=_aware(row.get("updated_at")),
            chunked=row.get("chunks") is not None,
        )
        async for row in cursor.batch_size(10_000)
    ]


async def summarize(
    store: StorageValueStore,
    prefix: str,
    *,
    pattern: str | None = None,
    before: datetime | None = None,
    limit: int = 50,
) -> list[KeyGroup]:
    """The values under ``prefix`` grouped by the key segment it ends in, newest first.

    One aggregation; ``before`` pages by the groups' newest write.
    """
    stored = store.layout.stored_id(prefix) if store.layout.namespace else prefix
    # The whole segment the prefix ends in ("session/" -> the id after it; "session/ab"
    # -> the id starting with "ab"): the element of ``_id`` split on "/" at that depth.
    segment = {"$arrayElemAt": [{"$split": ["$_id", "/"]}, stored.count("/")]}
    pipeline: list[dict[str, Any]] = [
        {"$match": _query(store, prefix, pattern)},
        {
            "$group": {
                "_id": segment,
                "count": {"$sum": 1},
                "size": {"$sum": "$size"},
                "updated_at": {"$max": "$updated_at"},
            }
        },
    ]
    if before is not None:
        pipeline.append({"$match": {"updated_at": {"$lt": before}}})
    pipeline += [{"$sort": {"updated_at": -1, "_id": 1}}, {"$limit": limit}]
    return [
        KeyGroup(
            segment=str(row["_id"]),
            count=int(row["count"]),
            size=int(row.get("size") or 0),
            updated_at=_aware(row.get("updated_at")),
        )
        for row in await store.aggregate(pipeline)
    ]


async def delete_prefix(store: StorageValueStore, prefix: str) -> int:
    """Delete every value under ``prefix`` (heads, then chunks); how many values went.

    Two commands: the heads first, so no reader finds a head without its chunks,
    then the chunks of those heads (by the same escaped, anchored prefix). A
    failure of the second leaves unreachable chunks, logged like a write's.
    """
    query = store.layout.prefix_filter(prefix)
    result = await store.collection().delete_many(query)
    stored = store.layout.stored_id(prefix) if store.layout.namespace else prefix
    try:
        await store.other(chunks_collection(store.collection_name)).delete_many(
            {"head": {"$regex": "^" + re.escape(stored)}} if stored else {}
        )
    except Exception as error:
        logger.warning("storage.orphan_chunks | prefix=%s error=%s", prefix, type(error).__name__)
    return int(result.deleted_count)
