"""A snapshot session in the shape of a message-log export, for Markdown and the terminal.

The lifecycle's Markdown writer (:mod:`mongodb_session_manager.lifecycle.markdown`)
reads one structure, with its rules for stored text (nothing an LLM wrote can
pass for the transcript's structure). A snapshot session is mapped onto it: each
agent's conversation at the chosen point, orchestrators as multi-agent state,
and the checkpoint list as an extra field.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from mongodb_session_manager.lifecycle.export import jsonable

if TYPE_CHECKING:
    from strands.types import Snapshot

    from mongodb_session_manager.snapshots.records import SnapshotSessionDetail

__all__ = ["as_export"]


def _messages(snapshot: Snapshot) -> list[dict[str, Any]]:
    return [
        {
            "message_id": n,
            "role": message.get("role"),
            "content": message.get("content"),
            "created_at": None,
        }
        for n, message in enumerate(snapshot.data.get("messages") or [])
        if isinstance(message, dict)
    ]


def as_export(
    detail: SnapshotSessionDetail,
    snapshots: dict[tuple[str, str], Snapshot | None],
    *,
    at: str | None = None,
) -> dict[str, Any]:
    """``detail`` with the snapshots read for it, as an export structure.

    Args:
        detail: The session's scopes and checkpoints.
        snapshots: The snapshot shown for each ``(kind, scope_id)``.
        at: The checkpoint shown (``None``: the latest snapshots).
    """
    agents: list[dict[str, Any]] = []
    multi_agents: list[dict[str, Any]] = []
    for scope in detail.scopes:
        snapshot = snapshots.get((scope.kind, scope.scope_id))
        if scope.kind != "agent":
            state = snapshot.data if snapshot is not None else {}
            multi_agents.append({"multi_agent_id": scope.scope_id, "state": jsonable(state)})
            continue
        data = snapshot.data if snapshot is not None else {}
        messages = _messages(snapshot) if snapshot is not None else []
        agents.append(
            {
                "agent_id": scope.scope_id,
                "message_count": len(messages),
                "messages": jsonable(messages),
                "state": jsonable(data.get("state") or {}),
                "conversation_manager_state": jsonable(
                    data.get("conversation_manager_state") or {}
                ),
                "system_prompt": _system_prompt(data.get("system_prompt")),
            }
        )
    checkpoints = {
        scope.scope_id: [f"{c.snapshot_id} ({c.created_at.isoformat()})" for c in scope.checkpoints]
        for scope in detail.scopes
        if scope.checkpoints
    }
    updated = detail.updated_at
    return {
        "session": {
            "session_id": detail.session_id,
            "application_name": "Strands snapshot session",
            "updated_at": updated.isoformat() if updated else None,
            "size_bytes": detail.total_bytes,
        },
        "exported_at": datetime.now(UTC).isoformat(),
        "metadata": {"shown": at or "latest"},
        "feedbacks": [],
        "agents": agents,
        "multi_agents": multi_agents,
        "extra": {"checkpoints": checkpoints} if checkpoints else {},
    }


def _system_prompt(value: Any) -> str | None:
    """Strands keeps the system prompt as content blocks; their text joined."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "\n".join(str(b.get("text", "")) for b in value if isinstance(b, dict)) or None
    return None
