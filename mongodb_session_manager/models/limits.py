"""Size and position limits of a stored session, and the checks of those settings.

Pure rules (no I/O): the store, the repository, the factory and the manager all
check their arguments with these before any write.
"""

from __future__ import annotations

from datetime import timedelta

from mongodb_session_manager.errors import InvalidInputError

__all__ = [
    "ARRAY_ITEM_OVERHEAD",
    "DEFAULT_MAX_DOCUMENT_BYTES",
    "MAX_POSITION",
    "MONGODB_MAX_DOCUMENT_BYTES",
    "check_max_document_bytes",
    "check_position",
    "check_ttl",
]

MONGODB_MAX_DOCUMENT_BYTES = 16 * 1024 * 1024
"""MongoDB's own document limit: ``max_document_bytes`` may not exceed it."""
DEFAULT_MAX_DOCUMENT_BYTES = MONGODB_MAX_DOCUMENT_BYTES - 256 * 1024
"""Refuse writes past this estimated session size: MongoDB's 16 MiB limit less headroom."""
ARRAY_ITEM_OVERHEAD = 12
"""BSON bytes one array element adds beyond its value (type byte, index key and NUL)."""
MAX_POSITION = 2**31 - 1
"""The largest message position (``$slice`` takes 32-bit ints); also "all" for a slice."""


def check_ttl(ttl: timedelta | None) -> timedelta | None:
    """Check a session expiry setting.

    Args:
        ttl: How long after its last write a session expires, or ``None`` (never).

    Returns:
        ``ttl`` unchanged.

    Raises:
        InvalidInputError: ``ttl`` is not a positive ``timedelta``.
    """
    if ttl is None:
        return None
    if not isinstance(ttl, timedelta) or ttl <= timedelta(0):
        raise InvalidInputError(f"ttl must be a positive datetime.timedelta, got {ttl!r}")
    return ttl


def check_max_document_bytes(value: int) -> int:
    """Check a session size limit: a positive int no larger than MongoDB's 16 MiB.

    A larger limit would let the embedded test server store what production refuses.

    Args:
        value: The limit in bytes.

    Returns:
        ``value`` unchanged.

    Raises:
        InvalidInputError: ``value`` is not a positive int, or is above 16 MiB.
    """
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise InvalidInputError(f"max_document_bytes must be a positive int, got {value!r}")
    if value > MONGODB_MAX_DOCUMENT_BYTES:
        raise InvalidInputError(
            f"max_document_bytes={value} is above MongoDB's document limit of "
            f"{MONGODB_MAX_DOCUMENT_BYTES} bytes (16 MiB)"
        )
    return value


def check_position(value: int | None, name: str) -> int | None:
    """Check a message position (``message_id``, ``offset``, ``limit``) as BSON can send it.

    Args:
        value: The position, or ``None``.
        name: The argument's name, for the error message.

    Returns:
        ``value`` unchanged.

    Raises:
        InvalidInputError: ``value`` is not an int, or is beyond :data:`MAX_POSITION`.
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInputError(f"{name} must be an int, got {value!r}")
    if value > MAX_POSITION:
        raise InvalidInputError(f"{name}={value} is beyond the largest message position")
    return value
