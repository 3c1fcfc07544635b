"""``SnapshotSessions``: the sessions Strands' ``SnapshotSessionManager`` kept in a storage.

What the session viewer and ``msm sessions`` show of a snapshot session: its
scopes (agents and orchestrators), each one's latest snapshot and checkpoints,
the snapshot at any checkpoint (time travel), an export, and deletion. Every
listing is one query over the storage's head documents; a snapshot is one read.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from strands.types import Snapshot
from strands.types.exceptions import SnapshotException
from strands.types.session import decode_bytes_values

from mongodb_session_manager.errors import InvalidInputError, StoredSnapshotError
from mongodb_session_manager.snapshots.layout import (
    LATEST_PATTERN,
    SESSIONS_PREFIX,
    STASH_PREFIX,
    ScopeKind,
    check_snapshot_id,
    checkpoint_time,
    parse_key,
    session_prefix,
    snapshot_key,
)
from mongodb_session_manager.snapshots.records import (
    Checkpoint,
    SnapshotScope,
    SnapshotSessionDetail,
    SnapshotSessionSummary,
)
from mongodb_session_manager.snapshots.transcript import as_export
from mongodb_session_manager.storage.mongodb_storage import MongoDBStorage

__all__ = [
    "Checkpoint",
    "SnapshotScope",
    "SnapshotSessionDetail",
    "SnapshotSessionSummary",
    "SnapshotSessions",
]

_MAX_LIST = 1000


class SnapshotSessions:
    """The snapshot sessions of a :class:`MongoDBStorage` (its namespace applies).

    Args:
        storage: The storage the ``SnapshotSessionManager`` was given (not a view
            already scoped under ``session/``).

    Example:
        ```python
        sessions = SnapshotSessions(MongoDBStorage(uri, database_name="app"))
        for summary in await sessions.list_sessions(limit=20):
            detail = await sessions.describe(summary.session_id)
        ```
    """

    def __init__(self, storage: MongoDBStorage) -> None:
        self.storage = storage

    async def list_sessions(
        self, *, limit: int = 50, before: datetime | None = None, prefix: str = ""
    ) -> list[SnapshotSessionSummary]:
        """Snapshot sessions, most recently saved first (one query).

        Args:
            limit: At most this many sessions (1 to 1000).
            before: Only sessions last saved before this time (the next page:
                the last ``updated_at`` of the previous one).
            prefix: Only session ids starting with this text.

        Raises:
            InvalidInputError: ``limit`` out of range or a ``prefix`` with ``/``.
        """
        if not 1 <= limit <= _MAX_LIST:
            raise InvalidInputError(f"limit must be between 1 and {_MAX_LIST}, got {limit}")
        if "/" in prefix or "\\" in prefix or "\0" in prefix:
            raise InvalidInputError(f"invalid session id prefix {prefix!r}")
        groups = await self.storage.summarize(
            SESSIONS_PREFIX + prefix,
            pattern=("[^/]*" + LATEST_PATTERN[len("[^/]+") :]) if prefix else LATEST_PATTERN,
            before=before,
            limit=limit,
        )
        return [
            SnapshotSessionSummary(
                session_id=group.segment,
                updated_at=group.updated_at,
                scopes=group.count,
                size=group.size,
            )
            for group in groups
        ]

    async def describe(self, session_id: str) -> SnapshotSessionDetail | None:
        """Every scope and checkpoint of ``session_id``; ``None`` if it has none (two queries).

        Raises:
            InvalidInputError: A session id Strands cannot have written.
        """
        values = await self.storage.describe(session_prefix(session_id))
        stash = await self.storage.describe(f"{STASH_PREFIX}{session_id}/")
        scopes: dict[tuple[ScopeKind, str], SnapshotScope] = {}
        for value in values:
            parsed = parse_key(value.key)
            if parsed is None:
                continue
            scope = scopes.setdefault(
                (parsed.kind, parsed.scope_id), SnapshotScope(parsed.kind, parsed.scope_id)
            )
            if parsed.snapshot_id is None:
                scope.latest = value
            else:
                scope.checkpoints.append(
                    Checkpoint(parsed.snapshot_id, checkpoint_time(parsed.snapshot_id), value.size)
                )
        if not scopes:
            return None
        ordered = sorted(scopes.values(), key=lambda s: (s.kind != "agent", s.scope_id))
        for scope in ordered:
            scope.checkpoints.sort(key=lambda c: c.snapshot_id)  # UUIDv7: creation order
        return SnapshotSessionDetail(
            session_id=session_id,
            scopes=ordered,
            stash_keys=len(stash),
            total_bytes=sum(v.size for v in values) + sum(v.size for v in stash),
        )

    async def read(
        self,
        session_id: str,
        scope_id: str,
        snapshot_id: str | None = None,
        *,
        kind: ScopeKind = "agent",
    ) -> Snapshot | None:
        """A scope's latest snapshot, or the checkpoint ``snapshot_id``; ``None`` if absent.

        Raises:
            InvalidInputError: A bad session, agent or snapshot id.
            StoredSnapshotError: The stored value is not a snapshot Strands can load.
        """
        key = snapshot_key(session_id, scope_id, snapshot_id, kind)
        data = await self.storage.read(key)
        return None if data is None else load_snapshot(key, data)

    async def delete(self, session_id: str) -> int:
        """Delete the session's snapshots, checkpoints and stash; how many values went.

        Four commands however many checkpoints (Strands' own ``delete_session``
        lists, then deletes key by key).

        Raises:
            InvalidInputError: A session id Strands cannot have written.
        """
        deleted = await self.storage.delete_prefix(session_prefix(session_id))
        return deleted + await self.storage.delete_prefix(f"{STASH_PREFIX}{session_id}/")

    async def export(self, session_id: str) -> dict[str, Any] | None:
        """The whole session as JSON-ready data: every scope's latest and checkpoints.

        ``None`` if there is no such session. Bytes values stay as Strands encodes
        them (base64 markers), so the export can be written back as it is.

        Raises:
            InvalidInputError: A bad session id.
            StoredSnapshotError: A stored value is not a snapshot.
        """
        detail = await self.describe(session_id)
        if detail is None:
            return None
        scopes: list[dict[str, Any]] = []
        for scope in detail.scopes:
            latest = await self._raw(session_id, scope, None)
            checkpoints = [
                {
                    "snapshot_id": c.snapshot_id,
                    "created_at": c.created_at.isoformat(),
                    "snapshot": await self._raw(session_id, scope, c.snapshot_id),
                }
                for c in scope.checkpoints
            ]
            scopes.append(
                {
                    "kind": scope.kind,
                    "id": scope.scope_id,
                    "latest": latest,
                    "checkpoints": checkpoints,
                }
            )
        return {"session_id": session_id, "format": "strands-snapshots", "scopes": scopes}

    async def transcript(
        self, session_id: str, snapshot_id: str | None = None
    ) -> dict[str, Any] | None:
        """The session as a message-log export structure (what Markdown is written from).

        Each agent's conversation at its latest snapshot, or, with ``snapshot_id``,
        the agent that holds that checkpoint at that point (the others at their
        latest). ``None`` if there is no such session or checkpoint.

        Raises:
            InvalidInputError: A bad session or snapshot id.
            StoredSnapshotError: A stored value is not a snapshot.
        """
        if snapshot_id is not None:
            check_snapshot_id(snapshot_id)
        detail = await self.describe(session_id)
        if detail is None:
            return None
        shown: dict[tuple[str, str], Snapshot | None] = {}
        found = snapshot_id is None
        for scope in detail.scopes:
            at = None
            if snapshot_id is not None and any(
                c.snapshot_id == snapshot_id for c in scope.checkpoints
            ):
                at, found = snapshot_id, True
            shown[(scope.kind, scope.scope_id)] = await self.read(
                session_id, scope.scope_id, at, kind=scope.kind
            )
        return as_export(detail, shown, at=snapshot_id) if found else None

    async def _raw(
        self, session_id: str, scope: SnapshotScope, snapshot_id: str | None
    ) -> dict[str, Any] | None:
        key = snapshot_key(session_id, scope.scope_id, snapshot_id, scope.kind)
        data = await self.storage.read(key)
        if data is None:
            return None
        load_snapshot(key, data)  # refuse to export what Strands could not load
        loaded: dict[str, Any] = json.loads(data)
        return loaded


def load_snapshot(key: str, data: bytes) -> Snapshot:
    """The snapshot stored under ``key``, as Strands reads it.

    Raises:
        StoredSnapshotError: Not JSON, not an object, or not a current-schema snapshot.
    """
    try:
        decoded = decode_bytes_values(json.loads(data))
    except (ValueError, UnicodeDecodeError) as error:
        raise StoredSnapshotError(key, f"not JSON ({error})") from error
    if not isinstance(decoded, dict):
        raise StoredSnapshotError(key, f"not an object but {type(decoded).__name__}")
    try:
        return Snapshot.from_dict(decoded)
    except (KeyError, TypeError, AttributeError, SnapshotException) as error:
        raise StoredSnapshotError(key, str(error)) from error
