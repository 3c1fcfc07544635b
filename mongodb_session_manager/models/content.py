"""Strands content blocks, typed: the one reading of a message's ``content`` list.

Every place that shows stored content (the viewer's API, both exports'
Markdown, the playground's page) reads it here: :func:`to_blocks` turns a stored
list into typed blocks; each app then renders the typed blocks its own way,
escaping as its medium needs. Bytes are never copied into a block except as a
small inline image (a data URL of a safe raster format); sizes are read from raw
bytes or from an export's Extended JSON (``{"$binary": {"base64": ...}}``).

A value the store keeps out of line (the message's ``blobs``; its leaf is stored
empty) is never loaded here: the caller passes :class:`BlobLink` s keyed by path
and the image, document or text block that holds the value carries the link's
``blob_url``, size and media type instead of the (empty) value.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from mongodb_session_manager.models._time import as_utc
from mongodb_session_manager.models.blob_links import (
    BlobLink,
    BlobLinks,
    link_at,
    links_under,
    size_label,
)

__all__ = [
    "IMAGE_MIME_TYPES",
    "BlobLink",
    "BlobLinks",
    "Block",
    "DocumentBlock",
    "ImageBlock",
    "JsonBlock",
    "OtherBlock",
    "ReasoningBlock",
    "ResultContent",
    "TextBlock",
    "ToolResultBlock",
    "ToolUseBlock",
    "document_block",
    "exported_size",
    "image_block",
    "json_safe",
    "plain_text",
    "result_text",
    "to_block",
    "to_blocks",
]

# ------------------------------------------------------------------ content blocks


class TextBlock(BaseModel):
    """Plain text (rendered as sanitised markdown by the page).

    ``blob_url`` set: the text is stored out of line (``text`` is empty) and
    ``size_bytes`` long; the page offers it as a download.
    """

    type: Literal["text"] = "text"
    text: str
    blob_url: str | None = None
    size_bytes: int | None = None


class ToolUseBlock(BaseModel):
    """A tool call the model asked for."""

    type: Literal["tool_use"] = "tool_use"
    tool_use_id: str | None = None
    name: str
    input: Any = None


class JsonBlock(BaseModel):
    """JSON returned by a tool."""

    model_config = ConfigDict(populate_by_name=True)

    type: Literal["json"] = "json"
    json_value: Any = Field(default=None, serialization_alias="json", validation_alias="json")


class ImageBlock(BaseModel):
    """An image; ``data_url`` is set when the bytes are stored and small enough.

    ``blob_url`` set: the bytes are stored out of line (never sent inline);
    ``media_type`` says whether the page may show them (a safe raster type).
    """

    type: Literal["image"] = "image"
    format: str | None = None
    size_bytes: int | None = None
    data_url: str | None = None
    location: str | None = None
    note: str | None = None
    blob_url: str | None = None
    media_type: str | None = None


class DocumentBlock(BaseModel):
    """A document (its bytes are never sent; name, format and size are)."""

    type: Literal["document"] = "document"
    name: str | None = None
    format: str | None = None
    size_bytes: int | None = None
    location: str | None = None
    blob_url: str | None = None
    """Set when the bytes are stored out of line: a download of them."""


class ReasoningBlock(BaseModel):
    """The model's reasoning text, when the provider returns it."""

    type: Literal["reasoning"] = "reasoning"
    text: str = ""
    redacted: bool = False


class OtherBlock(BaseModel):
    """Any other block (cache points, guard content, video...), as JSON-safe data."""

    type: Literal["other"] = "other"
    kind: str
    data: Any = None


class ToolResultBlock(BaseModel):
    """The result of a tool call, with its status badge and content."""

    type: Literal["tool_result"] = "tool_result"
    tool_use_id: str | None = None
    status: str | None = None
    content: list[ResultContent] = Field(default_factory=list)


ResultContent = Annotated[
    TextBlock | JsonBlock | ImageBlock | DocumentBlock | OtherBlock, Field(discriminator="type")
]
Block = Annotated[
    TextBlock
    | ToolUseBlock
    | ToolResultBlock
    | ImageBlock
    | DocumentBlock
    | ReasoningBlock
    | OtherBlock,
    Field(discriminator="type"),
]
ToolResultBlock.model_rebuild()


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


def exported_size(value: Any) -> int | None:
    """The size of bytes written as Extended JSON ``{"$binary": {"base64": ...}}``, if so."""
    if isinstance(value, Mapping) and isinstance(value.get("$binary"), Mapping):
        encoded = str(value["$binary"].get("base64", ""))
        return len(encoded) * 3 // 4 - encoded[-2:].count("=")
    return None


def _byte_size(source: Any) -> int | None:
    data = _raw_bytes(source)
    if data is not None:
        return len(data)
    return exported_size(source.get("bytes")) if isinstance(source, Mapping) else None


def _location(source: Any) -> str | None:
    if isinstance(source, Mapping):
        location = source.get("location")
        if isinstance(location, Mapping):
            uri = location.get("uri")
            return str(uri) if uri is not None else str(location.get("type", "location"))
    return None


def image_block(raw: Any, max_inline_bytes: int, links: BlobLinks | None = None) -> ImageBlock:
    """An image; inline as a data URL when its format is a safe raster one and it is small.

    ``links``: out-of-line values by path inside ``raw``; stored out of line, the
    image carries its ``blob_url`` (never its bytes).
    """
    if not isinstance(raw, Mapping):
        return ImageBlock(note="unreadable image block")
    fmt = str(raw.get("format") or "").lower() or None
    source = raw.get("source")
    link = link_at(links, "source", "bytes")
    if link is not None:
        shown = link.media_type in IMAGE_MIME_TYPES.values()
        return ImageBlock(
            format=fmt,
            size_bytes=link.size_bytes,
            blob_url=link.blob_url,
            media_type=link.media_type,
            note=f"{size_label(link.size_bytes)}, stored out of line"
            + ("" if shown else f"; format {fmt!r} is not shown inline"),
        )
    data = _raw_bytes(source)
    block = ImageBlock(format=fmt, location=_location(source))
    if data is None:
        block.size_bytes = _byte_size(source)  # an export's bytes: size only
        if block.location is None and block.size_bytes is None:
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


def document_block(raw: Any, links: BlobLinks | None = None) -> DocumentBlock:
    """A document's name, format and size (never its bytes; a ``blob_url`` if out of line)."""
    if not isinstance(raw, Mapping):
        return DocumentBlock()
    source = raw.get("source")
    name = raw.get("name")
    fmt = raw.get("format")
    link = link_at(links, "source", "bytes")
    return DocumentBlock(
        name=str(name) if name is not None else None,
        format=str(fmt) if fmt is not None else None,
        size_bytes=link.size_bytes if link is not None else _byte_size(source),
        location=_location(source),
        blob_url=link.blob_url if link is not None else None,
    )


def _text(text: str, links: BlobLinks | None) -> TextBlock:
    link = link_at(links, "text")
    if link is None:
        return TextBlock(text=text)
    return TextBlock(text=text, blob_url=link.blob_url, size_bytes=link.size_bytes)


def _result_content(raw: Any, max_inline_bytes: int, links: BlobLinks | None) -> ResultContent:
    if isinstance(raw, Mapping):
        if isinstance(raw.get("text"), str):
            return _text(raw["text"], links)
        if "json" in raw:
            return JsonBlock.model_validate({"json": json_safe(raw["json"])})
        if "image" in raw:
            return image_block(raw["image"], max_inline_bytes, links_under(links, "image"))
        if "document" in raw:
            return document_block(raw["document"], links_under(links, "document"))
        kind = next(iter(raw), "unknown")
        return OtherBlock(kind=str(kind), data=json_safe(raw.get(kind)))
    return OtherBlock(kind=type(raw).__name__, data=json_safe(raw))


def to_block(raw: Any, max_inline_bytes: int, links: BlobLinks | None = None) -> Block:
    """One stored content block as a typed viewer block.

    ``links``: the block's out-of-line values by path inside it (see :class:`BlobLink`).
    """
    if not isinstance(raw, Mapping) or not raw:
        return OtherBlock(kind=type(raw).__name__, data=json_safe(raw))
    if isinstance(raw.get("text"), str):
        return _text(raw["text"], links)
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
            content=[
                _result_content(
                    item, max_inline_bytes, links_under(links, "toolResult", "content", i)
                )
                for i, item in enumerate(items)
            ],
        )
    if "image" in raw:
        return image_block(raw["image"], max_inline_bytes, links_under(links, "image"))
    if "document" in raw:
        return document_block(raw["document"], links_under(links, "document"))
    if isinstance(raw.get("reasoningContent"), Mapping):
        reasoning = raw["reasoningContent"]
        text = reasoning.get("reasoningText")
        if isinstance(text, Mapping):
            return ReasoningBlock(text=str(text.get("text") or ""))
        return ReasoningBlock(redacted="redactedContent" in reasoning)
    kind = str(next(iter(raw)))
    return OtherBlock(kind=kind, data=json_safe(raw.get(kind)))


def to_blocks(
    content: Any, max_inline_bytes: int = 0, links: BlobLinks | None = None
) -> list[Block]:
    """A stored ``content`` list as typed blocks (anything else: one ``other`` block).

    ``links``: out-of-line values by path inside the list (first step: the block's index).
    """
    if not isinstance(content, list):
        return [] if content is None else [OtherBlock(kind="content", data=json_safe(content))]
    return [to_block(raw, max_inline_bytes, links_under(links, i)) for i, raw in enumerate(content)]


def plain_text(blocks: list[Block], limit: int = 0) -> str:
    """The text of ``blocks`` joined, optionally cut to ``limit`` characters."""
    text = "\n".join(b.text for b in blocks if isinstance(b, TextBlock))
    return text[:limit] if limit else text


def result_text(block: ToolResultBlock) -> str:
    """A tool result's text and JSON items as one text (one item per line)."""
    parts = [
        item.text if isinstance(item, TextBlock) else str(item.json_value)
        for item in block.content
        if isinstance(item, TextBlock | JsonBlock)
    ]
    return "\n".join(parts)


def _str_or_none(value: Any) -> str | None:
    return str(value) if value is not None else None
