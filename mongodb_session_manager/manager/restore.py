"""Restoring a live agent from what is stored (on first use, and on reload)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from strands.agent.state import AgentState
from strands.types.content import Message
from strands.types.session import SessionMessage

from mongodb_session_manager.errors import SessionNotFoundError
from mongodb_session_manager.manager.opening import removed_count
from mongodb_session_manager.manager.tracking import STATE_FIELDS, AgentTracker
from mongodb_session_manager.store.codec import raw_to_session_agent, raw_to_session_message

if TYPE_CHECKING:
    from mongodb_session_manager.store.sessions import SessionStore

__all__ = ["ReloadRead", "read_for_reload", "restore_agent"]

ReloadRead = tuple[dict[str, Any], int, list[SessionMessage]]
"""The stored agent fields, the conversation manager's offset, the messages past it."""


def restore_agent(
    agent: Any,
    tracker: AgentTracker,
    stored: dict[str, Any],
    read_messages: Callable[[int], list[SessionMessage]],
    fix_broken_tool_use: Callable[[list[Message]], list[Message]],
) -> None:
    """Give ``agent`` the stored state and messages; point ``tracker`` at what is stored.

    Args:
        agent: The live agent.
        tracker: Its (fresh) tracker.
        stored: The agent's stored fields.
        read_messages: The stored messages past an offset (preloaded or read now).
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
    messages = read_messages(offset)
    tracker.stored = True
    tracker.next_message_id = int(stored.get("message_count", 0))
    tracker.state_bytes = int(stored.get("state_bytes", 0))
    tracker.last = {name: stored.get(name) for name in (*STATE_FIELDS, "model", "system_prompt")}
    tracker.latest = messages[-1] if messages else None
    if isinstance(agent, StrandsAgent) and agent.model.stateful:
        return
    agent.messages = prepend + [message.to_message() for message in messages]
    agent.messages = fix_broken_tool_use(agent.messages)


async def read_for_reload(store: SessionStore, session_id: str, agent_id: str) -> ReloadRead:
    """Two reads: the agent's fields, then its messages past the conversation manager's offset.

    Raises:
        SessionNotFoundError: The agent (or the session) is not stored.
    """
    stored = await store.read_agent(session_id, agent_id)
    if stored is None:
        raise SessionNotFoundError(session_id, agent_id)
    offset = removed_count(stored)
    raws = await store.read_messages(session_id, agent_id, offset, None)
    return stored, offset, [raw_to_session_message(raw) for raw in raws]
