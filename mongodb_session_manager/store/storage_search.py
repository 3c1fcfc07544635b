"""Atlas Search over ``MongoDBStorage`` values (the ``text`` copy of each inline value).

Used when the storage is given ``atlas_search_index``: one aggregation with a
``$search`` stage on that index, limited to the view's keys, scores from
``searchScore``. A deployment without Atlas Search (or without that index)
refuses the stage; the caller then falls back to the text index, once and for
all, and the refusal is logged.
"""

from __future__ import annotations

import logging
from typing import Any

from pymongo.errors import OperationFailure

from mongodb_session_manager.store.storage_values import StorageValueStore

__all__ = ["atlas_search", "search_index_definition"]

logger = logging.getLogger(__name__)


def search_index_definition() -> dict[str, Any]:
    """The Atlas Search index the storage expects (``createSearchIndexes``' definition)."""
    return {
        "mappings": {
            "dynamic": False,
            "fields": {
                "text": {"type": "string"},
                "namespace": {"type": "token"},
                "_id": {"type": "token"},
            },
        }
    }


async def atlas_search(
    store: StorageValueStore, index: str, query: str, prefix: str, limit: int
) -> list[tuple[str, float, bytes | None]] | None:
    """Keys, scores and values of the best ``$search`` matches; ``None``: not available.

    One ``aggregate``; only keys starting with ``prefix`` (the view's, escaped).
    """
    if not store.backend.atlas_search:
        return None
    pipeline: list[dict[str, Any]] = [
        {"$search": {"index": index, "text": {"query": query, "path": "text"}}},
        {"$match": store.layout.prefix_filter(prefix)},
        {"$limit": limit},
        {"$project": {"data": 1, "score": {"$meta": "searchScore"}}},
    ]
    try:
        rows = await store.aggregate(pipeline)
    except OperationFailure as exc:
        logger.warning(
            "storage.search_unavailable | strategy=atlas_search collection=%s code=%s reason=%s",
            store.collection_name,
            exc.code,
            (exc.details or {}).get("errmsg", str(exc)),
        )
        return None
    return [
        (
            store.layout.key_of(row["_id"]),
            float(row.get("score") or 0.0),
            bytes(row["data"]) if row.get("data") is not None else None,
        )
        for row in rows
    ]
