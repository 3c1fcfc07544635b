"""Long sessions stored fast, for the cases of issue 16 (append scaling, windowed resume).

Appending 50,000 messages one at a time through a manager would take most of a
run, so the sessions are stored in bulk, in exactly the shape each contender
reads:

- ours: the session and its agent created through the library, then the
  schema-v2 shape written directly (``docs/design/issue-16-plan.md``): the
  agent's older messages in page documents of ``<collection>_pages`` cut by
  :func:`~mongodb_session_manager.models.pages.split_into_pages` (as the live
  writer seals them), the recent ones in the session document, the counters
  (``message_count``, ``paged_count``, ``page_count``, ``recent_bytes``) set to match;
- FileSessionManager: its own ``create_message`` per message (a file each).

Both store the same sliding-window state (``removed_message_count``), so a resume
with ``SlidingWindowConversationManager(window_size=40)`` reads only the window.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import bson
from strands.agent.conversation_manager import SlidingWindowConversationManager
from strands.types.session import SessionAgent, SessionMessage

from benchmarks.context import BenchContext
from mongodb_session_manager.models import DEFAULT_COLLECTION, Totals, storage_key, utcnow
from mongodb_session_manager.models.limits import ARRAY_ITEM_OVERHEAD
from mongodb_session_manager.models.pages import (
    PagePolicy,
    new_incarnation,
    page_id,
    pages_collection,
    split_into_pages,
)
from mongodb_session_manager.store.message_documents import message_document

AGENT = "default"
WINDOW = 40
"""The fixed window of the windowed resume (``SlidingWindowConversationManager``)."""
WINDOWED = "windowed: "
"""Prefix of the ``BenchContext.stored`` keys of these sessions (stored with the window state)."""
PAGE_BATCH = 20
"""Pages per ``insert_many`` (~1 MB): the embedded server answers one command at a time."""


def window_offset(messages: Sequence[dict[str, Any]], window: int = WINDOW) -> int:
    """``removed_message_count`` of a window of at most ``window`` messages ending the session.

    The window starts on a user prompt (not a tool result), as Strands' trimming leaves it.
    """
    start = max(0, len(messages) - window)
    while start < len(messages) and (
        messages[start]["role"] != "user"
        or any("toolResult" in block for block in messages[start]["content"])
    ):
        start += 1
    return start


def window_state(removed: int) -> dict[str, Any]:
    """What ``SlidingWindowConversationManager.get_state()`` stores after ``removed`` trims."""
    return {
        "__name__": SlidingWindowConversationManager.__name__,
        "removed_message_count": removed,
        "model_call_count": 0,
    }


def window_manager() -> SlidingWindowConversationManager:
    """The conversation manager of a windowed resume."""
    return SlidingWindowConversationManager(window_size=WINDOW)


@dataclass
class StoredSession:
    """One bulk-stored session of ours: enough to put it back as it was."""

    session_id: str
    document: dict[str, Any]
    """The session document as stored (recent messages only)."""
    paged_count: int
    page_count: int
    message_count: int


def _pages_of(ctx: BenchContext) -> Any:
    return ctx.raw()[pages_collection(DEFAULT_COLLECTION)]


def populate_ours(
    ctx: BenchContext,
    session_id: str,
    messages: Sequence[dict[str, Any]],
    *,
    removed: int = 0,
    policy: PagePolicy | None = None,
) -> StoredSession:
    """Store ``messages`` as agent ``default`` of ``session_id`` in the schema-v2 shape."""
    manager = ctx.ours(session_id)
    agent = ctx.agent(manager)
    manager.sync_agent(agent)  # the session and its (empty) agent, written by the library
    manager.close()
    sessions = ctx.raw()[DEFAULT_COLLECTION]
    key = storage_key(AGENT)
    stored = sessions.find_one({"_id": session_id}, {f"agents.{key}.incarnation": 1})
    incarnation = ((stored or {}).get("agents") or {}).get(key, {}).get(
        "incarnation"
    ) or new_incarnation()
    documents = [
        message_document(SessionMessage.from_message(dict(m), i))
        for i, m in enumerate(messages)  # type: ignore[arg-type]
    ]
    sizes = [len(bson.encode(d)) for d in documents]
    pages, recent = split_into_pages(documents, sizes, policy or PagePolicy())
    now = utcnow()
    page_docs: list[dict[str, Any]] = []
    first = 0
    for page in pages:
        end = first + len(page)
        page_docs.append(
            {
                "_id": page_id(session_id, key, incarnation, first),
                "session_id": session_id,
                "agent_key": key,
                "agent_id": AGENT,
                "incarnation": incarnation,
                "first_id": first,
                "end_id": end,
                "count": len(page),
                "bytes": sum(s + ARRAY_ITEM_OVERHEAD for s in sizes[first:end]),
                "rev": 0,
                "messages": page,
                "created_at": now,
            }
        )
        first = end
    for start in range(0, len(page_docs), PAGE_BATCH):
        _pages_of(ctx).insert_many(page_docs[start : start + PAGE_BATCH])
    recent_bytes = sum(s + ARRAY_ITEM_OVERHEAD for s in sizes[first:])
    totals: dict[str, int] = {}
    for document in documents:
        for name, value in Totals.increments(document.get("metadata")).items():
            totals[name] = totals.get(name, 0) + value
    sessions.update_one(
        {"_id": session_id},
        {
            "$set": {
                f"agents.{key}.messages": recent,
                f"agents.{key}.message_count": len(messages),
                f"agents.{key}.incarnation": incarnation,
                f"agents.{key}.paged_count": first,
                f"agents.{key}.page_count": len(pages),
                f"agents.{key}.recent_bytes": recent_bytes,
                f"agents.{key}.rev": 0,
                f"agents.{key}.conversation_manager_state": window_state(removed),
                **{f"agents.{key}.totals.{k}": v for k, v in totals.items()},
                **{f"totals.{k}": v for k, v in totals.items()},
            },
            "$inc": {"size_bytes": recent_bytes},
        },
    )
    document = sessions.find_one({"_id": session_id})
    assert document is not None
    return StoredSession(session_id, document, first, len(pages), len(messages))


def restore_ours(ctx: BenchContext, stored: StoredSession) -> None:
    """Put a bulk-stored session back as :func:`populate_ours` left it (drop later pages)."""
    ctx.raw()[DEFAULT_COLLECTION].replace_one({"_id": stored.session_id}, stored.document)
    _pages_of(ctx).delete_many(
        {"session_id": stored.session_id, "first_id": {"$gte": stored.paged_count}}
    )


def populate_file(
    ctx: BenchContext, session_id: str, messages: Sequence[dict[str, Any]], *, removed: int = 0
) -> None:
    """Store ``messages`` with FileSessionManager's own writes (a file per message)."""
    manager = ctx.file(session_id)
    ctx.agent(manager)
    for i, message in enumerate(messages):
        manager.create_message(session_id, AGENT, SessionMessage.from_message(dict(message), i))  # type: ignore[arg-type]
    agent = manager.read_agent(session_id, AGENT)
    assert agent is not None
    manager.update_agent(
        session_id,
        SessionAgent(
            agent_id=AGENT,
            state=agent.state,
            conversation_manager_state=window_state(removed),
            _internal_state=agent._internal_state,
            created_at=agent.created_at,
        ),
    )


def truncate_file(ctx: BenchContext, session_id: str, keep: int) -> None:
    """Remove FileSessionManager's message files from ``keep`` on (undo appends)."""
    folder = os.path.join(ctx.file(session_id)._get_agent_path(session_id, AGENT), "messages")
    for name in os.listdir(folder):
        if int(name.removeprefix("message_").removesuffix(".json")) >= keep:
            os.remove(os.path.join(folder, name))
