"""The pure half of out-of-line values: finding a message's big leaves, paths, chunks.

:class:`~mongodb_session_manager.store.blobs.BlobStore` does the I/O; this module
only looks at and rebuilds message dicts (no database, no state), so every rule
of what moves out of line is here and testable alone.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, NamedTuple

from bson import Binary

__all__ = [
    "MIN_OUT_OF_LINE_BYTES",
    "Leaf",
    "copy_tree",
    "large_leaves",
    "media_type_of",
    "set_at",
    "split_chunks",
]

MIN_OUT_OF_LINE_BYTES = 16 * 1024
"""A ``bytes`` or ``str`` leaf smaller than this always stays in the message."""

Path = list[str | int]

_IMAGE_TYPES = {"png": "image/png", "jpeg": "image/jpeg", "jpg": "image/jpeg"}
_IMAGE_TYPES |= {"gif": "image/gif", "webp": "image/webp"}
"""Image formats served with their own media type (never SVG: it can carry script)."""


class Leaf(NamedTuple):
    """A value that may move out of line.

    Attributes:
        path: Keys (``str``) and list positions (``int``) from the message to it.
        data: Its bytes (UTF-8 for text).
        kind: ``"bytes"`` or ``"text"``.
        subtype: The BSON binary subtype of a ``Binary`` (0 for plain bytes).
    """

    path: Path
    data: bytes
    kind: str
    subtype: int


def _leaves(value: Any, path: Path) -> Iterator[Leaf]:
    if isinstance(value, dict):
        for key, child in value.items():
            if not path and key == "blobs":
                continue  # the references of values already out of line
            yield from _leaves(child, [*path, key])
    elif isinstance(value, list | tuple):
        for index, child in enumerate(value):
            yield from _leaves(child, [*path, index])
    elif isinstance(value, bytes):
        if len(value) >= MIN_OUT_OF_LINE_BYTES:
            subtype = value.subtype if isinstance(value, Binary) else 0
            yield Leaf(path, bytes(value), "bytes", subtype)
    elif isinstance(value, str) and len(value) * 4 >= MIN_OUT_OF_LINE_BYTES:
        data = value.encode("utf-8")
        if len(data) >= MIN_OUT_OF_LINE_BYTES:
            yield Leaf(path, data, "text", 0)


def large_leaves(message: dict[str, Any]) -> list[Leaf]:
    """Every ``bytes`` / ``str`` leaf of at least 16 KiB, largest first (ties: document order)."""
    return sorted(_leaves(message, []), key=lambda leaf: -len(leaf.data))


def copy_tree(value: Any) -> Any:
    """A copy of the dicts and lists of ``value`` (the leaves are shared: they are immutable).

    Tuples become lists (BSON stores both as arrays), so every path can be set.
    """
    if isinstance(value, dict):
        return {key: copy_tree(child) for key, child in value.items()}
    if isinstance(value, list | tuple):
        return [copy_tree(child) for child in value]
    return value


def set_at(root: Any, path: Sequence[str | int], value: Any) -> bool:
    """Put ``value`` at ``path`` inside ``root``; False if the path does not lead there."""
    node = root
    for step in path[:-1]:
        node = _child(node, step)
        if node is None:
            return False
    last = path[-1] if path else None
    if isinstance(node, dict) and isinstance(last, str) and last in node:
        node[last] = value
        return True
    if isinstance(node, list) and isinstance(last, int) and 0 <= last < len(node):
        node[last] = value
        return True
    return False


def _child(node: Any, step: str | int) -> Any:
    if isinstance(node, dict) and isinstance(step, str):
        return node.get(step)
    if isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
        return node[step]
    return None


def media_type_of(message: dict[str, Any], leaf: Leaf) -> str:
    """The media type to serve a value with: a known image format, text, or octet-stream.

    Only the image formats of Strands' ``ImageContent`` (not SVG) get their own
    type; everything else downloads as bytes, so stored content never runs in the
    viewer's origin.
    """
    if leaf.kind == "text":
        return "text/plain; charset=utf-8"
    path = leaf.path
    if len(path) >= 3 and path[-3:-1] == ["image", "source"] and path[-1] == "bytes":
        node: Any = message
        for step in path[:-2]:
            node = _child(node, step)
        fmt = node.get("format") if isinstance(node, dict) else None
        if isinstance(fmt, str) and fmt.lower() in _IMAGE_TYPES:
            return _IMAGE_TYPES[fmt.lower()]
    return "application/octet-stream"


def split_chunks(data: bytes, chunk_bytes: int) -> list[bytes]:
    """``data`` cut into pieces of ``chunk_bytes`` (the last may be shorter; none for b"")."""
    view = memoryview(data)
    return [bytes(view[start : start + chunk_bytes]) for start in range(0, len(data), chunk_bytes)]
