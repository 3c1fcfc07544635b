"""Where sessions are stored and the rules of the store, as one value.

The repository, the factory and the manager all take the same store arguments
(connection string, database, collection, client, limits, ttl); they build one
:class:`StoreSettings` from them, checked once.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import timedelta
from typing import Any

from mongodb_session_manager.models import DEFAULT_COLLECTION, DEFAULT_DATABASE
from mongodb_session_manager.models.keys import validate_key
from mongodb_session_manager.models.limits import (
    DEFAULT_MAX_DOCUMENT_BYTES,
    check_max_document_bytes,
    check_ttl,
)
from mongodb_session_manager.models.pages import PagePolicy

__all__ = ["StoreSettings", "index_paths"]


@dataclass(frozen=True, slots=True)
class StoreSettings:
    """The store arguments shared by the repository, the factory and the manager.

    Attributes:
        connection_string: MongoDB URI (ignored when ``client`` is given).
        database_name: Database holding the sessions.
        collection_name: Collection holding the sessions.
        client: A ``pymongo.MongoClient``, an ``AsyncMongoClient`` or a
            :class:`~mongodb_session_manager.store.pool.MongoDBConnectionPool`.
        application_name: Stored on the sessions created with these settings.
        metadata_fields: Metadata fields to index (dotted paths, checked).
        max_document_bytes: Refuse writes that would grow a session past this size.
        ttl: Delete a session this long after its last write (``None``: never).
        client_options: PyMongo client options when a pool is created.
        page_policy: When recent messages move to a page and big values out of
            line (``models.pages.PagePolicy``; the defaults suit every size).
    """

    connection_string: str | None = None
    database_name: str = DEFAULT_DATABASE
    collection_name: str = DEFAULT_COLLECTION
    client: Any | None = None
    application_name: str | None = None
    metadata_fields: tuple[str, ...] = ()
    max_document_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES
    ttl: timedelta | None = None
    client_options: Mapping[str, Any] = field(default_factory=dict)
    page_policy: PagePolicy = field(default_factory=PagePolicy)

    def __post_init__(self) -> None:
        check_ttl(self.ttl)
        check_max_document_bytes(self.max_document_bytes)
        object.__setattr__(self, "metadata_fields", index_paths(self.metadata_fields))

    @classmethod
    def from_arguments(cls, arguments: Mapping[str, Any]) -> StoreSettings:
        """The settings among a repository's or a factory's constructor arguments, by name.

        Both constructors list these parameters themselves (their public
        signatures) and hand them over as ``StoreSettings.from_arguments(locals())``
        instead of forwarding nine names one by one; their ``**pool_options`` are
        the ``client_options``.
        """
        picked = {
            f.name: arguments[f.name]
            for f in fields(cls)
            if f.name != "client_options" and (f.name in arguments or f.name != "page_policy")
        }
        return cls(**picked, client_options=arguments["pool_options"])

    def with_overrides(self, **changes: Any) -> StoreSettings:
        """These settings with some fields replaced (checked again)."""
        return dataclasses.replace(self, **changes)


def index_paths(fields: Sequence[str] | None) -> tuple[str, ...]:
    """Metadata field names as index paths; ``$``, empty segments... refused before any I/O.

    Args:
        fields: Metadata field names (dotted for nested fields), or ``None``.

    Raises:
        InvalidInputError: A name is not a valid metadata key.
    """
    return tuple(".".join(validate_key(name, "metadata_fields entry")) for name in fields or ())
