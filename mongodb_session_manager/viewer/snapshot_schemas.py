"""Response models of the snapshot-session routes (Strands' ``SnapshotSessionManager`` data)."""

from typing import Any, Literal

from pydantic import BaseModel, Field

from mongodb_session_manager.models import UtcDatetime
from mongodb_session_manager.viewer.schemas import TimelineMessage

__all__ = [
    "CheckpointView",
    "LatestView",
    "SnapshotConversation",
    "SnapshotDeleted",
    "SnapshotScopeView",
    "SnapshotSessionPage",
    "SnapshotSessionRow",
    "SnapshotSessionView",
]


class SnapshotSessionRow(BaseModel):
    """One snapshot session in the list."""

    session_id: str
    updated_at: UtcDatetime
    """When one of its agents or orchestrators last saved its latest snapshot."""
    scopes: int
    """Agents and orchestrators with a latest snapshot."""
    size_bytes: int
    """Bytes of those latest snapshots."""


class SnapshotSessionPage(BaseModel):
    """Snapshot sessions, most recently saved first."""

    collection: str
    items: list[SnapshotSessionRow]
    limit: int
    prefix: str = ""
    next_before: UtcDatetime | None = None
    """Pass as ``before`` for the next (older) page; ``None`` at the end."""


class CheckpointView(BaseModel):
    """An immutable checkpoint of an agent (what ``restore_snapshot`` takes)."""

    snapshot_id: str
    created_at: UtcDatetime
    size_bytes: int


class LatestView(BaseModel):
    """A scope's mutable latest snapshot."""

    updated_at: UtcDatetime
    size_bytes: int


class SnapshotScopeView(BaseModel):
    """An agent or an orchestrator (Graph, Swarm) of a snapshot session."""

    kind: Literal["agent", "multiAgent"]
    scope_id: str
    latest: LatestView | None = None
    checkpoints: list[CheckpointView] = Field(default_factory=list)
    """Oldest first (orchestrators have none)."""


class SnapshotSessionView(BaseModel):
    """A snapshot session: its scopes and their checkpoints."""

    session_id: str
    updated_at: UtcDatetime | None = None
    scopes: list[SnapshotScopeView]
    stash_keys: int
    total_bytes: int


class SnapshotConversation(BaseModel):
    """A scope at one snapshot (a checkpoint or ``latest``): the conversation as it was.

    ``items`` are the timeline's own sanitised messages (the message-log sessions'
    shape), ``offset`` on; ``next_offset`` is where the next page starts.
    """

    session_id: str
    kind: Literal["agent", "multiAgent"]
    scope_id: str
    snapshot_id: str
    """A checkpoint's UUIDv7, or ``latest``."""
    created_at: UtcDatetime | None = None
    """When the snapshot was taken (Strands' ``Snapshot.created_at``)."""
    message_count: int
    offset: int
    items: list[TimelineMessage]
    next_offset: int | None = None
    system_prompt: str | None = None
    state: dict[str, Any] = Field(default_factory=dict)
    """The agent's state (for an orchestrator: its whole snapshot data)."""
    conversation_manager_state: dict[str, Any] = Field(default_factory=dict)
    app_data: dict[str, Any] = Field(default_factory=dict)


class SnapshotDeleted(BaseModel):
    """Result of deleting a snapshot session."""

    session_id: str
    deleted: bool
    values: int
    """Snapshots, checkpoints and stash values removed."""
