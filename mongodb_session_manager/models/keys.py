"""Validation of metadata keys and values written by applications and by LLMs.

Rules (documented in ``docs/session-features.md``):

* A top-level key is a non-empty ``str`` of at most :data:`MAX_KEY_LENGTH`
  characters, without NUL or lone surrogates.
* A ``.`` in a key is a **nested path, on purpose**: ``{"profile.tier": "gold"}``
  sets ``metadata.profile.tier`` and keeps the other fields of ``profile``. Every
  segment must be non-empty and must not start with ``$``; segments after the
  first must not be all digits (MongoDB would read them as array positions and
  could pad an array with millions of ``null`` s).
* Keys inside nested values (dicts) follow the same rules but may not contain a
  ``.`` at all (such a field could not be addressed by a path afterwards).
* Values must be storable as BSON, nest at most :data:`MAX_DEPTH` levels, and one
  update may not exceed :data:`MAX_UPDATE_BYTES` encoded.
* Two keys of one update must not overlap (``"a"`` and ``"a.b"``).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from typing import Any

from mongodb_session_manager.errors import InvalidInputError
from mongodb_session_manager.models._text import check_text

MAX_KEY_LENGTH = 256
"""Longest metadata key (dotted path included), in characters."""
MAX_PATH_SEGMENTS = 16
"""Deepest dotted path."""
MAX_DEPTH = 32
"""Deepest nesting of a metadata value (MongoDB allows 100 levels per document)."""
MAX_UPDATE_BYTES = 1024 * 1024
"""Largest encoded metadata update accepted in one call."""


def _check_text(key: object, what: str) -> str:
    return check_text(key, what, MAX_KEY_LENGTH, InvalidInputError, show_value=True)


def validate_key(key: object, what: str = "metadata key") -> tuple[str, ...]:
    """Check a (possibly dotted) metadata key; return its path segments."""
    text = _check_text(key, what)
    segments = tuple(text.split("."))
    if len(segments) > MAX_PATH_SEGMENTS:
        raise InvalidInputError(
            f"{what} {text[:40]!r} has {len(segments)} path segments; the limit is "
            f"{MAX_PATH_SEGMENTS}"
        )
    for position, segment in enumerate(segments):
        if not segment:
            raise InvalidInputError(
                f"{what} {text!r} has an empty path segment (a leading, trailing or double '.')"
            )
        if segment.startswith("$"):
            raise InvalidInputError(
                f"{what} {text!r}: a segment may not start with '$' (MongoDB operators)"
            )
        if position and segment.isdigit():
            raise InvalidInputError(
                f"{what} {text!r}: segment {segment!r} is a number, which MongoDB reads as an "
                "array position; write the parent value whole instead"
            )
    return segments


def validate_keys(keys: Iterable[object], what: str = "metadata key") -> list[str]:
    """Check many keys; refuse overlapping ones (``a`` with ``a.b``). Order kept, no duplicates."""
    seen: dict[str, tuple[str, ...]] = {}
    for key in keys:
        segments = validate_key(key, what)
        seen.setdefault(".".join(segments), segments)
    paths = sorted(seen.values())
    for shorter, longer in itertools.pairwise(paths):
        if longer[: len(shorter)] == shorter:
            raise InvalidInputError(
                f"{what}s {'.'.join(shorter)!r} and {'.'.join(longer)!r} overlap; "
                "name only one of them"
            )
    return list(seen)


def validate_value(value: Any, where: str, depth: int = 0) -> None:
    """Check nested dict keys and depth of a metadata value (BSON-ability is checked later)."""
    if depth > MAX_DEPTH:
        raise InvalidInputError(f"{where} nests deeper than {MAX_DEPTH} levels")
    if isinstance(value, Mapping):
        for key, item in value.items():
            name = _check_text(key, f"key in {where}")
            if name.startswith("$"):
                raise InvalidInputError(f"key {name!r} in {where} may not start with '$'")
            if "." in name:
                raise InvalidInputError(
                    f"key {name!r} in {where} contains '.'; nest a dict instead, or set the "
                    "dotted path as a top-level key"
                )
            validate_value(item, f"{where}.{name}", depth + 1)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            validate_value(item, f"{where}[{index}]", depth + 1)


def get_path(document: Mapping[str, Any], segments: Iterable[str]) -> tuple[bool, Any]:
    """``(found, value)`` at a path in nested dicts."""
    current: Any = document
    for segment in segments:
        if not isinstance(current, Mapping) or segment not in current:
            return False, None
        current = current[segment]
    return True, current
