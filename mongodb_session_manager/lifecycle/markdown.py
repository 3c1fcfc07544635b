"""A session export as a Markdown transcript, in which stored text never passes for structure.

Input is the JSON-ready structure of
:func:`~mongodb_session_manager.lifecycle.export.export_document` (bytes as
Extended JSON, shown here as ``[N bytes]`` placeholders). Content blocks are read
by :mod:`mongodb_session_manager.models.content`, the one reading of Strands
content the viewer and the playground share; this module only writes each typed
block's Markdown.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from mongodb_session_manager.models import as_utc
from mongodb_session_manager.models.content import (
    Block,
    DocumentBlock,
    ImageBlock,
    JsonBlock,
    OtherBlock,
    ReasoningBlock,
    ResultContent,
    TextBlock,
    ToolResultBlock,
    ToolUseBlock,
    document_block,
    exported_size,
    to_blocks,
)

__all__ = ["agent_md", "head_md", "message_md", "tail_md", "to_markdown"]

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
    if value is None:  # not stored (a snapshot session has no schema version)
        return "-"
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


def _placeholders(value: Any) -> Any:
    """``value`` with every exported bytes value replaced by ``[N bytes]``."""
    size = exported_size(value)
    if size is not None:
        return f"[{_size(size)}]"
    if isinstance(value, Mapping):
        return {k: _placeholders(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_placeholders(v) for v in value]
    return value


def _json_block(value: Any) -> str:
    return _fence(json.dumps(_placeholders(value), indent=2, ensure_ascii=False), "json")


# Content blocks are read once (models/content.py); here each typed block gets its
# Markdown form: stored text in fences, ids in code spans, everything else escaped.


def _media(kind: str, media: ImageBlock | DocumentBlock) -> str:
    parts = [kind]
    parts += [_safe(v) for v in (getattr(media, "name", None), media.format) if v]
    if media.size_bytes is not None:
        parts.append(_size(media.size_bytes))
    elif media.location is not None:
        parts.append("stored elsewhere")
    return f"*[{', '.join(parts)}]*"


def _tool_use_md(block: ToolUseBlock) -> str:
    head = f"**Tool call** {_code(block.name)} ({_code(block.tool_use_id)})"
    return head + "\n\n" + _json_block(block.input)


def _tool_result_md(block: ToolResultBlock) -> str:
    head = f"**Tool result** ({_code(block.tool_use_id)}, {_safe(block.status)})"
    return "\n\n".join([head, *(_block(item) for item in block.content)])


def _reasoning_md(block: ReasoningBlock) -> str:
    if block.text:
        return "*Reasoning:*\n\n" + _text(block.text)
    return "*[reasoning, redacted by the provider]*"


def _other_md(block: OtherBlock) -> str:
    if block.kind == "cachePoint":
        return "*[cache point]*"
    if block.kind == "video" and isinstance(block.data, Mapping):
        return _media("video", document_block(block.data))
    return f"*[{_safe(block.kind)}]*\n\n" + _json_block({block.kind: block.data})


def _block(block: Block | ResultContent) -> str:
    if isinstance(block, TextBlock):
        return _text(block.text)
    if isinstance(block, JsonBlock):
        return _json_block(block.json_value)
    if isinstance(block, ImageBlock | DocumentBlock):
        return _media(block.type, block)
    renderers: dict[str, Callable[[Any], str]] = {
        "tool_use": _tool_use_md,
        "tool_result": _tool_result_md,
        "reasoning": _reasoning_md,
        "other": _other_md,
    }
    return renderers[block.type](block)


def _blocks(content: Any) -> list[str]:
    """Markdown of each content block of a stored ``content`` list (other values: none)."""
    if not isinstance(content, list):
        return []
    return [_block(b) for b in to_blocks([b for b in content if isinstance(b, Mapping)])]


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
    lines.extend(_blocks(message.get("content")))
    if message.get("redacted") and message.get("original_content") is not None:
        lines.append("*Original content (included on request):*")
        lines.extend(_blocks(message["original_content"]))
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


def _header_md(export: Mapping[str, Any]) -> list[str]:
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
    return out


def _feedback_md(feedbacks: list[Any]) -> list[str]:
    out = ["", f"## Feedback ({len(feedbacks)})", ""]
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
    return out


_AGENT_SECTIONS = (
    ("prompt_metadata", "Prompt metadata"),
    ("state", "State"),
    ("conversation_manager_state", "Conversation manager state"),
)


def _agent_md(agent: Mapping[str, Any]) -> list[str]:
    out = ["", f"## Agent {_code(agent.get('agent_id'))}", ""]
    out.append(f"- Model: {_code(agent.get('model') or '-')}")
    count = agent.get("message_count", len(agent.get("messages") or []))
    out.append(f"- Messages: {_safe(count)}")
    totals = agent.get("totals") or {}
    if totals:
        latency = f"{_n(totals.get('latency_ms', 0))} ms"
        out.append(f"- Tokens: {_tokens(totals)}; model latency {latency}")
    if agent.get("system_prompt"):
        out += ["", "### System prompt", "", _text(agent["system_prompt"])]
    for name, title in _AGENT_SECTIONS:
        if agent.get(name):
            out += ["", f"### {title}", "", _json_block(agent[name])]
    out += ["", "### Conversation", ""]
    for message in agent.get("messages") or []:
        out += message_md(message)
    return out


def head_md(export: Mapping[str, Any]) -> list[str]:
    """The transcript's lines before the first agent (header, totals, feedback)."""
    return _header_md(export) + _feedback_md(export.get("feedbacks") or [])


def agent_md(agent: Mapping[str, Any]) -> list[str]:
    """An agent's lines: its header, sections, then each of its exported ``messages``."""
    return _agent_md(agent)


def message_md(message: Mapping[str, Any]) -> list[str]:
    """One exported message's lines in the conversation."""
    return [_message_md(message), ""]


def tail_md(export: Mapping[str, Any]) -> list[str]:
    """The transcript's lines after the last agent (Graph / Swarm state, other fields)."""
    out: list[str] = []
    for multi in export.get("multi_agents") or []:
        out += ["", f"## Multi-agent {_code(multi.get('multi_agent_id'))}", ""]
        out.append(_json_block(multi.get("state") or {}))
    if export.get("extra"):
        out += ["", "## Other stored fields", "", _json_block(export["extra"])]
    return out


def to_markdown(export: Mapping[str, Any]) -> str:
    """The export as a readable Markdown transcript (bytes as placeholders)."""
    out = head_md(export)
    for agent in export.get("agents") or []:
        out += _agent_md(agent)
    out += tail_md(export)
    return "\n".join(out).rstrip() + "\n"
