"""What a snapshot session is made of, as ``SnapshotSessions`` reports it (plain records)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from mongodb_session_manager.models.storage_layout import StoredValue
from mongodb_session_manager.snapshots.layout import ScopeKind

__all__ = ["Checkpoint", "SnapshotScope", "SnapshotSessionDetail", "SnapshotSessionSummary"]


@dataclass(frozen=True, slots=True)
class SnapshotSessionSummary:
    """One snapshot session in a listing.

    Attributes:
        session_id: The Strands session id.
        updated_at: When any of its scopes last saved its latest snapshot.
        scopes: How many agents and orchestrators it has.
        size: Bytes of those latest snapshots.
    """

    session_id: str
    updated_at: datetime
    scopes: int
    size: int


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """An immutable checkpoint of an agent.

    Attributes:
        snapshot_id: Its UUIDv7 (what ``restore_snapshot`` takes).
        created_at: When it was taken (from the UUIDv7).
        size: Bytes stored.
    """

    snapshot_id: str
    created_at: datetime
    size: int


@dataclass(slots=True)
class SnapshotScope:
    """An agent or an orchestrator of a snapshot session.

    Attributes:
        kind: ``"agent"`` or ``"multiAgent"`` (Graph, Swarm).
        scope_id: The agent's or orchestrator's id.
        latest: Its latest snapshot (``None``: only checkpoints are left).
        checkpoints: Its checkpoints, oldest first (orchestrators have none).
    """

    kind: ScopeKind
    scope_id: str
    latest: StoredValue | None = None
    checkpoints: list[Checkpoint] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class SnapshotSessionDetail:
    """A snapshot session with every scope and checkpoint.

    Attributes:
        session_id: The Strands session id.
        scopes: Agents first, then orchestrators, each sorted by id.
        stash_keys: Values of the session's context stash (``context/<id>/``).
        total_bytes: Bytes of every snapshot and stash value.
    """

    session_id: str
    scopes: list[SnapshotScope]
    stash_keys: int
    total_bytes: int

    @property
    def updated_at(self) -> datetime | None:
        """When a scope last saved its latest snapshot (``None``: no latest left)."""
        times = [s.latest.updated_at for s in self.scopes if s.latest is not None]
        return max(times) if times else None
