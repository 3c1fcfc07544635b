"""Long sessions stored fast, for the cases of issue 16 (append scaling, windowed resume).

Appending 50,000 messages one at a time through a manager would take most of a
run, so the sessions are stored in bulk, in exactly the shape each contender
reads:

- ours: the library's own bulk path, ``Agent(messages=...)`` on a new session: one
  write of the agent whose older messages the store cuts into page documents of
  ``<collection>_pages`` (as the live writer seals them), the recent ones staying
  in the session document;
- FileSessionManager: its own ``create_message`` per message (a file each).

Both store the same sliding-window state (``removed_message_count``), so a resume
with ``SlidingWindowConversationManager(window_size=40)`` reads only the window.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from strands.agent.conversation_manager import SlidingWindowConversationManager
from strands.types.session import SessionAgent, SessionMessage

from benchmarks.context import BenchContext
from mongodb_session_manager.models import DEFAULT_COLLECTION, storage_key
from mongodb_session_manager.models.pages import (
    pages_collection,
)

AGENT = "default"
WINDOW = 40
"""The fixed window of the windowed resume (``SlidingWindowConversationManager``)."""
WINDOWED = "windowed: "
"""Prefix of the ``BenchContext.stored`` keys of these sessions (stored with the window state)."""


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
    ctx: BenchContext, session_id: str, messages: Sequence[dict[str, Any]], *, removed: int = 0
) -> StoredSession:
    """Store ``messages`` as agent ``default`` of ``session_id`` through the library's bulk path.

    ``Agent(messages=...)`` on a new session makes one write of the agent with its
    history cut into pages (the store's ``create_agent``); a sync then stores the
    window state.
    """
    manager = ctx.ours(session_id)
    agent = ctx.agent(manager, messages=list(messages), conversation_manager=window_manager())
    agent.conversation_manager.removed_message_count = removed
    manager.sync_agent(agent)
    manager.close()
    document = ctx.raw()[DEFAULT_COLLECTION].find_one({"_id": session_id})
    if document is None:
        raise RuntimeError(f"the library did not store session {session_id!r}")
    stored = document["agents"][storage_key(AGENT)]
    if stored.get("message_count") != len(messages):
        raise RuntimeError(f"the library stored {stored.get('message_count')} of {len(messages)}")
    return StoredSession(
        session_id,
        document,
        int(stored.get("paged_count") or 0),
        int(stored.get("page_count") or 0),
        len(messages),
    )


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
