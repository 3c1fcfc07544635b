"""The key layout Strands' ``SnapshotSessionManager`` writes, read back (pure, no I/O).

Relative to the storage it is given (which it namespaces under ``session/``)::

    session/<session_id>/scopes/agent/<agent_id>/snapshots/snapshot_latest.json
    session/<session_id>/scopes/agent/<agent_id>/snapshots/immutable_history/snapshot_<uuid7>.json
    session/<session_id>/scopes/multiAgent/<orchestrator_id>/snapshots/snapshot_latest.json

and the context stash under ``context/<session_id>/``. The layout is Strands';
``tests/snapshots`` pins it against Strands' own key builders, so a change there
fails a test here instead of hiding sessions.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from mongodb_session_manager.errors import InvalidInputError

__all__ = [
    "LATEST",
    "LATEST_PATTERN",
    "SESSIONS_PREFIX",
    "STASH_PREFIX",
    "ScopeKind",
    "SnapshotKey",
    "check_scope_id",
    "check_session_id",
    "check_snapshot_id",
    "checkpoint_time",
    "parse_key",
    "session_prefix",
    "snapshot_key",
]

ScopeKind = Literal["agent", "multiAgent"]
SESSIONS_PREFIX = "session/"
STASH_PREFIX = "context/"
LATEST = "latest"
"""What the viewer and the CLI call a scope's mutable latest snapshot."""
_ID = r"[^/]+"
LATEST_PATTERN = rf"{_ID}/scopes/(?:agent|multiAgent)/{_ID}/snapshots/snapshot_latest\.json"
"""The keys of every scope's latest snapshot, below :data:`SESSIONS_PREFIX`."""
_KEY = re.compile(
    r"\Asession/(?P<session>[^/]+)/scopes/(?P<kind>agent|multiAgent)/(?P<scope>[^/]+)"
    r"/snapshots/(?:snapshot_latest|immutable_history/snapshot_(?P<snapshot>[\w-]+))\.json\Z"
)
_UUID7 = re.compile(r"\A[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\Z")
# Strands' identifier rule (strands._identifier.validate_identifier): no path separators.
_BAD_ID = re.compile(r"[/\\]|\A\.{1,2}\Z")


@dataclass(frozen=True, slots=True)
class SnapshotKey:
    """One snapshot key, parsed.

    Attributes:
        session_id: The Strands session id.
        kind: ``"agent"`` or ``"multiAgent"`` (an orchestrator: Graph, Swarm).
        scope_id: The agent or orchestrator id.
        snapshot_id: The checkpoint's UUIDv7; ``None`` for the latest snapshot.
    """

    session_id: str
    kind: ScopeKind
    scope_id: str
    snapshot_id: str | None


def parse_key(key: str) -> SnapshotKey | None:
    """``key`` parsed, or ``None`` when it is not a snapshot key."""
    match = _KEY.match(key)
    if match is None:
        return None
    snapshot = match.group("snapshot")
    if snapshot is not None and not _UUID7.match(snapshot):
        return None
    kind: ScopeKind = "agent" if match.group("kind") == "agent" else "multiAgent"
    return SnapshotKey(match.group("session"), kind, match.group("scope"), snapshot)


def _check_id(value: object, what: str) -> str:
    if not isinstance(value, str) or not value or _BAD_ID.search(value) or "\0" in value:
        raise InvalidInputError(f"invalid {what} {value!r}: a non-empty id without '/' or '\\'")
    return value


def check_session_id(session_id: object) -> str:
    """``session_id`` if Strands could have written it.

    Raises:
        InvalidInputError: Empty, not a string, or with a path separator or NUL.
    """
    return _check_id(session_id, "snapshot session id")


def check_scope_id(scope_id: object) -> str:
    """``scope_id`` (an agent or orchestrator id) if Strands could have written it.

    Raises:
        InvalidInputError: Empty, not a string, or with a path separator or NUL.
    """
    return _check_id(scope_id, "agent id")


def check_snapshot_id(snapshot_id: object) -> str:
    """``snapshot_id`` if it is a checkpoint id Strands vends (a canonical UUIDv7).

    Raises:
        InvalidInputError: Anything else.
    """
    if not isinstance(snapshot_id, str) or not _UUID7.match(snapshot_id):
        raise InvalidInputError(f"invalid snapshot id {snapshot_id!r}: expected a UUIDv7")
    return snapshot_id


def session_prefix(session_id: str) -> str:
    """The prefix of every snapshot key of ``session_id``."""
    return f"{SESSIONS_PREFIX}{check_session_id(session_id)}/"


def snapshot_key(
    session_id: str, scope_id: str, snapshot_id: str | None, kind: ScopeKind = "agent"
) -> str:
    """The key of a scope's latest snapshot (``snapshot_id=None``) or of a checkpoint.

    Raises:
        InvalidInputError: A bad id, or a checkpoint of an orchestrator (they have none).
    """
    base = f"{session_prefix(session_id)}scopes/{kind}/{check_scope_id(scope_id)}/snapshots/"
    if snapshot_id is None:
        return f"{base}snapshot_latest.json"
    if kind != "agent":
        raise InvalidInputError("orchestrators keep only a latest snapshot, no checkpoints")
    return f"{base}immutable_history/snapshot_{check_snapshot_id(snapshot_id)}.json"


def checkpoint_time(snapshot_id: str) -> datetime:
    """When a checkpoint was taken: the millisecond timestamp its UUIDv7 carries."""
    millis = uuid.UUID(snapshot_id).int >> 80
    return datetime.fromtimestamp(millis / 1000, UTC)
