"""Downloads of a whole session: JSON (the API's own models) or a Markdown transcript."""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import BaseModel

from mongodb_session_manager.viewer.schemas import (
    Block,
    DocumentBlock,
    ImageBlock,
    JsonBlock,
    OtherBlock,
    ReasoningBlock,
    SessionDetail,
    TextBlock,
    TimelineFeedback,
    TimelineItem,
    TimelineMessage,
    ToolResultBlock,
    ToolUseBlock,
)


class SessionExport(BaseModel):
    """A session as downloaded: its header and its whole timeline."""

    format_version: int = 1
    session: SessionDetail
    timeline: list[TimelineItem]


def export_json(detail: SessionDetail, items: list[TimelineItem]) -> str:
    """The session as indented JSON."""
    return SessionExport(session=detail, timeline=items).model_dump_json(indent=2, by_alias=True)


def filename(session_id: str, extension: str) -> str:
    """A download file name safe in any header and file system."""
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", session_id).strip("._")[:80]
    return f"session-{safe or 'export'}.{extension}"


def _fence(text: str, language: str = "") -> str:
    # A fence longer than any backtick run inside, so content cannot close it.
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{language}\n{text}\n{fence}"


def _json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


def _block(block: Block | Any) -> str:
    if isinstance(block, TextBlock):
        return block.text
    if isinstance(block, ToolUseBlock):
        return f"**Tool call** `{block.name}` (`{block.tool_use_id}`)\n\n" + _fence(
            _json(block.input), "json"
        )
    if isinstance(block, ToolResultBlock):
        parts = [f"**Tool result** ({block.status or 'unknown'}, `{block.tool_use_id}`)"]
        parts.extend(_block(item) for item in block.content)
        return "\n\n".join(parts)
    if isinstance(block, JsonBlock):
        return _fence(_json(block.json_value), "json")
    if isinstance(block, ImageBlock):
        size = f", {block.size_bytes} bytes" if block.size_bytes is not None else ""
        return f"*[image: {block.format or 'unknown format'}{size}]*"
    if isinstance(block, DocumentBlock):
        size = f", {block.size_bytes} bytes" if block.size_bytes is not None else ""
        return f"*[document: {block.name or 'unnamed'} ({block.format or '?'}){size}]*"
    if isinstance(block, ReasoningBlock):
        return "> *reasoning:* " + (block.text or "(redacted)").replace("\n", "\n> ")
    if isinstance(block, OtherBlock):
        return f"*[{block.kind}]*\n\n" + _fence(_json(block.data), "json")
    return ""


def export_markdown(detail: SessionDetail, items: list[TimelineItem]) -> str:
    """A readable transcript: header, agents, then the timeline with tools and feedback."""
    lines = [f"# Session `{detail.session_id}`", ""]
    facts = [
        ("Application", detail.application_name),
        ("Created", detail.created_at.isoformat() if detail.created_at else None),
        ("Updated", detail.updated_at.isoformat() if detail.updated_at else None),
        ("Messages", str(detail.totals.messages)),
        (
            "Tokens",
            f"{detail.totals.input_tokens} in / {detail.totals.output_tokens} out"
            f" / {detail.totals.total_tokens} total",
        ),
    ]
    lines.extend(f"- **{name}:** {value}" for name, value in facts if value)
    if detail.metadata:
        lines += ["", "## Metadata", "", _fence(_json(detail.metadata), "json")]
    if detail.agents:
        lines += ["", "## Agents", ""]
        for agent in detail.agents:
            lines.append(
                f"- `{agent.agent_id}`: model {agent.model or 'unknown'}, "
                f"{agent.message_count} messages"
            )
    lines += ["", "## Timeline", ""]
    for item in items:
        if isinstance(item, TimelineMessage):
            when = item.created_at.isoformat() if item.created_at else "?"
            flag = " · **redacted**" if item.redacted else ""
            lines.append(f"### {item.role} · {item.agent_id} · #{item.message_id} · {when}{flag}")
            lines.append("")
            lines.extend(_block(block) + "\n" for block in item.blocks)
            if item.usage is not None or item.metrics is not None:
                usage, metrics = item.usage, item.metrics
                figures = []
                if usage is not None:
                    figures.append(f"{usage.inputTokens} in / {usage.outputTokens} out tokens")
                if metrics is not None:
                    figures.append(f"{metrics.latencyMs} ms")
                lines.append("*" + " · ".join(figures) + "*\n")
        elif isinstance(item, TimelineFeedback):
            rating = {"up": "👍", "down": "👎"}.get(item.rating or "", "💬")
            target = (
                f" on {item.agent_id} #{item.message_id}"
                if item.agent_id and item.message_id is not None
                else ""
            )
            lines.append(f"> **Feedback** {rating}{target} · {item.created_at.isoformat()}")
            if item.comment:
                lines.append("> " + item.comment.replace("\n", "\n> "))
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"
