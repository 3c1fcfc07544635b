"""Message pages and value chunks: where a long session's older messages and big values live.

Schema version 2 keeps each agent's **recent** messages in the session document
(``agents.<key>.messages``, ids ``paged_count`` to ``message_count - 1``) and moves
older ones, a page at a time, to ``<sessions collection>_pages`` (the bucket
pattern). Values too big for any document (a 20 MB image) go to
``<sessions collection>_blobs`` in 1 MiB chunks. The session's counters decide
who owns a message: ids below ``agents.<key>.paged_count`` are in committed pages
of the agent's ``incarnation``, never anywhere else (see ``docs/architecture.md``).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import pymongo
from beanie import Document
from pydantic import BaseModel, ConfigDict, Field
from pymongo import IndexModel

from mongodb_session_manager._defaults import DEFAULT_COLLECTION
from mongodb_session_manager.models._time import UtcDatetime, utcnow
from mongodb_session_manager.models.limits import ARRAY_ITEM_OVERHEAD
from mongodb_session_manager.models.message import MessageRecord

__all__ = [
    "BLOB_CHUNK_BYTES",
    "SHARD_KEYS",
    "BlobChunkDocument",
    "BlobChunkRecord",
    "BlobRef",
    "PagePolicy",
    "SessionPageDocument",
    "SessionPageRecord",
    "blob_chunk_id",
    "blob_indexes",
    "blobs_collection",
    "new_incarnation",
    "page_id",
    "page_indexes",
    "pages_collection",
    "split_into_pages",
]

BLOB_CHUNK_BYTES = 1024 * 1024
"""Bytes per stored chunk of an out-of-line value."""

SHARD_KEYS: dict[str, dict[str, Any]] = {
    "sessions": {"_id": "hashed"},
    "pages": {"session_id": "hashed", "agent_key": 1, "first_id": 1},
    "blobs": {"session_id": "hashed", "blob_id": 1, "n": 1},
}
"""The documented shard keys (``docs/scaling.md``): every query names ``session_id``;
the compound hashed keys let one huge session spread over many chunks."""


@dataclass(frozen=True, slots=True)
class PagePolicy:
    """When recent messages move to a page, and when a value moves out of line.

    Attributes:
        page_messages: Seal a page once the recent messages number this many.
        page_bytes: ... or once they weigh this many (encoded) bytes.
        inline_message_bytes: A message larger than this has its largest values
            stored as chunks (it could not fit a document otherwise).
    """

    page_messages: int = 100
    page_bytes: int = 256 * 1024
    inline_message_bytes: int = 4 * 1024 * 1024

    def seal_due(self, count: int, size: int) -> bool:
        """Whether recent messages of ``count`` and ``size`` bytes make a page now."""
        return count >= self.page_messages or size >= self.page_bytes


def new_incarnation() -> str:
    """A fresh agent incarnation (16 hex): pages of another creation stay invisible."""
    return secrets.token_hex(8)


def pages_collection(collection_name: str) -> str:
    """The page collection of a sessions collection."""
    return f"{collection_name}_pages"


def blobs_collection(collection_name: str) -> str:
    """The chunk collection of a sessions collection."""
    return f"{collection_name}_blobs"


def page_id(session_id: str, agent_key: str, incarnation: str, first_id: int) -> str:
    """The deterministic ``_id`` of a page: a rewrite of the same page hits the same document."""
    return f"{session_id}/{agent_key}/{incarnation}/{first_id:010d}"


def blob_chunk_id(blob_id: str, n: int) -> str:
    """The ``_id`` of chunk ``n`` of a value."""
    return f"{blob_id}/{n:06d}"


def split_into_pages(
    messages: Sequence[dict[str, Any]],
    sizes: Sequence[int],
    policy: PagePolicy,
) -> tuple[list[list[dict[str, Any]]], list[dict[str, Any]]]:
    """Cut a run of messages into full pages and the recent tail (pure).

    A page closes as soon as it holds ``page_messages`` messages or
    ``page_bytes`` bytes, exactly as the live writer seals, so the migration and
    the writer make the same shapes.

    Args:
        messages: The message documents, in ``message_id`` order.
        sizes: Each message's encoded size (``len(bson.encode(m))``).
        policy: The bounds.

    Returns:
        ``(pages, recent)``: the messages of each full page, and what stays recent.
    """
    pages: list[list[dict[str, Any]]] = []
    current: list[dict[str, Any]] = []
    size = 0
    for message, message_size in zip(messages, sizes, strict=True):
        current.append(message)
        size += message_size + ARRAY_ITEM_OVERHEAD
        if policy.seal_due(len(current), size):
            pages.append(current)
            current, size = [], 0
    return pages, current


class BlobRef(BaseModel):
    """Where a message's out-of-line value is: the leaf at ``path`` is stored empty.

    A side list on the message (``blobs``), not an in-place marker, so no value a
    user wrote can be mistaken for a reference.
    """

    model_config = ConfigDict(extra="allow")

    path: list[str | int]
    blob_id: str
    kind: Literal["bytes", "text"] = "bytes"
    size: int = Field(ge=0)
    sha256: str
    chunks: int = Field(ge=0)


class SessionPageRecord(BaseModel):
    """One page of an agent's older messages (``<sessions>_pages``).

    A page is visible only when ``first_id < agents.<key>.paged_count`` of its
    session and its ``incarnation`` is the agent's: the session decides.
    """

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    id: str | None = Field(default=None, alias="_id")
    session_id: str
    agent_key: str
    agent_id: str
    incarnation: str
    first_id: int = Field(ge=0)
    end_id: int = Field(ge=0)
    """One past the last ``message_id`` of the page."""
    count: int = Field(ge=0)
    bytes: int = Field(ge=0)
    rev: int = 0
    """The agent's ``rev`` the content was read at (a newer snapshot replaces an older)."""
    messages: list[MessageRecord] = Field(default_factory=list)
    created_at: UtcDatetime = Field(default_factory=utcnow)
    expires_at: UtcDatetime | None = None


class BlobChunkRecord(BaseModel):
    """One chunk of an out-of-line value (``<sessions>_blobs``)."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    id: str | None = Field(default=None, alias="_id")
    session_id: str
    blob_id: str
    n: int = Field(ge=0)
    data: bytes
    expires_at: UtcDatetime | None = None


def _ttl_index() -> IndexModel:
    return IndexModel(
        [("expires_at", pymongo.ASCENDING)], name="expires_at_ttl", expireAfterSeconds=0
    )


class SessionPageDocument(SessionPageRecord, Document):
    """A page as a Beanie document (collection ``sessions_pages`` by default)."""

    class Settings:
        """Beanie's collection settings: the default name and the indexes."""

        name = pages_collection(DEFAULT_COLLECTION)
        indexes: ClassVar[list[IndexModel]] = [
            IndexModel(
                [
                    ("session_id", pymongo.ASCENDING),
                    ("agent_key", pymongo.ASCENDING),
                    ("incarnation", pymongo.ASCENDING),
                    ("first_id", pymongo.ASCENDING),
                ],
                name="page_window",
            ),
            _ttl_index(),
        ]


class BlobChunkDocument(BlobChunkRecord, Document):
    """A value chunk as a Beanie document (collection ``sessions_blobs`` by default)."""

    class Settings:
        """Beanie's collection settings: the default name and the indexes."""

        name = blobs_collection(DEFAULT_COLLECTION)
        indexes: ClassVar[list[IndexModel]] = [
            IndexModel(
                [
                    ("session_id", pymongo.ASCENDING),
                    ("blob_id", pymongo.ASCENDING),
                    ("n", pymongo.ASCENDING),
                ],
                name="blob_chunks",
            ),
            _ttl_index(),
        ]


def page_indexes() -> list[IndexModel]:
    """The indexes of a page collection."""
    return list(SessionPageDocument.Settings.indexes)


def blob_indexes() -> list[IndexModel]:
    """The indexes of a chunk collection."""
    return list(BlobChunkDocument.Settings.indexes)
