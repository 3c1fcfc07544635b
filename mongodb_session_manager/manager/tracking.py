"""What a manager remembers about each agent between writes.

The manager writes only what changed since its last write, and folds those
changes into the write of the next message, so a message costs one write and an
unchanged sync costs none.

Change tracking follows Strands' own version counters: ``agent.state`` and the
interrupt state count their mutations (``_get_version``), so an unchanged state
is neither copied nor compared, whatever its size. Other fields are small and
compared as values.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from strands.types.content import Message
from strands.types.session import SessionMessage

from mongodb_session_manager.store.codec import encoded_size

if TYPE_CHECKING:
    from mongodb_session_manager.services.guardrail import RedactionPlan

__all__ = [
    "CONFIG_FIELDS",
    "STATE_FIELDS",
    "AgentTracker",
    "Changes",
    "Snapshot",
    "ToolUsageState",
    "is_final_reply",
    "model_id_of",
    "snapshot_agent",
]

STATE_FIELDS = ("state", "conversation_manager_state", "internal_state")
CONFIG_FIELDS = ("model", "system_prompt")

_DOCUMENT_OVERHEAD = 5
"""BSON bytes of a document around its elements (the length and the final NUL)."""

Versions = dict[str, tuple[int, int]]
"""Per versioned object (``"state"``, ``"interrupt_state"``): its id and version as written."""


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
    versions: Versions = field(default_factory=dict)
    """Strands' version counters of what :attr:`last` holds (see the module)."""
    field_bytes: dict[str, int] = field(default_factory=dict)
    """Encoded size of each state field as last written (its BSON element)."""
    pending_field_bytes: dict[str, int] = field(default_factory=dict)
    """Sizes measured for the write in flight; kept by :meth:`remember`."""
    in_turn: bool = False
    """Between Strands' before- and after-invocation events."""
    held: tuple[Message, Any] | None = None
    """The turn's final reply and its agent, written with the after-turn state."""

    def snapshot(self, agent: Any) -> Snapshot:
        """The fields of ``agent`` that may have changed since the last write (see the module)."""
        return snapshot_agent(agent, self)

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
        """Encoded size of the state fields once ``changes`` are applied.

        Only the changed fields are encoded (each field's size is kept), so the
        sliding window's offset moving does not re-encode a large ``agent.state``.
        """
        if not any(name in changes for name in STATE_FIELDS):
            return self.state_bytes
        self.pending_field_bytes = {}
        total = _DOCUMENT_OVERHEAD
        for name in STATE_FIELDS:
            if name in changes or name not in self.field_bytes:
                value = changes[name] if name in changes else self.last.get(name)
                size = encoded_size({name: value}, f"{name} of agent {self.agent_id!r}")
                self.pending_field_bytes[name] = size - _DOCUMENT_OVERHEAD
            total += self.pending_field_bytes.get(name, self.field_bytes.get(name, 0))
        return total

    def fields_to_write(self, changes: dict[str, Any]) -> tuple[dict[str, Any], int]:
        """``changes`` plus the new ``state_bytes`` when a state field changed; and that size."""
        state_bytes = self.state_bytes_after(changes)
        fields = dict(changes)
        if any(name in changes for name in STATE_FIELDS):
            fields["state_bytes"] = state_bytes
        return fields, state_bytes

    def remember(self, changes: dict[str, Any], state_bytes: int, snapshot: Snapshot) -> None:
        """Record ``changes`` (taken from ``snapshot``) as written."""
        for name, value in changes.items():
            # agent.state.get() is a private deep copy already; the rest may be live.
            self.last[name] = value if name == "state" else copy.deepcopy(value)
        self.versions.update(snapshot.versions)
        self.field_bytes.update(self.pending_field_bytes)
        self.pending_field_bytes = {}
        self.state_bytes = state_bytes


class Snapshot(dict[str, Any]):
    """A snapshot's fields, plus the version counters they were taken at."""

    versions: Versions


@dataclass(frozen=True)
class Changes:
    """What a sync writes: the changed fields, and the snapshot they come from."""

    fields: dict[str, Any]
    snapshot: Snapshot


def is_final_reply(message: Message) -> bool:
    """An assistant message that asks for no tool: the end of a turn."""
    if message.get("role") != "assistant":
        return False
    return not any("toolUse" in block for block in message.get("content") or ())


def _version(value: Any) -> tuple[int, int] | None:
    """``(id, version)`` of a Strands object that counts its mutations, else ``None``."""
    getter = getattr(value, "_get_version", None)
    if not callable(getter):
        return None
    version = getter()
    return (id(value), version) if isinstance(version, int) else None


def snapshot_agent(agent: Any, tracker: AgentTracker | None = None) -> Snapshot:
    """The stored fields of a live agent: state, manager state, internal state, config.

    With ``tracker``, ``state`` is left out when its version counter says it is
    what the tracker last wrote, and the interrupt state's copy is reused likewise.
    """
    from strands.agent.agent import Agent

    known = tracker.versions if tracker is not None else {}
    snapshot = Snapshot()
    snapshot.versions = {}
    state = getattr(agent, "state", None)
    state_version = _version(state)
    if state_version is None or known.get("state") != state_version:
        snapshot["state"] = state.get() if state is not None else {}
    if state_version is not None:
        snapshot.versions["state"] = state_version
    if isinstance(agent, Agent):
        snapshot["conversation_manager_state"] = agent.conversation_manager.get_state()
        interrupt = agent._interrupt_state
        interrupt_version = _version(interrupt)
        last_internal = tracker.last.get("internal_state") if tracker is not None else None
        if (
            interrupt_version is not None
            and known.get("interrupt_state") == interrupt_version
            and isinstance(last_internal, dict)
            and "interrupt_state" in last_internal
        ):
            interrupt_dict = last_internal["interrupt_state"]
        else:
            interrupt_dict = interrupt.to_dict()
        if interrupt_version is not None:
            snapshot.versions["interrupt_state"] = interrupt_version
        snapshot["internal_state"] = {
            "interrupt_state": interrupt_dict,
            "model_state": agent._model_state,
        }
    else:
        snapshot["conversation_manager_state"] = {}
        snapshot["internal_state"] = {}
    snapshot["model"] = model_id_of(agent)
    prompt = getattr(agent, "system_prompt", None)
    snapshot["system_prompt"] = prompt if isinstance(prompt, str | None) else str(prompt)
    return snapshot


def model_id_of(agent: Any) -> str | None:
    """The model id an agent runs, when its model says (``config["model_id"]``)."""
    model = getattr(agent, "model", None)
    config = getattr(model, "config", None)
    if isinstance(config, dict):
        value = config.get("model_id")
        return str(value) if value is not None else None
    return None
