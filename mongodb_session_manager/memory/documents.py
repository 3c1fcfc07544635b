"""Memory entries as documents: identity, scope filters, the text of a message.

An entry's ``_id`` is the SHA-256 of its scope (namespace, user) and its
whitespace-normalised text, so Strands' at-least-once extraction writes (and any
repeated ``add``) land on the same document. The first write's metadata is kept.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from strands.memory.types import SearchOptions
from strands.storage.search.keyword import STOP_WORDS, tokenize
from strands.types.content import Message

from mongodb_session_manager.errors import InvalidInputError
from mongodb_session_manager.models.keys import validate_key

__all__ = [
    "MemoryScope",
    "MemoryWriteResult",
    "MongoDBSearchOptions",
    "check_metadata",
    "entry_document",
    "entry_id",
    "message_text",
    "normalise",
    "query_tokens",
]

RELEVANCE_SCORE_KEY = "_relevanceScore"
"""Metadata key of a search result's score (the name Strands' ``TestMemoryStore`` uses)."""
ID_KEY = "_memoryId"
"""Metadata key of a search result's entry id (pass it to ``delete``)."""
STRATEGY_KEY = "_searchStrategy"
"""Metadata key naming how a result was ranked (``vector_search``, ``text``...)."""


class MongoDBSearchOptions(SearchOptions, total=False):
    """:class:`strands.memory.SearchOptions` plus this store's scoping fields.

    ``MemoryManager.search`` forwards only ``max_search_results``; the other fields
    are for calling the store directly (the store's own ``namespace`` / ``user_id``
    apply otherwise).

    Attributes:
        namespace: Search this namespace instead of the store's.
        user_id: Search this user's entries instead of the store's user.
        metadata_filter: Only entries whose metadata has these values
            (``{"topic": "ui"}``; dotted keys reach nested fields).
    """

    namespace: str
    user_id: str
    metadata_filter: dict[str, Any]


@dataclass(frozen=True)
class MemoryWriteResult:
    """What ``add`` and ``add_messages`` return.

    Attributes:
        ids: The entry ids, one per stored text (repeats included).
        created: How many of them were new (a retried write creates none).
    """

    ids: tuple[str, ...]
    created: int

    @property
    def id(self) -> str | None:
        """The first entry's id (``add`` stores one), or ``None`` if nothing was stored."""
        return self.ids[0] if self.ids else None


@dataclass(frozen=True)
class MemoryScope:
    """Whose entries: a namespace, optionally one user's, optionally filtered by metadata."""

    namespace: str
    user_id: str | None = None
    metadata_filter: Mapping[str, Any] | None = None

    def filter(self) -> dict[str, Any]:
        """The query conditions of this scope (equality only, index-friendly)."""
        conditions: dict[str, Any] = {"namespace": self.namespace, "user_id": self.user_id}
        for key, value in (self.metadata_filter or {}).items():
            path = ".".join(validate_key(key, "metadata_filter key"))
            conditions[f"metadata.{path}"] = value
        return conditions


def check_scope_name(value: object, what: str) -> str:
    """A namespace or user id: a non-empty string without NUL characters."""
    if not isinstance(value, str) or not value.strip() or "\x00" in value:
        raise InvalidInputError(f"{what} must be a non-empty string, got {value!r}")
    return value


def normalise(text: str) -> str:
    """The text as it is stored and hashed: stripped, inner whitespace kept."""
    return text.strip()


def entry_id(namespace: str, user_id: str | None, text: str) -> str:
    """The deterministic id of ``text`` in a scope (32 hex characters of SHA-256)."""
    collapsed = " ".join(normalise(text).split())
    material = "\x00".join((namespace, user_id or "", collapsed))
    return hashlib.sha256(material.encode("utf-8")).hexdigest()[:32]


def query_tokens(text: str) -> set[str]:
    """The keyword tokens of ``text`` without Strands' stop words."""
    return tokenize(text) - STOP_WORDS


_JSON_SCALARS = (str, int, float, bool, type(None))


def check_metadata(value: object, path: str = "metadata") -> None:
    """Refuse metadata that is not JSON-compatible (Strands' ``Metadata``), before any I/O.

    Raises:
        InvalidInputError: A non-string key, or a value other than JSON's
            (``str``, numbers, ``bool``, ``None``, lists and string-keyed mappings).
    """
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise InvalidInputError(f"{path} keys must be strings, got {key!r}")
            check_metadata(item, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            check_metadata(item, f"{path}[{index}]")
    elif not isinstance(value, _JSON_SCALARS):
        raise InvalidInputError(
            f"{path} must be JSON-compatible, got {type(value).__name__} {value!r:.40}"
        )


def entry_document(
    scope: MemoryScope,
    text: str,
    metadata: Mapping[str, Any] | None,
    created_at: datetime,
    embedding: Sequence[float] | None = None,
) -> dict[str, Any]:
    """The document of one entry (what ``upsert_entries`` inserts if its id is new)."""
    content = normalise(text)
    if not content:
        raise InvalidInputError("memory content must not be empty")
    check_metadata(metadata or {})
    document: dict[str, Any] = {
        "_id": entry_id(scope.namespace, scope.user_id, content),
        "text": content,
        "namespace": scope.namespace,
        "user_id": scope.user_id,
        "metadata": dict(metadata or {}),
        "tokens": sorted(query_tokens(content)),
        "created_at": created_at,
    }
    if embedding is not None:
        document["embedding"] = [float(x) for x in embedding]
    return document


def message_text(message: Message) -> str:
    """The text blocks of a Strands message, joined (other block kinds are skipped)."""
    parts = [block["text"] for block in message.get("content", []) if "text" in block]
    return "\n".join(part for part in parts if part.strip()).strip()
