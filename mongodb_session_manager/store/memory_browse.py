"""Reads for browsing a long-term memory collection (the viewer's "Memory" view).

The documents are those of :mod:`mongodb_session_manager.store.memory_entries`
(``MongoDBMemoryStore``). Two reads, each one trip to the store loop:

* :meth:`MemoryBrowser.namespaces_async`: every namespace with its entry count,
  its number of users and its newest entry (one ``aggregate``);
* :meth:`MemoryBrowser.entries_async`: one page of a namespace's entries, newest
  first, and how many match (a ``find`` and a ``count`` sent together).

Every value a caller passes is a literal: the namespace and user id are equality
values, and the text filter is escaped before it becomes a case-insensitive
``$regex`` (no operator and no pattern of the caller's ever reaches the server).
"""

from __future__ import annotations

import asyncio
import re
from typing import Any, NamedTuple

from pymongo import DESCENDING

from mongodb_session_manager._twins import awaiting
from mongodb_session_manager.store.gateway import CollectionGateway

__all__ = ["EntryPage", "MemoryBrowser", "NamespaceRow", "entries_filter"]

BROWSE_PROJECTION: dict[str, Any] = {
    "text": 1,
    "namespace": 1,
    "user_id": 1,
    "metadata": 1,
    "created_at": 1,
}
"""What a page shows (never the embedding or the keyword tokens)."""


class NamespaceRow(NamedTuple):
    """One namespace of the memory collection.

    Attributes:
        namespace: The namespace.
        entries: How many entries it holds.
        users: How many distinct user ids (shared entries, ``None``, count as one).
        latest: The newest entry's ``created_at`` (``None`` if none has one).
    """

    namespace: str
    entries: int
    users: int
    latest: Any


class EntryPage(NamedTuple):
    """A page of entries and the number of entries the filter selects."""

    rows: list[dict[str, Any]]
    total: int


def entries_filter(namespace: str, user_id: str | None, text: str | None) -> dict[str, Any]:
    """The conditions of an entry page: literal values only (the text is escaped)."""
    conditions: dict[str, Any] = {"namespace": namespace}
    if user_id is not None:
        conditions["user_id"] = user_id
    if text:
        conditions["text"] = {"$regex": re.escape(text), "$options": "i"}
    return conditions


class MemoryBrowser(CollectionGateway):
    """The read side of a memory collection as the viewer needs it.

    Args:
        pool: The pool (its client lives on the store loop).
        database_name: The database.
        collection_name: The memory collection (``strands_memory`` by default).
    """

    async def _namespaces(self, limit: int) -> tuple[list[NamespaceRow], bool]:
        """The first ``limit`` namespaces by name, and whether there are more (one aggregate)."""
        pipeline: list[dict[str, Any]] = [
            {
                "$group": {
                    "_id": "$namespace",
                    "entries": {"$sum": 1},
                    "users": {"$addToSet": "$user_id"},
                    "latest": {"$max": "$created_at"},
                }
            },
            {"$sort": {"_id": 1}},
            {"$limit": limit + 1},
            {"$project": {"entries": 1, "users": {"$size": "$users"}, "latest": 1}},
        ]
        rows = await self.aggregate(pipeline)
        found = [
            NamespaceRow(
                namespace=row["_id"],
                entries=int(row.get("entries") or 0),
                users=int(row.get("users") or 0),
                latest=row.get("latest"),
            )
            for row in rows
            if isinstance(row.get("_id"), str)
        ]
        return found[:limit], len(rows) > limit

    namespaces_async = awaiting(_namespaces)

    async def _entries(
        self,
        namespace: str,
        *,
        user_id: str | None = None,
        text: str | None = None,
        skip: int = 0,
        limit: int = 20,
    ) -> EntryPage:
        """One page of a namespace's entries, newest first, and their count (sent together).

        Args:
            namespace: The namespace (an equality value).
            user_id: Only this user's entries (``None``: every user's and the shared ones).
            text: Only entries whose text contains this, ignoring case (escaped).
            skip: Entries to skip (the page's offset).
            limit: At most this many entries.
        """
        conditions = entries_filter(namespace, user_id, text)
        collection = self.collection()
        cursor = (
            collection.find(conditions, BROWSE_PROJECTION, batch_size=limit)
            .sort([("created_at", DESCENDING), ("_id", DESCENDING)])
            .skip(skip)
            .limit(limit)
        )
        rows, total = await asyncio.gather(
            cursor.to_list(None), collection.count_documents(conditions)
        )
        return EntryPage(rows=[dict(row) for row in rows], total=int(total))

    entries_async = awaiting(_entries)
