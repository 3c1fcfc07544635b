"""Snapshot sessions (Strands' ``SnapshotSessionManager`` on ``MongoDBStorage``), read back."""

from mongodb_session_manager.snapshots.layout import LATEST, SnapshotKey, parse_key, snapshot_key
from mongodb_session_manager.snapshots.sessions import (
    Checkpoint,
    SnapshotScope,
    SnapshotSessionDetail,
    SnapshotSessions,
    SnapshotSessionSummary,
    load_snapshot,
)

__all__ = [
    "LATEST",
    "Checkpoint",
    "SnapshotKey",
    "SnapshotScope",
    "SnapshotSessionDetail",
    "SnapshotSessionSummary",
    "SnapshotSessions",
    "load_snapshot",
    "parse_key",
    "snapshot_key",
]
