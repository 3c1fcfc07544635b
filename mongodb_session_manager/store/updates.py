"""Pure builders of the update documents the session store sends (no I/O).

Every write of a session is one update (operator -> path -> value) that also
moves ``updated_at`` and the ``size_bytes`` estimate. Callers may fold more into
the same write with an ``extra`` spec (see :func:`merge_update`): ``$inc``
amounts on a path already incremented add up.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

__all__ = [
    "UpdateSpec",
    "agent_fields_update",
    "append_update",
    "create_agent_update",
    "merge_update",
    "multi_agent_update",
    "redaction_write",
]

UpdateSpec = Mapping[str, Mapping[str, Any]]
"""An update document: operator (``$set``, ``$inc``, ``$push``...) -> path -> value."""


def merge_update(update: dict[str, Any], extra: UpdateSpec | None) -> None:
    """Fold ``extra`` (operator -> path -> value) into ``update``; ``$inc`` amounts add up.

    Args:
        update: The update to extend (changed in place).
        extra: More operators and paths, or ``None``.
    """
    for operator, fields in (extra or {}).items():
        target = update.setdefault(operator, {})
        for path, value in fields.items():
            if operator == "$inc" and path in target:
                target[path] += value
            else:
                target[path] = value


def append_update(
    key: str,
    document: dict[str, Any],
    added_bytes: int,
    increments: Mapping[str, int],
    agent_fields: Mapping[str, Any] | None,
    now: datetime,
) -> dict[str, Any]:
    """Push one message onto agent ``key`` with its counters, totals and field changes.

    Args:
        key: The agent's storage key.
        document: The message document.
        added_bytes: What the write adds to ``size_bytes``.
        increments: The message's usage totals (see ``Totals.increments``).
        agent_fields: Agent fields to set in the same write.
        now: The write's ``updated_at``.
    """
    return {
        "$push": {f"agents.{key}.messages": document},
        "$inc": {
            f"agents.{key}.message_count": 1,
            "size_bytes": added_bytes,
            **{f"totals.{k}": v for k, v in increments.items()},
            **{f"agents.{key}.totals.{k}": v for k, v in increments.items()},
        },
        "$set": {
            **{f"agents.{key}.{name}": value for name, value in (agent_fields or {}).items()},
            f"agents.{key}.updated_at": now,
            "updated_at": now,
        },
    }


def create_agent_update(
    key: str,
    document: dict[str, Any],
    added_bytes: int,
    increments: Mapping[str, int] | None,
    now: datetime,
) -> dict[str, Any]:
    """Store a new agent document (and its messages' totals on the session)."""
    return {
        "$set": {f"agents.{key}": document, "updated_at": now},
        "$inc": {
            "size_bytes": added_bytes,
            **{f"totals.{k}": v for k, v in (increments or {}).items()},
        },
    }


def agent_fields_update(
    key: str, fields: Mapping[str, Any], added_bytes: int, now: datetime
) -> dict[str, Any]:
    """Set agent fields; ``fields`` may carry their own ``updated_at`` (Strands' one)."""
    update: dict[str, Any] = {
        "$set": {
            f"agents.{key}.updated_at": now,
            **{f"agents.{key}.{name}": value for name, value in fields.items()},
            "updated_at": now,
        }
    }
    if added_bytes:
        update["$inc"] = {"size_bytes": added_bytes}
    return update


def redaction_write(
    key: str, path: str, redact: Any, added_bytes: int, now: datetime
) -> dict[str, Any]:
    """Store the redaction of the message at ``path`` (its content and id are kept)."""
    return {
        "$set": {
            f"{path}.redact_message": redact,
            f"{path}.updated_at": now,
            f"agents.{key}.updated_at": now,
            "updated_at": now,
        },
        "$inc": {"size_bytes": added_bytes},
    }


def multi_agent_update(
    key: str, multi_agent_id: str, state: dict[str, Any], added_bytes: int, now: datetime
) -> dict[str, Any]:
    """Upsert a Graph / Swarm state under ``multi_agents.<key>``."""
    return {
        "$set": {
            f"multi_agents.{key}.multi_agent_id": multi_agent_id,
            f"multi_agents.{key}.state": state,
            f"multi_agents.{key}.updated_at": now,
            "updated_at": now,
        },
        "$inc": {"size_bytes": added_bytes},
    }
