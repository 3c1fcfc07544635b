"""What a manager remembers about each agent between writes.

The manager writes only what changed since its last write, and folds those
changes into the write of the next message, so a message costs one write and an
unchanged sync costs none.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from strands.types.session import SessionAgent, SessionMessage

from mongodb_session_manager.store.codec import encoded_size

if TYPE_CHECKING:
    from mongodb_session_manager.services.guardrail import RedactionPlan

__all__ = [
    "CONFIG_FIELDS",
    "STATE_FIELDS",
    "AgentTracker",
    "ToolUsageState",
    "model_id_of",
    "snapshot_agent",
]

STATE_FIELDS = ("state", "conversation_manager_state", "internal_state")
CONFIG_FIELDS = ("model", "system_prompt")


@dataclass
class ToolUsageState:
    """What a manager remembers per agent to count tool usage."""

    pending: dict[str, str] = field(default_factory=dict)
    """toolUseId -> tool name, from the agent's latest assistant message with tool uses."""
    time_seen: dict[str, float] = field(default_factory=dict)
    """Tool name -> Strands' cumulative ``total_time`` (seconds) already counted."""
    known_keys: set[str] = field(default_factory=set)
    """Tool keys this manager has already counted in ``size_bytes``."""


@dataclass
class AgentTracker:
    """Per-agent bookkeeping of a manager."""

    agent_id: str
    next_message_id: int = 0
    stored: bool = False
    """Whether the agent record exists in the database."""
    pending_messages: list[SessionMessage] = field(default_factory=list)
    """Initial messages to store with the agent's creation (deferred in async apps)."""
    last: dict[str, Any] = field(default_factory=dict)
    """Field values as last written (or read)."""
    state_bytes: int = 0
    latest: SessionMessage | None = None
    pending_redactions: dict[int, RedactionPlan] = field(default_factory=dict)
    """Guardrail events of pending messages, written with the agent's creation."""
    tool_usage: ToolUsageState = field(default_factory=ToolUsageState)
    """Tool uses awaiting their results and tool time already counted."""

    def changes(self, snapshot: dict[str, Any]) -> dict[str, Any]:
        """Fields of ``snapshot`` that differ from what was last written.

        A configuration value (model, system prompt) of ``None`` is never written
        over a stored one.
        """
        changed: dict[str, Any] = {}
        for name, value in snapshot.items():
            if name in CONFIG_FIELDS and value is None:
                continue
            if name not in self.last or self.last[name] != value:
                changed[name] = value
        return changed

    def state_bytes_after(self, changes: dict[str, Any]) -> int:
        """Encoded size of the state fields once ``changes`` are applied."""
        if not any(name in changes for name in STATE_FIELDS):
            return self.state_bytes
        merged = {name: changes.get(name, self.last.get(name)) for name in STATE_FIELDS}
        return encoded_size(merged, f"state of agent {self.agent_id!r}")

    def fields_to_write(self, changes: dict[str, Any]) -> tuple[dict[str, Any], int]:
        """``changes`` plus the new ``state_bytes`` when a state field changed; and that size."""
        state_bytes = self.state_bytes_after(changes)
        fields = dict(changes)
        if any(name in changes for name in STATE_FIELDS):
            fields["state_bytes"] = state_bytes
        return fields, state_bytes

    def remember(self, changes: dict[str, Any], state_bytes: int) -> None:
        """Record ``changes`` as written."""
        for name, value in changes.items():
            self.last[name] = copy.deepcopy(value)
        self.state_bytes = state_bytes


def snapshot_agent(agent: Any) -> dict[str, Any]:
    """The stored fields of a live agent: state, manager state, internal state, config."""
    session_agent = SessionAgent.from_agent(agent)
    snapshot: dict[str, Any] = {
        "state": session_agent.state,
        "conversation_manager_state": session_agent.conversation_manager_state,
        "internal_state": session_agent._internal_state,
        "model": model_id_of(agent),
        "system_prompt": getattr(agent, "system_prompt", None),
    }
    if not isinstance(snapshot["system_prompt"], str | None):
        snapshot["system_prompt"] = str(snapshot["system_prompt"])
    return snapshot


def model_id_of(agent: Any) -> str | None:
    """The model id an agent runs, when its model says (``config["model_id"]``)."""
    model = getattr(agent, "model", None)
    config = getattr(model, "config", None)
    if isinstance(config, dict):
        value = config.get("model_id")
        return str(value) if value is not None else None
    return None
