"""Discovery of the metadata fields users can filter on, cached briefly.

Fields come from three places: ``metadata.*`` indexes, the settings'
``metadata_fields``, and a sample of the most recently updated sessions (read
with a projection: metadata, application name and agent models only). A
field's type is the kind of value most sampled sessions hold; strings with few
distinct values become ``enum`` fields with their values.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from mongodb_session_manager.viewer.filters import OPERATORS
from mongodb_session_manager.viewer.schemas import FieldType, MetadataField, MetadataFields

logger = logging.getLogger(__name__)

MAX_DEPTH = 3
"""Nested metadata objects are flattened to dotted paths this deep."""
MAX_FIELDS = 200
MAX_ENUM_VALUES = 12
MAX_SEGMENT_LENGTH = 128
MAX_LISTED_VALUES = 200


def safe_segment(key: object) -> bool:
    """Whether a stored metadata key can be part of a query path as it is."""
    return (
        isinstance(key, str)
        and 0 < len(key) <= MAX_SEGMENT_LENGTH
        and "." not in key
        and not key.startswith("$")
        and "\x00" not in key
    )


def _kind(value: Any) -> str | None:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, datetime):
        return "date"
    if isinstance(value, str):
        return "string"
    return None


def flatten(
    metadata: Mapping[str, Any], prefix: str = "", depth: int = 1
) -> Iterator[tuple[str, Any]]:
    """``(dotted path, scalar value)`` pairs of a metadata object (lists yield their items)."""
    for key, value in metadata.items():
        if not safe_segment(key):
            continue
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):
            if depth < MAX_DEPTH:
                yield from flatten(value, f"{path}.", depth + 1)
        elif isinstance(value, list):
            for item in value[:50]:
                if _kind(item) is not None:
                    yield path, item
        elif _kind(value) is not None:
            yield path, value


@dataclass
class _Seen:
    sessions: int = 0
    kinds: Counter[str] = field(default_factory=Counter)
    strings: set[str] = field(default_factory=set)
    too_many: bool = False

    def add(self, value: Any) -> None:
        kind = _kind(value)
        if kind is None:
            return
        self.kinds[kind] += 1
        if kind == "string" and not self.too_many:
            self.strings.add(value)
            if len(self.strings) > MAX_ENUM_VALUES:
                self.too_many = True
                self.strings.clear()


def infer_fields(
    samples: list[Mapping[str, Any]], indexed: set[str], declared: tuple[str, ...]
) -> list[MetadataField]:
    """Typed fields from sampled metadata objects plus indexed and declared names."""
    seen: dict[str, _Seen] = {}
    for metadata in samples:
        present: set[str] = set()
        for path, value in flatten(metadata):
            entry = seen.setdefault(path, _Seen())
            entry.add(value)
            present.add(path)
        for path in present:
            seen[path].sessions += 1
    names = list(dict.fromkeys([*declared, *sorted(indexed), *sorted(seen)]))
    fields: list[MetadataField] = []
    for name in names[:MAX_FIELDS]:
        if not all(safe_segment(part) for part in name.split(".")):
            continue
        entry = seen.get(name, _Seen())
        kind: FieldType = "string"
        values: list[str] | None = None
        if entry.kinds:
            top = entry.kinds.most_common(1)[0][0]
            kind = top  # type: ignore[assignment]
            if (
                top == "string"
                and not entry.too_many
                and 0 < len(entry.strings) < entry.kinds["string"]
            ):
                kind = "enum"
                values = sorted(entry.strings)
        fields.append(
            MetadataField(
                name=name,
                type=kind,
                values=values,
                indexed=name in indexed,
                seen=entry.sessions,
                operators=list(OPERATORS[kind]),
            )
        )
    return fields


def indexed_metadata_fields(index_information: Mapping[str, Any]) -> set[str]:
    """Metadata paths that lead some index (compound ones included)."""
    fields: set[str] = set()
    for info in index_information.values():
        for key, _direction in info.get("key", []):
            if isinstance(key, str) and key.startswith("metadata.") and len(key) > 9:
                fields.add(key[len("metadata.") :])
    return fields


class FieldCatalog:
    """Caches discovered fields for ``ttl`` seconds; one discovery at a time.

    Args:
        discover: Coroutine function doing the discovery (its reads run on the store loop).
        ttl: Seconds a discovery stays fresh.
    """

    def __init__(self, discover: Callable[[], Awaitable[MetadataFields]], ttl: float) -> None:
        self._discover = discover
        self._ttl = ttl
        self._value: MetadataFields | None = None
        self._at = 0.0
        self._lock = asyncio.Lock()

    async def get(self) -> MetadataFields:
        """The fields, discovered again when the cached value is older than ``ttl``."""
        if self._value is not None and time.monotonic() - self._at < self._ttl:
            return self._value
        async with self._lock:
            if self._value is not None and time.monotonic() - self._at < self._ttl:
                return self._value
            value = await self._discover()
            self._value, self._at = value, time.monotonic()
            logger.info(
                "viewer.fields.discovered | fields=%d sampled=%d", len(value.fields), value.sampled
            )
            return value

    def invalidate(self) -> None:
        """Forget the cached fields (the next call discovers them again)."""
        self._value = None

    @property
    def age(self) -> float:
        """Seconds since the last discovery (infinite before the first)."""
        return time.monotonic() - self._at if self._value is not None else float("inf")
