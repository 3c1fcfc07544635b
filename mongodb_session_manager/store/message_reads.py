"""Reading an agent's messages at any length: pages below ``paged_count``, then the recent ones.

The session document is read first (or its fields are already known from the
read that opened it); its counters say which pages are committed. A window
inside the recent messages costs that one read; one reaching into the pages
costs one more (``find`` on ``page_window``), whatever the conversation's length.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from mongodb_session_manager.models import storage_key, validate_id
from mongodb_session_manager.models.limits import MAX_POSITION, check_position
from mongodb_session_manager.store.codec import agent_from, check_schema_version
from mongodb_session_manager.store.pages import page_messages

if TYPE_CHECKING:
    from mongodb_session_manager.store.companions import Companions

__all__ = ["WINDOW_FIELDS", "read_full_document", "read_window", "stream_messages"]

RawMessage = dict[str, Any]

WINDOW_FIELDS = ("agent_id", "message_count", "paged_count", "incarnation", "messages")
"""The agent fields a window is cut from (``messages``: the recent ones)."""


def window_projection(key: str) -> dict[str, int]:
    """The projection of an agent's window fields (its recent messages included)."""
    return {f"agents.{key}.{name}": 1 for name in WINDOW_FIELDS}


async def read_window(
    store: Companions,
    session_id: str,
    agent_id: str,
    offset: int = 0,
    limit: int | None = None,
) -> list[RawMessage]:
    """Messages ``offset`` to ``offset + limit`` of an agent, in order (pages and recent).

    One read when this store knows the agent's ``paged_count`` (from the read
    that opened it): a sliced read of the session, or, for a window reaching
    into the pages, one aggregation over the pages with the session's recent
    messages joined (``$unionWith``). Otherwise (or if a page was committed
    meanwhile) the session first, then its pages: two reads.
    """
    validate_id(session_id, "session_id")
    key = storage_key(validate_id(agent_id, "agent_id"))
    offset = max(0, check_position(offset, "offset") or 0)
    limit = check_position(limit, "limit")
    if limit is not None and limit <= 0:
        return []
    cursor = store.cursors.peek(session_id, key)
    found: list[RawMessage] | None = None
    if cursor is not None and store.backend.slices_nested_arrays:
        found = await _guided(store, session_id, agent_id, key, offset, limit, cursor.paged_count)
    if found is None:
        found = await _unguided(store, session_id, agent_id, key, offset, limit)
    await store.resolve_values(session_id, found)
    return found


async def _guided(
    store: Companions,
    session_id: str,
    agent_id: str,
    key: str,
    offset: int,
    limit: int | None,
    paged: int,
) -> list[RawMessage] | None:
    """The window in one read, if ``paged`` is still the agent's ``paged_count`` (else ``None``)."""
    count = MAX_POSITION if limit is None else limit
    fields = {f"agents.{key}.{name}": 1 for name in ("agent_id", "paged_count", "incarnation")}
    if offset >= paged:
        projection = {**fields, f"agents.{key}.messages": {"$slice": [offset - paged, count]}}
        raw = await store.collection().find_one({"_id": session_id}, projection)
        agent = agent_from(raw, key, agent_id)
        if agent is None:
            return []
        if int(agent.get("paged_count") or 0) != paged:
            return None
        return list(agent.get("messages") or [])
    if not store.backend.full_aggregation:
        return None
    incarnation = store.cursors.peek(session_id, key)
    rows = await store.pages.window_with_recent(
        session_id,
        key,
        incarnation.incarnation if incarnation is not None else None,
        offset,
        paged,
        recent=(store.collection_name, fields, max(0, offset + count - paged)),
    )
    session = rows.pop() if rows and rows[-1].get("_id") == session_id else None
    agent = agent_from(session, key, agent_id)
    if agent is None or int(agent.get("paged_count") or 0) != paged:
        return None if agent is not None else []
    end = offset + count
    found = [m for m in page_messages(rows) if offset <= m.get("message_id", -1) < min(paged, end)]
    found.extend((agent.get("messages") or [])[: max(0, end - paged)])
    return found


async def _unguided(
    store: Companions,
    session_id: str,
    agent_id: str,
    key: str,
    offset: int,
    limit: int | None,
) -> list[RawMessage]:
    """The session's counters and recent messages first, then the pages needed."""
    raw = await store.collection().find_one({"_id": session_id}, window_projection(key))
    agent = agent_from(raw, key, agent_id)
    if agent is None:
        return []
    store.cursors.seed(session_id, key, agent)
    paged = int(agent.get("paged_count") or 0)
    recent: list[RawMessage] = list(agent.get("messages") or [])
    end = paged + len(recent) if limit is None else min(paged + len(recent), offset + limit)
    found: list[RawMessage] = []
    if offset < paged:
        found = await store.pages.read_range(
            session_id, key, agent.get("incarnation"), offset, min(paged, end)
        )
    if end > paged:
        found.extend(recent[max(0, offset - paged) : end - paged])
    return found


async def stream_messages(
    store: Companions, session_id: str, agent_id: str, batch: int = 200
) -> AsyncIterator[list[RawMessage]]:
    """Every message of an agent in batches of about ``batch``, in order (bounded memory).

    The counters are read once; the batches are what was committed at that read
    (a conversation growing meanwhile is read up to where it was).
    """
    key = storage_key(validate_id(agent_id, "agent_id"))
    raw = await store.collection().find_one({"_id": session_id}, window_projection(key))
    agent = agent_from(raw, key, agent_id)
    if agent is None:
        return
    paged = int(agent.get("paged_count") or 0)
    for start in range(0, paged, batch):
        found = await store.pages.read_range(
            session_id, key, agent.get("incarnation"), start, min(paged, start + batch)
        )
        await store.resolve_values(session_id, found)
        yield found
    recent: list[RawMessage] = list(agent.get("messages") or [])
    for start in range(0, len(recent), batch):
        found = recent[start : start + batch]
        await store.resolve_values(session_id, found)
        yield found


async def read_full_document(store: Companions, session_id: str) -> dict[str, Any] | None:
    """The session document with every agent's whole conversation in ``messages``.

    What schema 1's single document held: for exports and tools that want it all
    (it holds the whole session in memory; :func:`stream_messages` does not).
    """
    validate_id(session_id, "session_id")
    document = await store.find_one({"_id": session_id})
    if document is None:
        return None
    check_schema_version(document)
    for key, agent in (document.get("agents") or {}).items():
        if not isinstance(agent, dict):
            continue
        paged = int(agent.get("paged_count") or 0)
        messages: list[RawMessage] = []
        if paged:
            messages = await store.pages.read_range(
                session_id, key, agent.get("incarnation"), 0, paged
            )
        messages.extend(agent.get("messages") or [])
        await store.resolve_values(session_id, messages)
        agent["messages"] = messages
    return document
