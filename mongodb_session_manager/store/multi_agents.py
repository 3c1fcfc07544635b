"""The Graph / Swarm states of a session (``multi_agents.<key>``), as part of the session store."""

from __future__ import annotations

from typing import Any

from mongodb_session_manager.models import MultiAgentRecord, storage_key, utcnow, validate_id
from mongodb_session_manager.store.codec import multi_agent_size
from mongodb_session_manager.store.guarded import GuardedGateway
from mongodb_session_manager.store.updates import multi_agent_update

__all__ = ["MultiAgentStates"]


class MultiAgentStates(GuardedGateway):
    """Reads and guarded writes of multi-agent states (mixed into ``SessionStore``)."""

    async def read_multi_agent(self, session_id: str, multi_agent_id: str) -> dict[str, Any] | None:
        """The stored state of a Graph / Swarm, or ``None``."""
        validate_id(session_id, "session_id")
        key = storage_key(validate_id(multi_agent_id, "multi_agent_id"))
        raw = await self.collection().find_one({"_id": session_id}, {f"multi_agents.{key}": 1})
        record = ((raw or {}).get("multi_agents") or {}).get(key)
        if record is None or record.get("multi_agent_id") != multi_agent_id:
            return None
        state: dict[str, Any] = record.get("state") or {}
        return state

    async def write_multi_agent(
        self, session_id: str, multi_agent_id: str, state: dict[str, Any], known_bytes: int = 0
    ) -> int:
        """Upsert a Graph / Swarm state; returns its size (pass it as ``known_bytes`` next time).

        ``known_bytes`` is the size of the state stored before (0 if unknown: then
        ``size_bytes`` counts it twice, the safe side).
        """
        key = storage_key(validate_id(multi_agent_id, "multi_agent_id"))
        size = multi_agent_size(state, f"state of multi-agent {multi_agent_id!r}")
        added = size - known_bytes
        now = utcnow()
        record = MultiAgentRecord(
            multi_agent_id=multi_agent_id, state=state, created_at=now, updated_at=now
        )
        update = multi_agent_update(key, multi_agent_id, record.state, added, now)
        await self.update_session(session_id, update, added_bytes=added)
        return size
