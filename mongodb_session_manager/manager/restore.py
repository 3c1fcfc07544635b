"""Restoring a live agent from what is stored (on first use, and on reload)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from strands.agent.state import AgentState
from strands.types.content import Message

from mongodb_session_manager.errors import SessionNotFoundError
from mongodb_session_manager.manager.opening import removed_count
from mongodb_session_manager.manager.tracking import STATE_FIELDS, AgentTracker
from mongodb_session_manager.store.codec import (
    raw_to_agent_message,
    raw_to_session_agent,
    raw_to_session_message,
)
from mongodb_session_manager.store.sessions import RawMessage

if TYPE_CHECKING:
    from mongodb_session_manager.store.sessions import SessionStore

__all__ = ["ReloadRead", "read_for_reload", "restore_agent"]

ReloadRead = tuple[dict[str, Any], int, list[RawMessage]]
"""The stored agent fields, the conversation manager's offset, the messages past it (as stored)."""


def restore_agent(
    agent: Any,
    tracker: AgentTracker,
    stored: dict[str, Any],
    read_messages: Callable[[int], list[RawMessage]],
    fix_broken_tool_use: Callable[[list[Message]], list[Message]],
) -> None:
    """Give ``agent`` the stored state and messages; point ``tracker`` at what is stored.

    The agent's messages are built straight from the stored documents (what
    Strands' ``SessionMessage.to_message()`` would give); the one
    ``SessionMessage`` built is the latest message's, for ``tracker.latest``.
    Nothing else of the documents is kept once this returns.

    Args:
        agent: The live agent.
        tracker: Its (fresh) tracker.
        stored: The agent's stored fields.
        read_messages: The stored message documents past an offset (preloaded or read now).
        fix_broken_tool_use: Strands' repair of a dangling tool use in the history.
    """
    from strands.agent.agent import Agent as StrandsAgent

    session_agent = raw_to_session_agent(stored)
    agent.state = AgentState(session_agent.state)
    session_agent.initialize_internal_state(agent)
    prepend: list[Message] = []
    offset = 0
    if isinstance(agent, StrandsAgent):
        prepend = (
            agent.conversation_manager.restore_from_session(
                session_agent.conversation_manager_state
            )
            or []
        )
        offset = agent.conversation_manager.removed_message_count
    raws = read_messages(offset)
    tracker.stored = True
    tracker.next_message_id = int(stored.get("message_count", 0))
    tracker.state_bytes = int(stored.get("state_bytes", 0))
    tracker.last = {name: stored.get(name) for name in (*STATE_FIELDS, "model", "system_prompt")}
    tracker.latest = raw_to_session_message(raws[-1]) if raws else None
    if isinstance(agent, StrandsAgent) and agent.model.stateful:
        return
    messages = [*prepend, *map(raw_to_agent_message, raws)]
    del raws  # the documents go now: the agent's messages share only their parts
    agent.messages = fix_broken_tool_use(messages)


async def read_for_reload(store: SessionStore, session_id: str, agent_id: str) -> ReloadRead:
    """Two reads: the agent's fields, then its messages past the conversation manager's offset.

    Raises:
        SessionNotFoundError: The agent (or the session) is not stored.
    """
    stored = await store.read_agent(session_id, agent_id)
    if stored is None:
        raise SessionNotFoundError(session_id, agent_id)
    offset = removed_count(stored)
    return stored, offset, await store.read_messages(session_id, agent_id, offset, None)
