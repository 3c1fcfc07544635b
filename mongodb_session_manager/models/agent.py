"""One agent of a session: its state, configuration, counters and messages."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from mongodb_session_manager.models._time import UtcDatetime, utcnow
from mongodb_session_manager.models.message import MessageRecord
from mongodb_session_manager.models.usage import Totals


class AgentRecord(BaseModel):
    """An agent as stored inside its session document (``agents.<key>``)."""

    model_config = ConfigDict(extra="allow")

    agent_id: str
    state: dict[str, Any] = Field(default_factory=dict)
    conversation_manager_state: dict[str, Any] = Field(default_factory=dict)
    internal_state: dict[str, Any] = Field(default_factory=dict)
    """Strands-managed state (interrupt state, model state)."""
    model: str | None = None
    system_prompt: str | None = None
    prompt_metadata: dict[str, Any] | None = None
    message_count: int = Field(default=0, ge=0)
    """Number of stored messages; the next message_id. Guards concurrent appends."""
    state_bytes: int = 0
    """Encoded size of the state fields, to keep the session size estimate right."""
    totals: Totals = Field(default_factory=Totals)
    incarnation: str | None = None
    """Random at creation: the agent's pages carry it, so pages of another creation
    of the same id (a deleted and re-created session) are never read."""
    paged_count: int = Field(default=0, ge=0)
    """Messages ``0 .. paged_count - 1`` are in committed pages (``<sessions>_pages``)."""
    page_count: int = Field(default=0, ge=0)
    """Committed pages."""
    recent_bytes: int = Field(default=0, ge=0)
    """Encoded size of ``messages`` (the recent ones): decides when a page is sealed."""
    rev: int = Field(default=0, ge=0)
    """Moves on every rewrite of a recent message (a redaction): a page snapshot
    taken before it is not committed."""
    messages: list[MessageRecord] = Field(default_factory=list)
    """The recent messages, ids ``paged_count`` to ``message_count - 1`` in order
    (the subset pattern); older ones are in pages."""
    created_at: UtcDatetime = Field(default_factory=utcnow)
    updated_at: UtcDatetime = Field(default_factory=utcnow)


class MultiAgentRecord(BaseModel):
    """A Graph or Swarm's serialized state (``multi_agents.<key>``)."""

    model_config = ConfigDict(extra="allow")

    multi_agent_id: str
    state: dict[str, Any] = Field(default_factory=dict)
    created_at: UtcDatetime = Field(default_factory=utcnow)
    updated_at: UtcDatetime = Field(default_factory=utcnow)


STAMP_FIELDS: tuple[str, ...] = (
    "created_at_us",
    "updated_at_us",
    "created_at_iso",
    "updated_at_iso",
)
"""Optional companions of ``created_at`` / ``updated_at`` that make Strands' ISO
timestamps read back exactly (BSON dates keep milliseconds only): the
sub-millisecond microseconds, or the original string when it is not in the
canonical UTC form (see ``repository/codec.py``)."""

AGENT_HEADER_FIELDS: tuple[str, ...] = (
    *(name for name in AgentRecord.model_fields if name != "messages"),
    *STAMP_FIELDS,
)
"""Every agent field but ``messages``: what a resume reads before the messages."""
