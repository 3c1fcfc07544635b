"""The key rules of Strands' shipped storage backends, applied before any I/O.

The same rules as ``InMemoryStorage``, ``LocalFileStorage`` and ``S3Storage``:
runs of ``/`` collapse, a key loses its leading and trailing ``/``, and empty
keys, backslashes and ``..`` segments are refused with Strands' ``StorageError``.
A list prefix keeps its trailing ``/`` and may be empty (every key).
"""

from __future__ import annotations

import re

from strands.types.exceptions import StorageError

__all__ = ["normalize_key", "normalize_namespace", "normalize_prefix"]

_SLASHES = re.compile(r"/+")


def normalize_key(key: str) -> str:
    """``key`` normalized (see the module).

    Raises:
        StorageError: The key is empty, has a backslash or a ``..`` segment.
    """
    if "\\" in key:
        raise StorageError(f"Invalid storage key '{key}': backslashes are not allowed")
    normalized = _SLASHES.sub("/", key).strip("/")
    if not normalized:
        raise StorageError("Storage key must not be empty")
    if ".." in normalized.split("/"):
        raise StorageError(f"Invalid storage key '{key}': '..' path segments are not allowed")
    return normalized


def normalize_prefix(prefix: str) -> str:
    """A list prefix normalized: slashes collapsed, leading ones dropped, trailing kept.

    Raises:
        StorageError: The prefix has a backslash or a ``..`` segment.
    """
    if "\\" in prefix:
        raise StorageError(f"Invalid storage prefix '{prefix}': backslashes are not allowed")
    normalized = _SLASHES.sub("/", prefix).lstrip("/")
    if ".." in normalized.split("/"):
        raise StorageError(f"Invalid storage prefix '{prefix}': '..' path segments are not allowed")
    return normalized


def normalize_namespace(namespace: str | None) -> str:
    """An application namespace checked (``None``: none, stored as ``""``).

    Raises:
        StorageError: The namespace is empty or has a backslash or a NUL.
    """
    if namespace is None:
        return ""
    if not isinstance(namespace, str) or not namespace or "\\" in namespace or "\0" in namespace:
        raise StorageError(
            f"Invalid storage namespace {namespace!r}: a non-empty string without '\\' or NUL"
        )
    return namespace
