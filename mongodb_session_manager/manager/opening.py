"""Opening a session: one read (with the preloaded agents' fields), or an insert if new."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from strands.types.session import Session, SessionType

from mongodb_session_manager.errors import SessionNotFoundError
from mongodb_session_manager.models import storage_key
from mongodb_session_manager.store.codec import agent_from, read_stamp, session_type_of
from mongodb_session_manager.store.sessions import RawMessage, SessionStore

__all__ = ["OpenedSession", "open_session", "removed_count"]


@dataclass
class OpenedSession:
    """What opening read: the session, whether it was just created, the preloaded agents."""

    session: Session
    is_new: bool = False
    agents: dict[str, dict[str, Any] | None] = field(default_factory=dict)
    """Preloaded agent fields by agent id (``None``: not stored)."""
    messages: dict[tuple[str, int], list[RawMessage]] = field(default_factory=dict)
    """Preloaded message documents by (agent id, conversation manager offset), as stored:
    restoring the agent pops them and builds its messages straight from them."""


def removed_count(stored_agent: dict[str, Any]) -> int:
    """The conversation manager's offset, as Strands' managers store it."""
    state = stored_agent.get("conversation_manager_state") or {}
    value = state.get("removed_message_count", 0)
    return int(value) if isinstance(value, int) else 0


async def open_session(
    store: SessionStore,
    session_id: str,
    application_name: str | None,
    preload_agents: tuple[str, ...],
    *,
    with_messages: bool,
    create: bool = True,
) -> OpenedSession:
    """One read for an existing session (with preloaded agents' fields); insert if new.

    ``with_messages`` also reads the preloaded agents' messages now (the async
    constructor does, so building the Agent on the app's loop does no I/O).

    Raises:
        SessionNotFoundError: ``create=False`` and the session does not exist.
        SchemaVersionError: The stored session needs a migration.
    """
    raw = await store.read_header(session_id, preload_agents)
    if raw is None and not create:
        raise SessionNotFoundError(session_id)
    if raw is None:
        session = Session(session_id=session_id, session_type=SessionType.AGENT)
        if await store.create_session(session, application_name):
            return OpenedSession(session, is_new=True)
        raw = await store.read_header(session_id, preload_agents)
        if raw is None:  # created and deleted in between: start over as new
            await store.create_session(session, application_name)
            return OpenedSession(session, is_new=True)
    opened = OpenedSession(
        Session(
            session_id=session_id,
            session_type=session_type_of(raw.get("session_type")),
            created_at=read_stamp(raw, "created_at"),
            updated_at=read_stamp(raw, "updated_at"),
        )
    )
    for agent_id in preload_agents:
        agent = agent_from(raw, storage_key(agent_id), agent_id)
        opened.agents[agent_id] = agent
        if agent is not None and with_messages:
            offset = removed_count(agent)
            opened.messages[(agent_id, offset)] = await store.read_messages(
                session_id, agent_id, offset, None
            )
    return opened
