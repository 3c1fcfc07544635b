"""Our session layout converted back to the reference implementation's (schema 1 -> 0).

The fields the forward conversion (:mod:`.reference_forward`) kept under
``legacy`` rebuild the original document, so forward -> backward gives it back
(dates as BSON dates). See :mod:`.reference_layout` for both layouts.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from mongodb_session_manager.errors import DocumentConversionError
from mongodb_session_manager.migrations import cumulative_metrics as cm
from mongodb_session_manager.migrations.reference_common import (
    OUR_AGENT_FIELDS,
    OUR_MESSAGE_FIELDS,
    OUR_SESSION_FIELDS,
)
from mongodb_session_manager.models import storage_key

__all__ = ["v1_to_reference"]


def _legacy_path(agent: Mapping[str, Any]) -> list[str]:
    recorded = (agent.get("legacy") or {}).get("key")
    if isinstance(recorded, list) and recorded and all(isinstance(p, str) for p in recorded):
        return recorded
    agent_id = str(agent["agent_id"])
    parts = agent_id.split(".")
    if all(part and not part.startswith("$") for part in parts):
        return parts  # where the reference's dotted update paths put it
    return [storage_key(agent_id)]


def _place(agents: dict[str, Any], path: list[str], record: dict[str, Any]) -> None:
    node = agents
    for part in path[:-1]:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise DocumentConversionError(f"cannot nest agent under {'.'.join(path)!r}")
        node = child
    existing = node.get(path[-1])
    if isinstance(existing, dict):
        # A nested child was placed first: keep it beside the record's own fields.
        record = {**existing, **record}
    node[path[-1]] = record


def _message_backward(message: Mapping[str, Any], index: int) -> dict[str, Any]:
    legacy = dict(message.get("legacy") or {})
    inner: dict[str, Any] = {"role": message.get("role"), "content": message.get("content")}
    if message.get("tracking_id") is not None:
        inner["tracking_id"] = message["tracking_id"]
    derived = legacy.get("figures") in (cm.DIFFERENCE, cm.AFTER_RESET, cm.UNCHANGED, cm.KEPT)
    if message.get("metadata") is not None and not derived:
        inner["metadata"] = message["metadata"]
    inner.update(message.get("extra") or {})
    out: dict[str, Any] = {
        "message": inner,
        "message_id": legacy.get("message_id", index),
        "redact_message": message.get("redact_message"),
        "created_at": message.get("created_at"),
        "updated_at": message.get("updated_at"),
    }
    if "event_loop_metrics" in legacy:
        out["event_loop_metrics"] = legacy["event_loop_metrics"]
    for key, value in message.items():
        if key not in OUR_MESSAGE_FIELDS:
            out[key] = value
    out.update(legacy.get("extra") or {})
    return out


def _agent_backward(agent: Mapping[str, Any]) -> dict[str, Any]:
    legacy = dict(agent.get("legacy") or {})
    internal_key = legacy.get("internal_state_key", "_internal_state")
    data: dict[str, Any] = {
        "agent_id": agent["agent_id"],
        "state": agent.get("state") or {},
        "conversation_manager_state": agent.get("conversation_manager_state") or {},
        internal_key: agent.get("internal_state") or {},
        "created_at": agent.get("created_at"),
        "updated_at": agent.get("updated_at"),
        "model": agent.get("model"),
        "system_prompt": agent.get("system_prompt"),
        "prompt_metadata": agent.get("prompt_metadata"),
    }
    for key, value in agent.items():
        if key not in OUR_AGENT_FIELDS:
            data[key] = value
    data.update(legacy.get("agent_data_extra") or {})
    messages = agent.get("messages") or []
    record: dict[str, Any] = {
        "agent_data": data,
        "messages": [_message_backward(m, i) for i, m in enumerate(messages)],
        "created_at": legacy.get("record_created_at", agent.get("created_at")),
        "updated_at": legacy.get("record_updated_at", agent.get("updated_at")),
    }
    record.update(legacy.get("record_extra") or {})
    return record


def _feedbacks_backward(document: Mapping[str, Any], quirks: Mapping[str, Any]) -> list[Any]:
    """The reference's feedback list: ours (comment quirks undone) and the refused, in place."""
    feedbacks: list[Any] = []
    for position, item in enumerate(document.get("feedbacks") or []):
        feedback = {k: item.get(k) for k in ("rating", "comment", "created_at")}
        feedback.update({k: item[k] for k in ("agent_id", "message_id") if item.get(k) is not None})
        if position in (quirks.get("comment_none") or ()):
            feedback["comment"] = None
        elif position in (quirks.get("comment_missing") or ()):
            del feedback["comment"]
        feedbacks.append(feedback)
    for refused in sorted(document.get("legacy_feedbacks") or [], key=lambda r: r["index"]):
        feedbacks.insert(min(int(refused["index"]), len(feedbacks)), refused["feedback"])
    return feedbacks


def _agents_backward(ours: Mapping[str, Any]) -> dict[str, Any]:
    """The reference's ``agents`` tree (dotted ids nested again where they were)."""
    agents: dict[str, Any] = {}
    # Shallow paths first, so a dotted child lands inside its parent's finished record.
    ordered = sorted(ours.values(), key=lambda a: len(_legacy_path(a)))
    for agent in ordered:
        _place(agents, _legacy_path(agent), _agent_backward(agent))
    return agents


def v1_to_reference(document: Mapping[str, Any]) -> dict[str, Any]:
    """Convert one schema-version-1 session back to the reference layout.

    Fields the reference layout has no place for (Graph / Swarm state, ``expires_at``,
    feedback's ``agent_id`` / ``message_id``) are kept as extra fields, so a later
    forward migration gets them back; the reference implementation ignores them.
    """
    document = copy.deepcopy(dict(document))
    legacy = dict(document.get("legacy") or {})
    session_id = document.get("_id")
    out: dict[str, Any] = {
        "_id": session_id,
        "session_id": legacy.get("session_id", session_id),
        "session_type": document.get("session_type") or "AGENT",
        "created_at": document.get("created_at"),
        "updated_at": document.get("updated_at"),
        "metadata": document.get("metadata") or {},
    }
    if not legacy.get("no_application_name"):
        out["application_name"] = document.get("application_name")

    out["feedbacks"] = _feedbacks_backward(document, legacy.get("feedbacks") or {})
    out["agents"] = _agents_backward(document.get("agents") or {})

    for key, value in document.items():
        if key in OUR_SESSION_FIELDS or key in out:
            continue
        out[key] = value
    if document.get("multi_agents"):
        out["multi_agents"] = document["multi_agents"]
    if document.get("expires_at") is not None:
        out["expires_at"] = document["expires_at"]
    return out
