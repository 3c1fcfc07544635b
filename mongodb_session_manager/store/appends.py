"""Appending at a constant cost: recent messages in the session, older ones in pages.

Every append is still the message's one guarded write of the session document;
its shape depends on what this process knows of the agent (its
:class:`PageCursor`, learned from reads and from its own writes):

* **plain**: ``$push`` onto the recent messages (``agents.<key>.messages``);
* **seal**: the same write, sent as ``findAndModify`` returning the recent messages
  as they were, when this message brings them to a page's bound; then the page is
  written to ``<sessions>_pages`` (the one extra write a page costs);
* **commit**: the next append also removes the sealed messages from the session
  (``$push`` with ``$slice``) and moves ``paged_count``, guarded by the counters
  the page was read at, so the committed view changes in one document update;
* **learn**: with no cursor, the plain write as ``findAndModify`` returning the
  counters (still one round trip).

A crash between any two of these loses and duplicates nothing: readers take
pages below ``paged_count`` only, and a page is rewritten at the same ``_id``
until it is committed (``docs/architecture.md``, "Message pages").
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import bson

from mongodb_session_manager.errors import SessionConflictError
from mongodb_session_manager.models import utcnow
from mongodb_session_manager.models.limits import ARRAY_ITEM_OVERHEAD
from mongodb_session_manager.store.pages import PageStore, page_document

if TYPE_CHECKING:
    from mongodb_session_manager.store.guarded import GuardedGateway

__all__ = ["CURSOR_FIELDS", "CursorCache", "PageCursor", "PendingPage", "append_paged"]

logger = logging.getLogger(__name__)

CURSOR_FIELDS = ("message_count", "incarnation", "paged_count", "page_count", "recent_bytes", "rev")
"""The agent fields a cursor is made of."""


@dataclass(slots=True)
class PendingPage:
    """A page written but not yet committed: what the commit must remove."""

    first_id: int
    count: int
    bytes: int
    rev: int
    at: int
    """The ``message_id`` whose append carries the commit (nothing may come between)."""


@dataclass(slots=True)
class PageCursor:
    """What this process knows of an agent's paging (exact while its own writes succeed)."""

    message_count: int
    incarnation: str | None
    paged_count: int = 0
    page_count: int = 0
    recent_bytes: int = 0
    rev: int = 0
    pending: PendingPage | None = None

    @classmethod
    def from_agent(cls, agent: Mapping[str, Any]) -> PageCursor:
        """The cursor of a stored agent's fields (missing counters read as 0)."""
        return cls(
            message_count=int(agent.get("message_count") or 0),
            incarnation=agent.get("incarnation"),
            paged_count=int(agent.get("paged_count") or 0),
            page_count=int(agent.get("page_count") or 0),
            recent_bytes=int(agent.get("recent_bytes") or 0),
            rev=int(agent.get("rev") or 0),
        )


class CursorCache:
    """The cursors of the agents this store wrote or read lately (bounded: an LRU).

    A missing cursor costs nothing but a ``findAndModify`` in place of an update.
    """

    def __init__(self, capacity: int = 4096) -> None:
        self.capacity = capacity
        self._cursors: OrderedDict[tuple[str, str], PageCursor] = OrderedDict()
        self._leases: OrderedDict[str, datetime] = OrderedDict()

    def get(self, session_id: str, key: str, message_id: int) -> PageCursor | None:
        """The cursor if it expects exactly ``message_id`` next, else ``None`` (dropped)."""
        cursor = self._cursors.get((session_id, key))
        if cursor is None:
            return None
        if cursor.message_count != message_id:
            del self._cursors[(session_id, key)]
            return None
        self._cursors.move_to_end((session_id, key))
        return cursor

    def peek(self, session_id: str, key: str) -> PageCursor | None:
        """The cursor of an agent, whatever it expects next (``None``: unknown)."""
        return self._cursors.get((session_id, key))

    def put(self, session_id: str, key: str, cursor: PageCursor) -> None:
        """Remember ``cursor`` (the oldest is forgotten past the capacity)."""
        self._cursors[(session_id, key)] = cursor
        self._cursors.move_to_end((session_id, key))
        while len(self._cursors) > self.capacity:
            self._cursors.popitem(last=False)

    def seed(self, session_id: str, key: str, agent: Mapping[str, Any]) -> None:
        """Learn an agent's counters from a read; a pending page survives only an equal read."""
        fresh = PageCursor.from_agent(agent)
        known = self._cursors.get((session_id, key))
        if known is not None and known.pending is not None:
            same = (known.message_count, known.paged_count, known.rev) == (
                fresh.message_count,
                fresh.paged_count,
                fresh.rev,
            )
            fresh.pending = known.pending if same else None
        self.put(session_id, key, fresh)
        if fresh.page_count:
            self.note_pages(session_id, datetime.min.replace(tzinfo=utcnow().tzinfo))

    def note_pages(self, session_id: str, until: datetime) -> None:
        """The session has pages expiring at ``until`` (kept if an expiry is known already)."""
        if session_id not in self._leases:
            self.leased(session_id, until)

    def forget(self, session_id: str) -> None:
        """Drop everything known of a session (it was deleted)."""
        for key in [k for k in self._cursors if k[0] == session_id]:
            del self._cursors[key]
        self._leases.pop(session_id, None)

    def lease_due(self, session_id: str, ttl: timedelta) -> datetime | None:
        """The new lease if the session's pages must be refreshed now, else ``None``.

        Pages expire no sooner than their session: they are written to expire at
        ``now + 2 ttl`` and refreshed (one write) once less than one ttl is left,
        so at most once per ttl per process.
        """
        until = self._leases.get(session_id)
        now = utcnow()
        if until is None or until >= now + ttl:
            return None
        return now + 2 * ttl

    def leased(self, session_id: str, until: datetime) -> None:
        """Remember that the session's pages expire no sooner than ``until``."""
        self._leases[session_id] = until
        self._leases.move_to_end(session_id)
        while len(self._leases) > self.capacity:
            self._leases.popitem(last=False)


def _counter(value: int) -> Any:
    """A condition on a counter; a missing one reads as 0 (agents stored before pages)."""
    return {"$in": [0, None]} if value == 0 else value


def _counters(key: str) -> dict[str, int]:
    return {f"agents.{key}.{name}": 1 for name in CURSOR_FIELDS}


def _with(update: Mapping[str, Any], **operators: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``update`` with more paths per operator (one level deep)."""
    merged = {op: dict(paths) for op, paths in update.items()}
    for op, paths in operators.items():
        target = merged.setdefault(op, {})
        for path, value in paths.items():
            target[path] = target.get(path, 0) + value if op == "$inc" else value
    return merged


async def append_paged(
    store: GuardedGateway,
    pages: PageStore,
    cache: CursorCache,
    *,
    session_id: str,
    agent_id: str,
    key: str,
    message: dict[str, Any],
    size: int,
    update: dict[str, Any],
) -> None:
    """Send ``update`` (an append of ``message``, ``size`` bytes) in the shape its cursor calls for.

    Args:
        store: The sessions gateway (the guarded write).
        pages: The page gateway.
        cache: This store's cursors.
        session_id: The session.
        agent_id: The agent.
        key: Its storage key.
        message: The message document (its ``message_id`` is the agent's count).
        size: Its encoded size plus the array overhead.
        update: The plain append (``$push`` of the message and everything else).

    Raises:
        SessionConflictError: Another writer appended first (as before pages).
    """
    message_id = int(message["message_id"])
    policy = store.settings.page_policy
    write: dict[str, Any] = dict(
        added_bytes=int(update["$inc"]["size_bytes"]),
        agent_id=agent_id,
        expected_count=message_id,
    )
    condition = {f"agents.{key}.message_count": message_id}
    cursor = cache.get(session_id, key, message_id)
    pending = cursor.pending if cursor is not None else None
    if cursor is not None and pending is not None:
        if pending.at == message_id and pending.first_id == cursor.paged_count:
            try:
                await _commit(store, cursor, pending, (session_id, agent_id, key), size, update)
            except SessionConflictError as exc:
                if exc.expected is None or exc.expected != exc.actual:
                    raise
                # Only the page's counters moved (a redaction): seal afresh instead.
                logger.info(
                    "pages.commit.stale | session_id=%s agent_id=%s first_id=%s",
                    session_id,
                    agent_id,
                    pending.first_id,
                )
                cursor.pending = None
            else:
                cursor.message_count = message_id + 1
                return
        cursor.pending = None
    if cursor is None:
        before = await store.update_session(
            session_id, update, condition=condition, before=_counters(key), **write
        )
        agent = ((before or {}).get("agents") or {}).get(key) or {}
        cursor = PageCursor.from_agent(agent)
        cursor.message_count, cursor.recent_bytes = message_id + 1, cursor.recent_bytes + size
        cache.put(session_id, key, cursor)
        return
    recent = message_id + 1 - cursor.paged_count
    if not policy.seal_due(recent, cursor.recent_bytes + size):
        await store.update_session(session_id, update, condition=condition, **write)
        cursor.message_count, cursor.recent_bytes = message_id + 1, cursor.recent_bytes + size
        return
    projection = {**_counters(key), f"agents.{key}.messages": 1}
    before = await store.update_session(
        session_id, update, condition=condition, before=projection, **write
    )
    agent = ((before or {}).get("agents") or {}).get(key) or {}
    fresh = PageCursor.from_agent(agent)
    fresh.message_count, fresh.recent_bytes = message_id + 1, fresh.recent_bytes + size
    cache.put(session_id, key, fresh)
    snapshot = [*(agent.get("messages") or []), message]
    await _write_page(store, pages, cache, fresh, session_id, agent_id, key, snapshot)


async def _commit(
    store: GuardedGateway,
    cursor: PageCursor,
    pending: PendingPage,
    where: tuple[str, str, str],
    size: int,
    update: dict[str, Any],
) -> None:
    session_id, agent_id, key = where
    message_id = pending.at
    keep = message_id - pending.first_id - pending.count + 1
    pushed = update["$push"][f"agents.{key}.messages"]
    recent_bytes = max(0, cursor.recent_bytes + size - pending.bytes)
    more: dict[str, Mapping[str, Any]] = {
        "$push": {f"agents.{key}.messages": {"$each": [pushed], "$slice": -keep}},
        "$inc": {
            f"agents.{key}.paged_count": pending.count,
            f"agents.{key}.page_count": 1,
            "size_bytes": -pending.bytes,
        },
        "$set": {f"agents.{key}.recent_bytes": recent_bytes},
    }
    commit = _with(update, **more)
    commit["$inc"].pop(f"agents.{key}.recent_bytes", None)
    await store.update_session(
        session_id,
        commit,
        added_bytes=int(commit["$inc"]["size_bytes"]),
        agent_id=agent_id,
        condition={
            f"agents.{key}.message_count": message_id,
            f"agents.{key}.paged_count": _counter(pending.first_id),
            f"agents.{key}.rev": _counter(pending.rev),
        },
        expected_count=message_id,
    )
    cursor.paged_count += pending.count
    cursor.page_count += 1
    cursor.recent_bytes = recent_bytes
    cursor.pending = None


async def _write_page(
    store: GuardedGateway,
    pages: PageStore,
    cache: CursorCache,
    cursor: PageCursor,
    session_id: str,
    agent_id: str,
    key: str,
    snapshot: list[dict[str, Any]],
) -> None:
    """The page write after a seal; its failure is logged, not raised (the message is stored)."""
    first = cursor.paged_count
    if cursor.incarnation is None or int(snapshot[0].get("message_id", -1)) != first:
        logger.warning(
            "pages.seal.skipped | session_id=%s agent_id=%s reason=%s",
            session_id,
            agent_id,
            "no incarnation" if cursor.incarnation is None else "recent messages out of order",
        )
        return
    size = sum(len(bson.encode(m)) + ARRAY_ITEM_OVERHEAD for m in snapshot)
    ttl = store.settings.ttl
    agent = {"agent_id": agent_id, "incarnation": cursor.incarnation}
    page = page_document(
        session_id, agent, key, snapshot, first=first, size=size, rev=cursor.rev, ttl=ttl
    )
    try:
        await pages.write_page(page)
    except Exception as exc:  # the append itself succeeded: the next one seals again
        logger.warning(
            "pages.write.failed | session_id=%s agent_id=%s first_id=%s error=%s",
            session_id,
            agent_id,
            first,
            type(exc).__name__,
        )
        return
    cursor.pending = PendingPage(first, len(snapshot), size, cursor.rev, cursor.message_count)
    if ttl is not None:
        cache.note_pages(session_id, page["expires_at"])
