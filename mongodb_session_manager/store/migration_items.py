"""What the migration store reads and writes: batch items, writes, their outcome.

Plain values passed between :class:`~.migration_store.MigrationStore` and the
migration runner; the runner never sees a driver request or result object.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import bson
from bson.codec_options import CodecOptions
from bson.raw_bson import RawBSONDocument

__all__ = ["DUPLICATE_KEY", "BatchItem", "Write", "WriteOutcome", "unchanged"]

DUPLICATE_KEY = 11000
"""MongoDB's error code for a duplicate ``_id`` (a copy finds the document already there)."""


def unchanged(document: dict[str, Any]) -> dict[str, Any]:
    """The compare-and-set guard: the document's ``updated_at`` as it was read."""
    if "updated_at" in document:
        return {"updated_at": document["updated_at"]}
    return {"updated_at": {"$exists": False}}


@dataclass
class BatchItem:
    """One document of a batch, kept as raw BSON until its turn to be converted.

    Attributes:
        session_id: The document's ``_id``.
        size: Its encoded size in bytes.
        guard: The compare-and-set condition besides the version (``updated_at`` as read).
        raw: The raw BSON (raw batches), or ``None`` when ``decoded`` holds it.
        decoded: The decoded document (backends without raw batches).
        codec_options: How to decode ``raw``.
    """

    session_id: str
    size: int
    guard: dict[str, Any]
    raw: bytes | None = None
    decoded: dict[str, Any] | None = None
    codec_options: CodecOptions[Any] | None = None

    @property
    def document(self) -> dict[str, Any]:
        """The document, decoded now (raw items are not kept decoded: memory)."""
        if self.decoded is not None:
            return self.decoded
        assert self.raw is not None
        options: Any = self.codec_options
        document: dict[str, Any] = bson.decode(self.raw, codec_options=options)
        return document

    @classmethod
    def of(cls, document: dict[str, Any], size: int, **kwargs: Any) -> BatchItem:
        """The item of ``document`` (``kwargs``: ``raw`` + ``codec_options``, or ``decoded``)."""
        return cls(str(document["_id"]), size, unchanged(document), **kwargs)

    @classmethod
    def decoded_from(cls, document: Any) -> BatchItem:
        """The item of a document read decoded (its size measured by encoding it)."""
        plain = dict(document)
        return cls.of(plain, len(bson.encode(document)), decoded=plain)


@dataclass(frozen=True)
class Write:
    """One converted document to write.

    Attributes:
        session_id: The document's ``_id``.
        document: The converted document, as raw BSON.
        condition: The compare-and-set filter of an in-place replace; ``None`` for an
            insert (a copy into another collection).
    """

    session_id: str
    document: RawBSONDocument
    condition: dict[str, Any] | None = None

    @property
    def size(self) -> int:
        """Encoded size of the document."""
        return len(self.document.raw)


@dataclass
class WriteOutcome:
    """What a batch of writes did.

    Attributes:
        matched: Replaces whose compare-and-set matched.
        inserted: Inserts that landed.
        errors: Write errors by position in the batch: ``(code, message)``.
    """

    matched: int = 0
    inserted: int = 0
    errors: dict[int, tuple[int, str]] = field(default_factory=dict)

    @property
    def done(self) -> int:
        """Documents written (a batch is all inserts or all replaces: one of the two is 0)."""
        return self.matched + self.inserted
