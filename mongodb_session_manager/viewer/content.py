"""Stored Strands content blocks -> the viewer's typed blocks (JSON-safe, bounded)."""

from __future__ import annotations

import base64
import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from mongodb_session_manager.models import as_utc
from mongodb_session_manager.viewer.schemas import (
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
)

# Only raster formats a browser shows in <img>; SVG is left out on purpose.
IMAGE_MIME_TYPES: dict[str, str] = {
    "png": "image/png",
    "jpeg": "image/jpeg",
    "jpg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
}
_MAX_DEPTH = 32


def json_safe(value: Any, depth: int = 0) -> Any:
    """``value`` with BSON-only types made JSON-friendly (bytes become a size note).

    Floats that JSON cannot carry (NaN, infinities) become strings; nesting deeper
    than 32 levels is cut, so a hostile document cannot exhaust the encoder.
    """
    if depth > _MAX_DEPTH:
        return "…"
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, datetime):
        return as_utc(value).isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return {"$bytes": len(value)}
    if isinstance(value, Mapping):
        return {str(k): json_safe(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v, depth + 1) for v in value]
    return str(value)


def _raw_bytes(source: Any) -> bytes | None:
    if isinstance(source, Mapping):
        data = source.get("bytes")
        if isinstance(data, bytes | bytearray | memoryview):
            return bytes(data)
    return None


def _location(source: Any) -> str | None:
    if isinstance(source, Mapping):
        location = source.get("location")
        if isinstance(location, Mapping):
            uri = location.get("uri")
            return str(uri) if uri is not None else str(location.get("type", "location"))
    return None


def image_block(raw: Any, max_inline_bytes: int) -> ImageBlock:
    """An image; inline as a data URL when its format is a safe raster one and it is small."""
    if not isinstance(raw, Mapping):
        return ImageBlock(note="unreadable image block")
    fmt = str(raw.get("format") or "").lower() or None
    source = raw.get("source")
    data = _raw_bytes(source)
    block = ImageBlock(format=fmt, location=_location(source))
    if data is None:
        if block.location is None:
            block.note = "no image bytes stored"
        return block
    block.size_bytes = len(data)
    mime = IMAGE_MIME_TYPES.get(fmt or "")
    if mime is None:
        block.note = f"format {fmt!r} is not shown inline"
    elif len(data) > max_inline_bytes:
        block.note = f"larger than {max_inline_bytes} bytes; not shown inline"
    else:
        block.data_url = f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
    return block


def document_block(raw: Any) -> DocumentBlock:
    """A document's name, format and size (never its bytes)."""
    if not isinstance(raw, Mapping):
        return DocumentBlock()
    source = raw.get("source")
    data = _raw_bytes(source)
    name = raw.get("name")
    fmt = raw.get("format")
    return DocumentBlock(
        name=str(name) if name is not None else None,
        format=str(fmt) if fmt is not None else None,
        size_bytes=len(data) if data is not None else None,
        location=_location(source),
    )


def _result_content(raw: Any, max_inline_bytes: int) -> ResultContent:
    if isinstance(raw, Mapping):
        if isinstance(raw.get("text"), str):
            return TextBlock(text=raw["text"])
        if "json" in raw:
            return JsonBlock.model_validate({"json": json_safe(raw["json"])})
        if "image" in raw:
            return image_block(raw["image"], max_inline_bytes)
        if "document" in raw:
            return document_block(raw["document"])
        kind = next(iter(raw), "unknown")
        return OtherBlock(kind=str(kind), data=json_safe(raw.get(kind)))
    return OtherBlock(kind=type(raw).__name__, data=json_safe(raw))


def to_block(raw: Any, max_inline_bytes: int) -> Block:
    """One stored content block as a typed viewer block."""
    if not isinstance(raw, Mapping) or not raw:
        return OtherBlock(kind=type(raw).__name__, data=json_safe(raw))
    if isinstance(raw.get("text"), str):
        return TextBlock(text=raw["text"])
    if isinstance(raw.get("toolUse"), Mapping):
        use = raw["toolUse"]
        return ToolUseBlock(
            tool_use_id=_str_or_none(use.get("toolUseId")),
            name=str(use.get("name") or "?"),
            input=json_safe(use.get("input")),
        )
    if isinstance(raw.get("toolResult"), Mapping):
        result = raw["toolResult"]
        content = result.get("content")
        items = content if isinstance(content, list) else []
        return ToolResultBlock(
            tool_use_id=_str_or_none(result.get("toolUseId")),
            status=_str_or_none(result.get("status")),
            content=[_result_content(item, max_inline_bytes) for item in items],
        )
    if "image" in raw:
        return image_block(raw["image"], max_inline_bytes)
    if "document" in raw:
        return document_block(raw["document"])
    if isinstance(raw.get("reasoningContent"), Mapping):
        reasoning = raw["reasoningContent"]
        text = reasoning.get("reasoningText")
        if isinstance(text, Mapping):
            return ReasoningBlock(text=str(text.get("text") or ""))
        return ReasoningBlock(redacted="redactedContent" in reasoning)
    kind = str(next(iter(raw)))
    return OtherBlock(kind=kind, data=json_safe(raw.get(kind)))


def to_blocks(content: Any, max_inline_bytes: int) -> list[Block]:
    """A stored ``content`` list as typed blocks (anything else: one ``other`` block)."""
    if not isinstance(content, list):
        return [] if content is None else [OtherBlock(kind="content", data=json_safe(content))]
    return [to_block(raw, max_inline_bytes) for raw in content]


def plain_text(blocks: list[Block], limit: int = 0) -> str:
    """The text of ``blocks`` joined, optionally cut to ``limit`` characters."""
    text = "\n".join(b.text for b in blocks if isinstance(b, TextBlock))
    return text[:limit] if limit else text


def _str_or_none(value: Any) -> str | None:
    return str(value) if value is not None else None
