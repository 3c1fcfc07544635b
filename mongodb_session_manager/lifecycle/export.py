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
Markdown.
"""

from __future__ import annotations

import base64
import json
import math
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

from bson import Binary, Decimal128, ObjectId

from mongodb_session_manager.models import as_utc, utcnow

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


def export_document(
    document: Mapping[str, Any], *, include_redacted: bool = False
) -> dict[str, Any]:
    """The export structure of one stored session document (JSON-ready)."""
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
        extra = {
            k: v
            for k, v in agent.items()
            if k not in _AGENT_FIELDS and k not in ("messages", "state_bytes")
        }
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


# ----------------------------------------------------------------------------- markdown

# Stored text (what an LLM, a user or a tool wrote, and every id or name) can never
# pass for the transcript's structure: message text goes inside a fence longer than
# any backtick run in it; ids and names go inside code spans (no newline, a backtick
# run longer than any inside); other inline values have every ASCII punctuation
# character backslash-escaped (no heading, link, HTML, table cell or emphasis). So
# every heading, list item and table row of the transcript is written here.

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u2028\u2029]")
_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def _one_line(text: Any) -> str:
    return _CONTROL.sub(" ", str(text).replace("\r\n", " ").replace("\n", " ")).strip()


def _safe(text: Any) -> str:
    """An inline value: one line, every Markdown / HTML character escaped."""
    return _PUNCTUATION.sub(r"\\\1", _one_line(text))


def _code(text: Any) -> str:
    """An id or name as a code span that nothing inside can close or break."""
    body = _one_line(text)
    longest = max((len(run) for run in re.findall(r"`+", body)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if body.startswith("`") or body.endswith("`") or not body else ""
    return f"{ticks}{pad}{body}{pad}{ticks}"


def _fence(body: str, language: str = "") -> str:
    """``body`` verbatim in a fenced block that no line of it can close."""
    body = _CONTROL.sub("", body.replace("\r\n", "\n").replace("\r", "\n"))
    longest = max((len(run) for run in re.findall(r"`+", body)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{language}\n{body}\n{ticks}"


def _text(text: Any) -> str:
    return _fence(str(text), "text")


def _n(value: Any) -> str:
    """A stored count or duration: grouped digits, or escaped text if it is not a number."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value:,}"
    return _safe(value)


def _when(value: Any) -> str:
    if not value:
        return "-"
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        return _safe(value)
    return as_utc(parsed).strftime("%Y-%m-%d %H:%M:%S UTC")


def _size(byte_count: int) -> str:
    return f"{byte_count:,} bytes"


def _binary_size(value: Any) -> int | None:
    if isinstance(value, Mapping) and isinstance(value.get("$binary"), Mapping):
        encoded = str(value["$binary"].get("base64", ""))
        return len(encoded) * 3 // 4 - encoded[-2:].count("=")
    return None


def _placeholders(value: Any) -> Any:
    """``value`` with every exported bytes value replaced by ``[N bytes]``."""
    size = _binary_size(value)
    if size is not None:
        return f"[{_size(size)}]"
    if isinstance(value, Mapping):
        return {k: _placeholders(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_placeholders(v) for v in value]
    return value


def _json_block(value: Any) -> str:
    return _fence(json.dumps(_placeholders(value), indent=2, ensure_ascii=False), "json")


def _media(kind: str, block: Mapping[str, Any]) -> str:
    source = block.get("source") if isinstance(block.get("source"), Mapping) else {}
    size = _binary_size((source or {}).get("bytes"))
    parts = [kind]
    for key in ("name", "format"):
        if block.get(key):
            parts.append(_safe(block[key]))
    if size is not None:
        parts.append(_size(size))
    elif source and source.get("location"):
        parts.append("stored elsewhere")
    return f"*[{', '.join(parts)}]*"


def _block(block: Mapping[str, Any]) -> str:
    if "text" in block:
        return _text(block["text"])
    if "toolUse" in block:
        use = block["toolUse"] or {}
        head = f"**Tool call** {_code(use.get('name'))} ({_code(use.get('toolUseId'))})"
        return head + "\n\n" + _json_block(use.get("input"))
    if "toolResult" in block:
        result = block["toolResult"] or {}
        head = f"**Tool result** ({_code(result.get('toolUseId'))}, {_safe(result.get('status'))})"
        parts = [head]
        for item in result.get("content") or []:
            if isinstance(item, Mapping) and "json" in item:
                parts.append(_json_block(item["json"]))
            elif isinstance(item, Mapping):
                parts.append(_block(item))
        return "\n\n".join(parts)
    for kind in ("image", "document", "video"):
        if kind in block and isinstance(block[kind], Mapping):
            return _media(kind, block[kind])
    if "reasoningContent" in block:
        reasoning = block["reasoningContent"] or {}
        text = (reasoning.get("reasoningText") or {}).get("text")
        if text:
            return "*Reasoning:*\n\n" + _text(text)
        return "*[reasoning, redacted by the provider]*"
    if "cachePoint" in block:
        return "*[cache point]*"
    kind = next(iter(block), "block")
    return f"*[{_safe(kind)}]*\n\n" + _json_block(dict(block))


def _figures(metadata: Any) -> str:
    if not isinstance(metadata, Mapping):
        return ""
    usage = metadata.get("usage") or {}
    metrics = metadata.get("metrics") or {}
    parts = []
    if usage.get("totalTokens"):
        parts.append(
            f"{_n(usage.get('inputTokens', 0))} in / {_n(usage.get('outputTokens', 0))} out tokens"
        )
    if metrics.get("latencyMs"):
        parts.append(f"{_n(metrics['latencyMs'])} ms")
    return " · ".join(parts)


def _message_md(message: Mapping[str, Any]) -> str:
    head = f"#### {_safe(message.get('message_id'))} · {_safe(message.get('role'))} · "
    head += _when(message.get("created_at"))
    figures = _figures(message.get("metadata"))
    if figures:
        head += f" · {figures}"
    lines = [head]
    if message.get("redacted"):
        lines[0] += " · **redacted**"
        lines.append("*Redacted by a guardrail; the content below is what replaced it.*")
    for block in message.get("content") or []:
        if isinstance(block, Mapping):
            lines.append(_block(block))
    if message.get("redacted") and message.get("original_content") is not None:
        lines.append("*Original content (included on request):*")
        lines.extend(_block(b) for b in message["original_content"] if isinstance(b, Mapping))
    return "\n\n".join(lines)


def _totals_md(totals: Mapping[str, Any]) -> list[str]:
    if not totals:
        return []
    calls = f"{_n(totals.get('model_calls', 0))} model calls"
    return [
        f"| Messages | {_n(totals.get('messages', 0))} ({calls}) |",
        f"| Tokens | {_tokens(totals)} |",
        f"| Model latency | {_n(totals.get('latency_ms', 0))} ms |",
    ]


def _tokens(totals: Mapping[str, Any]) -> str:
    return (
        f"{_n(totals.get('input_tokens', 0))} in / {_n(totals.get('output_tokens', 0))} out"
        f" / {_n(totals.get('total_tokens', 0))} total"
    )


def to_markdown(export: Mapping[str, Any]) -> str:
    """The export as a readable Markdown transcript (bytes as placeholders)."""
    session = export.get("session") or {}
    out = [f"# Session {_code(session.get('session_id'))}", "", "| | |", "|---|---|"]
    rows = [
        ("Application", _safe(session.get("application_name") or "-")),
        ("Created", _when(session.get("created_at"))),
        ("Last write", _when(session.get("updated_at"))),
        ("Expires", _when(session.get("expires_at"))),
        ("Schema version", _n(session.get("schema_version"))),
        ("Stored size", f"{_n(session.get('size_bytes') or 0)} bytes"),
    ]
    out += [f"| {name} | {value} |" for name, value in rows]
    out += _totals_md(export.get("totals") or {})
    out += ["", f"*Exported {_when(export.get('exported_at'))}.*", "", "## Metadata", ""]
    out.append(_json_block(export.get("metadata") or {}))
    feedbacks = export.get("feedbacks") or []
    out += ["", f"## Feedback ({len(feedbacks)})", ""]
    for feedback in feedbacks:
        rating = {"up": "👍 up", "down": "👎 down"}.get(str(feedback.get("rating")), "no rating")
        where = ""
        if feedback.get("agent_id") is not None:
            where = (
                f" (agent {_code(feedback['agent_id'])}, "
                f"message {_safe(feedback.get('message_id'))})"
            )
        comment = _safe(feedback.get("comment") or "")
        out.append(f"- {rating} · {_when(feedback.get('created_at'))}{where}: {comment}")
    if not feedbacks:
        out.append("None.")
    for agent in export.get("agents") or []:
        out += ["", f"## Agent {_code(agent.get('agent_id'))}", ""]
        out.append(f"- Model: {_code(agent.get('model') or '-')}")
        count = agent.get("message_count", len(agent.get("messages") or []))
        out.append(f"- Messages: {_safe(count)}")
        totals = agent.get("totals") or {}
        if totals:
            latency = f"{_n(totals.get('latency_ms', 0))} ms"
            out.append(f"- Tokens: {_tokens(totals)}; model latency {latency}")
        if agent.get("system_prompt"):
            out += ["", "### System prompt", "", _text(agent["system_prompt"])]
        for name, title in (
            ("prompt_metadata", "Prompt metadata"),
            ("state", "State"),
            ("conversation_manager_state", "Conversation manager state"),
        ):
            if agent.get(name):
                out += ["", f"### {title}", "", _json_block(agent[name])]
        out += ["", "### Conversation", ""]
        for message in agent.get("messages") or []:
            out += [_message_md(message), ""]
    for multi in export.get("multi_agents") or []:
        out += ["", f"## Multi-agent {_code(multi.get('multi_agent_id'))}", ""]
        out.append(_json_block(multi.get("state") or {}))
    if export.get("extra"):
        out += ["", "## Other stored fields", "", _json_block(export["extra"])]
    return "\n".join(out).rstrip() + "\n"
