"""A session as a self-contained export: a JSON-ready structure, JSON text, Markdown.

The export holds everything stored: session fields, metadata, feedback, totals,
every agent (configuration, state, counters) with every message, Graph / Swarm
state, and any field the library does not know (kept under ``extra``).

Redacted messages are shown as redacted: ``content`` is what the guardrail left
(``redacted: true``); the original content is included only when asked
(``include_redacted=True``, as ``original_content``).

Bytes (images, documents) are MongoDB Extended JSON in the JSON export
(``{"$binary": {"base64": ..., "subType": "00"}}``, readable by ``bson.json_util``
and ``mongoimport``) and a placeholder such as ``[image: png, 2,056 bytes]`` in
Markdown. The Markdown transcript is written by :mod:`.markdown` (re-exported here).
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

from bson import Binary, Decimal128, ObjectId

from mongodb_session_manager.lifecycle.markdown import to_markdown
from mongodb_session_manager.models import as_utc, utcnow

__all__ = [
    "EXPORT_FORMAT",
    "EXPORT_VERSION",
    "export_document",
    "export_message",
    "jsonable",
    "to_json",
    "to_markdown",
]

EXPORT_FORMAT = "mongodb-session-manager/session-export"
EXPORT_VERSION = 1

_SESSION_FIELDS = (
    "session_id",
    "session_type",
    "application_name",
    "schema_version",
    "created_at",
    "updated_at",
    "expires_at",
    "size_bytes",
)
_KNOWN_TOP = frozenset(
    {"_id", *_SESSION_FIELDS, "metadata", "feedbacks", "totals", "agents", "multi_agents"}
)
# Access secrets never leave the database: the viewer-password verifier (a scrypt
# hash can be attacked offline) and the reference library's plain-text password.
_SECRET_TOP = frozenset({"viewer_access", "session_viewer_password"})
_AGENT_FIELDS = (
    "agent_id",
    "model",
    "system_prompt",
    "prompt_metadata",
    "created_at",
    "updated_at",
    "message_count",
    "totals",
    "state",
    "conversation_manager_state",
    "internal_state",
)


# Where the messages are stored, not what they are: the export holds every message,
# so an agent's page counters would only mislead a reader of it.
_STORAGE = frozenset(
    {"messages", "state_bytes", "incarnation", "paged_count", "page_count", "recent_bytes", "rev"}
)

# ----------------------------------------------------------------------------- structure


def jsonable(value: Any) -> Any:
    """``value`` with BSON types made JSON-safe (bytes as Extended JSON base64)."""
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, bytes | bytearray):  # Binary is a bytes subclass
        subtype = value.subtype if isinstance(value, Binary) else 0
        return {
            "$binary": {
                "base64": base64.b64encode(bytes(value)).decode("ascii"),
                "subType": f"{subtype:02x}",
            }
        }
    if isinstance(value, datetime):
        return as_utc(value).isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, ObjectId | Decimal128 | UUID):
        return str(value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _message(raw: Mapping[str, Any], include_redacted: bool) -> dict[str, Any]:
    redact = raw.get("redact_message")
    redacted = redact is not None
    out: dict[str, Any] = {
        "message_id": raw.get("message_id"),
        "role": raw.get("role"),
        "redacted": redacted,
        "content": (redact.get("content") if isinstance(redact, Mapping) else None)
        if redacted
        else raw.get("content"),
        "created_at": raw.get("created_at"),
        "updated_at": raw.get("updated_at"),
    }
    if redacted and include_redacted:
        out["original_content"] = raw.get("content")
    for key, value in raw.items():
        if key not in out and key not in ("content", "redact_message") and value is not None:
            out[key] = value
    return out


def export_message(raw: Mapping[str, Any], include_redacted: bool = False) -> dict[str, Any]:
    """One stored message as the export shows it (JSON-ready; see :func:`export_document`)."""
    result: dict[str, Any] = jsonable(_message(raw, include_redacted))
    return result


def export_document(
    document: Mapping[str, Any], *, include_redacted: bool = False
) -> dict[str, Any]:
    """The export structure of one stored session document (JSON-ready).

    Every agent's ``messages`` are exported as they are in ``document``: pass
    the whole conversation (``SessionStore.read_full_document``), or stream it
    with :class:`~mongodb_session_manager.lifecycle.stream.ExportWriter`.
    """
    session = {name: document.get(name) for name in _SESSION_FIELDS}
    session["session_id"] = session["session_id"] or document.get("_id")
    agents = []
    for agent in (document.get("agents") or {}).values():
        if not isinstance(agent, Mapping):
            continue
        entry: dict[str, Any] = {name: agent.get(name) for name in _AGENT_FIELDS}
        entry["messages"] = [
            _message(m, include_redacted)
            for m in agent.get("messages") or []
            if isinstance(m, Mapping)
        ]
        extra = {k: v for k, v in agent.items() if k not in _AGENT_FIELDS and k not in _STORAGE}
        if extra:
            entry["extra"] = extra
        agents.append(entry)
    agents.sort(key=lambda a: (jsonable(a.get("created_at")) or "", str(a.get("agent_id"))))
    multi_agents = (document.get("multi_agents") or {}).values()
    multi = [dict(v) for v in multi_agents if isinstance(v, Mapping)]
    export: dict[str, Any] = {
        "format": EXPORT_FORMAT,
        "format_version": EXPORT_VERSION,
        "exported_at": utcnow(),
        "redacted_content_included": include_redacted,
        "session": session,
        "metadata": document.get("metadata") or {},
        "totals": document.get("totals") or {},
        "feedbacks": list(document.get("feedbacks") or []),
        "agents": agents,
        "multi_agents": multi,
    }
    extra = {k: v for k, v in document.items() if k not in _KNOWN_TOP and k not in _SECRET_TOP}
    if extra:
        export["extra"] = extra
    result: dict[str, Any] = jsonable(export)
    return result


def to_json(export: Mapping[str, Any], *, indent: int | None = 2) -> str:
    """The export as JSON text (UTF-8 characters kept, strict JSON: no NaN)."""
    return json.dumps(export, indent=indent, ensure_ascii=False, allow_nan=False)
