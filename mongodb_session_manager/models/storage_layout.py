r"""How ``MongoDBStorage`` lays a key's value out in documents (pure rules, no I/O).

One head document per key in ``<collection>``::

    {"_id": <stored id>, "namespace": <str>, "size": <int>, "updated_at": <date>,
     "expires_at": <date>?, "data": <bytes>?, "chunks": {"version": <str>, "count": <int>}?,
     "text": <str>?}

``data`` holds a value that fits in the document; a larger value is split over
``count`` documents of ``<collection>_chunks`` (``head``, ``version``, ``n``,
``data``), written before the head names their ``version``. ``text`` is the
decoded value (with the key's words) when text search is on.

The stored id is the key itself, or ``<namespace>\<key>`` under a namespace: a
key never contains a backslash (the key rules refuse it), so the ids of two
namespaces (and of no namespace) can never collide.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

__all__ = [
    "CHUNK_BYTES",
    "INLINE_BYTES",
    "NAMESPACE_SEPARATOR",
    "KeyGroup",
    "StorageLayout",
    "StoredValue",
    "chunks_collection",
    "split",
]

INLINE_BYTES = 15 * 1024 * 1024
"""Values up to this size are stored in their head document (MongoDB allows 16 MiB)."""
CHUNK_BYTES = 8 * 1024 * 1024
"""Bytes per chunk document of a larger value."""
NAMESPACE_SEPARATOR = "\\"
"""Between a namespace and a key in a stored id (keys cannot contain it)."""
_EXTENSION = re.compile(r"(?<=[^/])\.[^./]*$")


def chunks_collection(collection_name: str) -> str:
    """The collection holding the chunks of ``collection_name``'s large values."""
    return f"{collection_name}_chunks"


def split(data: bytes, chunk_bytes: int) -> list[bytes]:
    """``data`` cut into pieces of at most ``chunk_bytes`` (at least one piece)."""
    return [data[i : i + chunk_bytes] for i in range(0, len(data), chunk_bytes)] or [b""]


@dataclass(frozen=True, slots=True)
class StorageLayout:
    """The layout rules of one storage: its namespace, limits, expiry and text field.

    Attributes:
        namespace: The application namespace (``""``: none).
        inline_bytes: Largest value kept in its head document.
        chunk_bytes: Bytes per chunk of a larger value.
        ttl: Each write sets ``expires_at`` to now + ``ttl`` (``None``: never expires).
        text: Whether head documents carry a ``text`` field for the text index.
    """

    namespace: str = ""
    inline_bytes: int = INLINE_BYTES
    chunk_bytes: int = CHUNK_BYTES
    ttl: timedelta | None = None
    text: bool = False

    def stored_id(self, key: str) -> str:
        """The ``_id`` of ``key``'s head document."""
        return f"{self.namespace}{NAMESPACE_SEPARATOR}{key}" if self.namespace else key

    def key_of(self, stored_id: str) -> str:
        """The key of a head document's ``_id`` (inverse of :meth:`stored_id`)."""
        return stored_id[len(self.namespace) + 1 :] if self.namespace else stored_id

    def prefix_filter(self, prefix: str) -> dict[str, Any]:
        """The query of every head whose key starts with ``prefix`` (anchored, escaped)."""
        query: dict[str, Any] = {"namespace": self.namespace}
        stored = self.stored_id(prefix) if self.namespace else prefix
        if stored:
            query["_id"] = {"$regex": "^" + re.escape(stored)}
        return query

    def fits_inline(self, data: bytes) -> bool:
        """Whether ``data`` is kept in its head document (with its ``text`` copy)."""
        return len(data) * (2 if self.text else 1) <= self.inline_bytes

    def head(
        self, key: str, data: bytes, now: datetime, chunks: tuple[str, int] | None
    ) -> dict[str, Any]:
        """The head document of ``key`` (``chunks``: version and count of its chunks)."""
        document: dict[str, Any] = {
            "_id": self.stored_id(key),
            "namespace": self.namespace,
            "size": len(data),
            "updated_at": now,
        }
        if self.ttl is not None:
            document["expires_at"] = now + self.ttl
        if chunks is None:
            document["data"] = data
            if self.text:
                words = _EXTENSION.sub("", key).replace("/", " ")
                document["text"] = f"{words} {data.decode('utf-8', errors='replace')}"
        else:
            document["chunks"] = {"version": chunks[0], "count": chunks[1]}
        return document

    def chunk_documents(
        self, key: str, data: bytes, version: str, now: datetime
    ) -> list[dict[str, Any]]:
        """The chunk documents of ``data`` under ``version``, in order."""
        head = self.stored_id(key)
        documents: list[dict[str, Any]] = []
        for n, piece in enumerate(split(data, self.chunk_bytes)):
            document: dict[str, Any] = {"head": head, "version": version, "n": n, "data": piece}
            if self.ttl is not None:
                document["expires_at"] = now + self.ttl
            documents.append(document)
        return documents


@dataclass(frozen=True, slots=True)
class StoredValue:
    """What a storage holds under one key, without the bytes.

    Attributes:
        key: The key (relative to the storage view that listed it).
        size: The value's length in bytes.
        updated_at: When it was last written (UTC).
        chunked: Whether the value is split over chunk documents.
    """

    key: str
    size: int
    updated_at: datetime
    chunked: bool = False


@dataclass(frozen=True, slots=True)
class KeyGroup:
    """The values whose keys share the segment a prefix ends in, summed up.

    Attributes:
        segment: That whole key segment: below ``session/``, the next segment;
            below ``session/ab``, the segment that starts with ``ab``.
        count: How many values.
        size: Their bytes.
        updated_at: The newest write among them (UTC).
    """

    segment: str
    count: int
    size: int
    updated_at: datetime
