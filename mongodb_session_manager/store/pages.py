"""``PageStore``: the pages of older messages of long sessions (``<sessions>_pages``).

The session decides what is visible: a page counts only when its ``first_id``
is below its agent's ``paged_count`` and its ``incarnation`` is the agent's (see
``models/pages.py``). Pages are written once per roll-over (:meth:`write_page`,
idempotent by ``_id``), rewritten only by a redaction, and deleted with their
session.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from pymongo.errors import DuplicateKeyError

from mongodb_session_manager.models import utcnow
from mongodb_session_manager.models.limits import ARRAY_ITEM_OVERHEAD
from mongodb_session_manager.models.pages import (
    PagePolicy,
    new_incarnation,
    page_id,
    pages_collection,
    split_into_pages,
)
from mongodb_session_manager.store.codec import encoded_size
from mongodb_session_manager.store.per_session import PerSessionGateway
from mongodb_session_manager.store.pool import MongoDBConnectionPool

__all__ = ["PageStore", "history_pages", "page_document", "page_messages"]

logger = logging.getLogger(__name__)


def page_messages(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The messages of pages read in ``first_id`` order, each once, in id order.

    Pages of one agent never overlap when read below ``paged_count``; a gap is
    logged (it would mean a page was lost), never filled with a guess.
    """
    messages: list[dict[str, Any]] = []
    expected: int | None = None
    for row in rows:
        for message in row.get("messages") or []:
            message_id = message.get("message_id")
            if not isinstance(message_id, int) or (expected is not None and message_id < expected):
                continue
            if expected is not None and message_id != expected:
                logger.error(
                    "pages.read.gap | page=%s expected=%s found=%s",
                    row.get("_id"),
                    expected,
                    message_id,
                )
            expected = message_id + 1
            messages.append(message)
    return messages


class PageStore(PerSessionGateway):
    """The page collection next to a sessions collection.

    Args:
        pool: The connection pool.
        database_name: The database.
        sessions_collection: The *sessions* collection's name (pages live in
            ``<name>_pages``).
    """

    def __init__(
        self, pool: MongoDBConnectionPool, database_name: str, sessions_collection: str
    ) -> None:
        super().__init__(pool, database_name, pages_collection(sessions_collection))

    async def write_page(self, page: Mapping[str, Any]) -> bool:
        """Store a sealed page unless an equal or newer snapshot of it is there (one write).

        The filter names the whole shard key (an upsert on a sharded collection
        must). A snapshot is newer when its ``rev`` is higher, or equal with more
        messages: both only grow for one ``first_id`` of one incarnation.

        Returns:
            False if an equal or newer snapshot was already stored (nothing written).
        """
        rev, count = page["rev"], page["count"]
        query = {
            "_id": page["_id"],
            "session_id": page["session_id"],
            "agent_key": page["agent_key"],
            "first_id": page["first_id"],
            "$or": [{"rev": {"$lt": rev}}, {"rev": rev, "count": {"$lt": count}}],
        }
        try:
            await self.collection().replace_one(query, dict(page), upsert=True)
        except DuplicateKeyError:
            return False
        return True

    async def insert_pages(self, pages: Sequence[Mapping[str, Any]]) -> None:
        """Insert pages of a new incarnation (an agent created with a long history)."""
        if pages:
            await self.collection().insert_many([dict(p) for p in pages], ordered=False)

    async def read_range(
        self, session_id: str, agent_key: str, incarnation: str | None, start: int, end: int
    ) -> list[dict[str, Any]]:
        """The committed messages ``start <= message_id < end`` of one agent, in order (one read).

        Args:
            session_id: The session.
            agent_key: The agent's storage key.
            incarnation: The agent's incarnation (read from the session).
            start: The first message id wanted.
            end: One past the last; must not exceed the agent's ``paged_count``
                (pages at or past it are not committed).
        """
        if end <= start or incarnation is None:
            return []
        query = {
            "session_id": session_id,
            "agent_key": agent_key,
            "incarnation": incarnation,
            "first_id": {"$lt": end},
            "end_id": {"$gt": start},
        }
        rows = await (
            self.collection().find(query, {"messages": 1, "first_id": 1}).sort("first_id", 1)
        ).to_list(None)
        return [m for m in page_messages(rows) if start <= m.get("message_id", -1) < end]

    async def window_with_recent(
        self,
        session_id: str,
        agent_key: str,
        incarnation: str | None,
        start: int,
        paged: int,
        *,
        recent: tuple[str, Mapping[str, Any], int],
    ) -> list[dict[str, Any]]:
        """The pages over ``[start, paged)`` then the session's fields, in ONE aggregation.

        Args:
            session_id: The session.
            agent_key: The agent's key.
            incarnation: Its incarnation.
            start: The first message id wanted.
            paged: The agent's ``paged_count`` as known.
            recent: ``(sessions collection, projection of the agent's fields,
                how many recent messages)``: the session document comes last,
                with ``agents.<key>.messages`` cut to that many.
        """
        sessions, fields, count = recent
        projection: dict[str, Any] = {
            **fields,
            f"agents.{agent_key}.messages": {"$slice": [f"$agents.{agent_key}.messages", count]},
        }
        if count <= 0:
            projection[f"agents.{agent_key}.messages"] = {
                "$slice": [f"$agents.{agent_key}.messages", 0, 1]
            }
        pipeline: list[dict[str, Any]] = [
            {
                "$match": {
                    "session_id": session_id,
                    "agent_key": agent_key,
                    "incarnation": incarnation,
                    "first_id": {"$lt": paged},
                    "end_id": {"$gt": start},
                }
            },
            {"$sort": {"first_id": 1}},
            {"$project": {"messages": 1, "first_id": 1}},
            {
                "$unionWith": {
                    "coll": sessions,
                    "pipeline": [{"$match": {"_id": session_id}}, {"$project": projection}],
                }
            },
        ]
        return await self.aggregate(pipeline)

    async def redact(
        self,
        session_id: str,
        agent_key: str,
        incarnation: str | None,
        message_id: int,
        update: Mapping[str, Any],
        *,
        returning: bool = False,
    ) -> list[dict[str, Any]] | None:
        """Apply ``update`` (paths under ``messages.$``) to a paged message.

        Returns:
            ``None`` if no page holds it; else, with ``returning``, the message as
            it was (one more read, first: an erasure deletes its values), or ``[]``.
        """
        if incarnation is None:
            return None
        query = {
            "session_id": session_id,
            "agent_key": agent_key,
            "incarnation": incarnation,
            "first_id": {"$lte": message_id},
            "end_id": {"$gt": message_id},
            "messages.message_id": message_id,
        }
        found: list[dict[str, Any]] = []
        if returning:
            row = await self.collection().find_one(query, {"messages": 1})  # a page: bounded
            found = list((row or {}).get("messages") or [])
        result = await self.collection().update_many(query, {**update, "$inc": {"rev": 1}})
        return found if result.matched_count else None


def page_document(
    session_id: str,
    agent: Mapping[str, Any],
    key: str,
    messages: list[dict[str, Any]],
    *,
    first: int,
    size: int,
    rev: int = 0,
    ttl: timedelta | None = None,
    created_at: datetime | None = None,
    expires_at: datetime | None = None,
) -> dict[str, Any]:
    """The stored page of ``messages`` (ids ``first``..) of an agent (its id and incarnation).

    Expires at ``expires_at``, else (with a ``ttl``) at the lease ``now + 2 ttl``.
    """
    now = created_at or utcnow()
    page: dict[str, Any] = {
        "_id": page_id(session_id, key, agent["incarnation"], first),
        "session_id": session_id,
        "agent_key": key,
        "agent_id": agent["agent_id"],
        "incarnation": agent["incarnation"],
        "first_id": first,
        "end_id": first + len(messages),
        "count": len(messages),
        "bytes": size,
        "rev": rev,
        "messages": messages,
        "created_at": now,
    }
    if expires_at is None and ttl is not None:
        expires_at = utcnow() + 2 * ttl  # the lease: see CursorCache.lease_due
    if expires_at is not None:
        page["expires_at"] = expires_at
    return page


def history_pages(
    session_id: str,
    key: str,
    document: Mapping[str, Any],
    policy: PagePolicy,
    ttl: timedelta | None,
    *,
    sizes: list[int] | None = None,
    created_at: datetime | None = None,
    expires_at: datetime | None = None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """An agent (its incarnation, else a fresh one), its history cut into pages (pure).

    The live writer's agent creation and the migration to schema 2 both cut here.
    The caller writes the pages before the agent: under its incarnation they
    stay invisible until the agent exists, and a creation that loses leaves
    pages nobody refers to (deleted with the session).

    Args:
        session_id: The session.
        key: The agent's storage key.
        document: The agent, all its messages in ``messages``.
        policy: The page bounds.
        ttl: The store's ttl (the pages' lease), unless ``expires_at`` is given.
        sizes: Each message's encoded size, if measured already.
        created_at: The pages' ``created_at`` (default: now).
        expires_at: The pages' expiry.

    Returns:
        ``(agent document with the recent messages and counters, pages)``.
    """
    agent = {**document, "incarnation": document.get("incarnation") or new_incarnation()}
    messages: list[dict[str, Any]] = list(agent.get("messages") or [])
    if sizes is None:
        sizes = [
            encoded_size(m, f"message {i} of agent {agent['agent_id']!r}")
            for i, m in enumerate(messages)
        ]
    full, recent = split_into_pages(messages, sizes, policy)
    stored = [size + ARRAY_ITEM_OVERHEAD for size in sizes]
    pages: list[dict[str, Any]] = []
    first = 0
    for chunk in full:
        pages.append(
            page_document(
                session_id,
                agent,
                key,
                chunk,
                first=first,
                size=sum(stored[first : first + len(chunk)]),
                ttl=ttl,
                created_at=created_at,
                expires_at=expires_at,
            )
        )
        first += len(chunk)
    agent.setdefault("rev", 0)
    agent.update(
        messages=recent,
        paged_count=first,
        page_count=len(full),
        recent_bytes=sum(stored[first:]),
    )
    return agent, pages
