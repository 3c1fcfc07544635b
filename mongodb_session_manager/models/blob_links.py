"""Out-of-line values as the viewer shows them: links by path, never the bytes.

A message whose ``blobs`` lists values stored beside it (``models.pages.BlobRef``)
keeps those leaves empty. A reader that must not load them (the viewer's timeline)
turns each reference into a :class:`BlobLink` and hands them, keyed by path, to
:func:`~mongodb_session_manager.models.content.to_blocks`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from pydantic import BaseModel

__all__ = ["BlobLink", "BlobLinks", "link_at", "links_under", "size_label"]


class BlobLink(BaseModel):
    """A value of a message stored out of line: where to download it, never its bytes."""

    path: list[str | int]
    """Where the value sits in the stored message (its leaf there is stored empty)."""
    blob_url: str
    kind: Literal["bytes", "text"] = "bytes"
    media_type: str = "application/octet-stream"
    size_bytes: int = 0


BlobLinks = Mapping[tuple[str | int, ...], BlobLink]
"""Out-of-line values by path, relative to what is being read (a block, a content list)."""


def size_label(size: int) -> str:
    """A byte count for people: ``"6.0 MB"``, ``"20 KB"``, ``"312 B"`` (decimal units)."""
    if size >= 1_000_000:
        return f"{size / 1_000_000:.1f} MB"
    if size >= 1_000:
        return f"{size / 1_000:.0f} KB"
    return f"{size} B"


def links_under(links: BlobLinks | None, *prefix: str | int) -> BlobLinks | None:
    """The links below ``prefix``, their paths relative to it (``None`` when there are none)."""
    if not links:
        return None
    n = len(prefix)
    found = {path[n:]: link for path, link in links.items() if path[:n] == prefix}
    return found or None


def link_at(links: BlobLinks | None, *path: str | int) -> BlobLink | None:
    """The link of the value exactly at ``path`` (``None``: that value is stored inline)."""
    return links.get(path) if links else None
