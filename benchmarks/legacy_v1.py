"""A frozen copy of schema v1's append, through raw PyMongo: the baseline of issue 16.

Schema v1 (the library up to issue 16) kept every message of an agent in its
session document: an append was one guarded ``update_one`` that ``$push``-ed the
message into ``agents.<key>.messages``, incremented ``message_count``,
``size_bytes`` and the usage totals and moved ``updated_at``, on the condition
that ``message_count`` equals the new ``message_id`` and that ``size_bytes`` stays
under the size limit (16 MiB less 256 KiB). A write that matched nothing cost one
more read, to tell a too-large session from a conflict.

This module writes exactly that, with its own copies of the builders (frozen from
``store/updates.py::append_update``, ``store/sessions.py::SessionStore.append`` and
``store/guarded.py::update_session`` as they were before pages), so the baseline
survives the library's change to pages. It imports nothing from the library but
the typed error it raised (:class:`~mongodb_session_manager.errors.SessionTooLargeError`).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import bson
from pymongo.collection import Collection
from pymongo.errors import DocumentTooLarge

from mongodb_session_manager.errors import SessionTooLargeError

__all__ = [
    "V1_MAX_DOCUMENT_BYTES",
    "LegacyV1Session",
    "v1_message_document",
    "v1_stop_point",
]

V1_MAX_DOCUMENT_BYTES = 16 * 1024 * 1024 - 256 * 1024
"""v1's default ``max_document_bytes``: MongoDB's 16 MiB less headroom."""
ARRAY_ITEM_OVERHEAD = 12
"""BSON bytes one array element adds beyond its value."""
SESSION_OVERHEAD = 64
"""What v1 added to a new session document's encoded size."""
AGENT_KEY = "default"

_USAGE = (
    ("usage", "inputTokens", "input_tokens"),
    ("usage", "outputTokens", "output_tokens"),
    ("usage", "totalTokens", "total_tokens"),
    ("metrics", "latencyMs", "latency_ms"),
    ("metrics", "timeToFirstByteMs", "time_to_first_byte_ms"),
)


def _utcnow() -> datetime:
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def _increments(metadata: Mapping[str, Any] | None) -> dict[str, int]:
    """v1's ``Totals.increments``: the ``$inc`` amounts of one message."""
    inc = {"messages": 1}
    if not metadata:
        return inc
    if metadata.get("usage") or metadata.get("metrics"):
        inc["model_calls"] = 1
    for source, key, target in _USAGE:
        value = (metadata.get(source) or {}).get(key)
        if isinstance(value, int | float) and not isinstance(value, bool) and value:
            inc[target] = int(value)
    return inc


def v1_message_document(message: Mapping[str, Any], message_id: int) -> dict[str, Any]:
    """The stored dict of a Strands message, as v1 stored it (no blob references)."""
    now = _utcnow()
    document: dict[str, Any] = {
        "message_id": message_id,
        "role": message.get("role", ""),
        "content": list(message.get("content") or []),
    }
    if message.get("metadata") is not None:
        document["metadata"] = message["metadata"]
    document["created_at"] = now
    document["updated_at"] = now
    return document


def v1_append_update(
    key: str, document: dict[str, Any], added_bytes: int, now: datetime
) -> dict[str, Any]:
    """v1's ``append_update``: push the message, move the counters, totals and dates."""
    increments = _increments(document.get("metadata"))
    return {
        "$push": {f"agents.{key}.messages": document},
        "$inc": {
            f"agents.{key}.message_count": 1,
            "size_bytes": added_bytes,
            **{f"totals.{k}": v for k, v in increments.items()},
            **{f"agents.{key}.totals.{k}": v for k, v in increments.items()},
        },
        "$set": {f"agents.{key}.updated_at": now, "updated_at": now},
    }


def v1_stop_point(sizes: list[int], start_bytes: int, limit: int = V1_MAX_DOCUMENT_BYTES) -> int:
    """How many messages of encoded ``sizes`` v1 accepts before its size guard refuses one.

    ``start_bytes`` is the session's ``size_bytes`` with no message (session and agent).
    """
    total = start_bytes
    for count, size in enumerate(sizes):
        total += size + ARRAY_ITEM_OVERHEAD
        if total > limit:
            return count
    return len(sizes)


class LegacyV1Session:
    """One v1-shaped session (one agent) written with raw PyMongo, as v1 wrote it.

    Args:
        collection: A raw PyMongo collection (not the library's).
        session_id: The session's id.
        max_document_bytes: v1's size guard.
    """

    def __init__(
        self,
        collection: Collection[dict[str, Any]],
        session_id: str,
        max_document_bytes: int = V1_MAX_DOCUMENT_BYTES,
    ) -> None:
        self.collection = collection
        self.session_id = session_id
        self.max_document_bytes = max_document_bytes
        self.message_count = 0

    def empty_document(self) -> dict[str, Any]:
        """The session document with its one agent and no message."""
        now = _utcnow()
        return {
            "_id": self.session_id,
            "session_id": self.session_id,
            "session_type": "AGENT",
            "schema_version": 1,
            "created_at": now,
            "updated_at": now,
            "application_name": None,
            "metadata": {},
            "feedbacks": [],
            "totals": {},
            "size_bytes": 0,
            "agents": {
                AGENT_KEY: {
                    "agent_id": AGENT_KEY,
                    "state": {},
                    "conversation_manager_state": {},
                    "internal_state": {},
                    "model": None,
                    "system_prompt": None,
                    "message_count": 0,
                    "state_bytes": 2,
                    "totals": {},
                    "messages": [],
                    "created_at": now,
                    "updated_at": now,
                }
            },
        }

    def empty_bytes(self) -> int:
        """``size_bytes`` of the session with no message."""
        return len(bson.encode(self.empty_document())) + SESSION_OVERHEAD

    def create(self, messages: list[dict[str, Any]], *, as_appended: bool = False) -> int:
        """Insert the session holding ``messages`` (Strands messages) at once; its ``size_bytes``.

        What v1's create-agent-with-history wrote: the whole document in one write,
        ``size_bytes`` its encoded size. With ``as_appended``, ``size_bytes`` is what
        v1 would have counted had each message been appended (its per-append
        estimate: encoded message + 12), as a session grown turn by turn has.

        Raises:
            SessionTooLargeError: The document would be past the size guard.
        """
        document = self.empty_document()
        agent = document["agents"][AGENT_KEY]
        agent["messages"] = [v1_message_document(m, i) for i, m in enumerate(messages)]
        agent["message_count"] = len(messages)
        totals: dict[str, int] = {}
        for stored in agent["messages"]:
            for name, value in _increments(stored.get("metadata")).items():
                totals[name] = totals.get(name, 0) + value
        document["totals"] = totals
        agent["totals"] = copy.deepcopy(totals)
        if as_appended:
            size = self.empty_bytes() + sum(
                len(bson.encode(m)) + ARRAY_ITEM_OVERHEAD for m in agent["messages"]
            )
        else:
            size = len(bson.encode(document)) + SESSION_OVERHEAD
        if size > self.max_document_bytes:
            raise SessionTooLargeError(self.session_id, 0, size, self.max_document_bytes)
        document["size_bytes"] = size
        self.collection.insert_one(document)
        self.message_count = len(messages)
        return size

    def append(self, message: Mapping[str, Any]) -> None:
        """One message: v1's guarded ``update_one`` (one round trip; two if refused).

        Raises:
            SessionTooLargeError: v1's size guard (or the driver, for a message past
                MongoDB's own limit) refused it; nothing was written.
            RuntimeError: The stored ``message_count`` moved (another writer).
        """
        message_id = self.message_count
        document = v1_message_document(message, message_id)
        added = len(bson.encode(document)) + ARRAY_ITEM_OVERHEAD
        update = v1_append_update(AGENT_KEY, document, added, _utcnow())
        query = {
            "_id": self.session_id,
            f"agents.{AGENT_KEY}.message_count": message_id,
            "size_bytes": {"$lte": self.max_document_bytes - added},
        }
        try:
            matched = self.collection.update_one(query, update).matched_count
        except DocumentTooLarge as exc:  # v1's ``too_large_errors``: the driver refused it
            raise SessionTooLargeError(self.session_id, -1, added, self.max_document_bytes) from exc
        if matched:
            self.message_count += 1
            return
        found = self.collection.find_one(
            {"_id": self.session_id},
            {"size_bytes": 1, f"agents.{AGENT_KEY}.message_count": 1},
        )
        if found is not None and found["agents"][AGENT_KEY]["message_count"] == message_id:
            raise SessionTooLargeError(
                self.session_id, int(found["size_bytes"]), added, self.max_document_bytes
            )
        raise RuntimeError(f"v1 append of message {message_id} matched nothing: {found!r}")
