"""The session collection's indexes (and its companions'), created once per process."""

from __future__ import annotations

import logging
from typing import Any, Protocol

from mongodb_session_manager.models.pages import (
    blob_indexes,
    blobs_collection,
    page_indexes,
    pages_collection,
)
from mongodb_session_manager.models.session import session_indexes

__all__ = ["IndexedPool", "ensure_companion_indexes", "ensure_session_indexes"]

logger = logging.getLogger(__name__)


class IndexedPool(Protocol):
    """What index creation needs of a pool (a ``MongoDBConnectionPool`` is one)."""

    def client(self) -> Any:
        """The async client (on the store loop)."""
        ...

    def is_indexed(
        self, database_name: str, collection_name: str, metadata_fields: tuple[str, ...]
    ) -> bool:
        """Whether this process created these indexes already."""
        ...

    def mark_indexed(
        self, database_name: str, collection_name: str, metadata_fields: tuple[str, ...]
    ) -> None:
        """Remember that this process created these indexes."""
        ...


async def ensure_session_indexes(
    pool: IndexedPool,
    database_name: str,
    collection_name: str,
    metadata_fields: tuple[str, ...] = (),
) -> bool:
    """Create the session indexes unless this process already did (call on the store loop).

    Args:
        pool: The pool (it remembers which collections are indexed; a fork forgets).
        database_name: The sessions' database.
        collection_name: The sessions' collection.
        metadata_fields: Metadata fields to index too.

    Returns:
        Whether the indexes were created now.
    """
    fields = tuple(sorted(metadata_fields))
    if pool.is_indexed(database_name, collection_name, fields):
        return False
    await pool.client()[database_name][collection_name].create_indexes(
        session_indexes(list(fields))
    )
    pool.mark_indexed(database_name, collection_name, fields)
    logger.info(
        "indexes.ensured | database=%s collection=%s metadata_fields=%s",
        database_name,
        collection_name,
        list(fields),
    )
    return True


async def ensure_companion_indexes(
    pool: IndexedPool, database_name: str, collection_name: str
) -> bool:
    """Create the page and chunk collections' indexes unless this process already did.

    ``page_indexes()`` on ``<collection>_pages`` and ``blob_indexes()`` on
    ``<collection>_blobs`` (call on the store loop; two commands the first time,
    none after).

    Args:
        pool: The pool (it remembers which collections are indexed; a fork forgets).
        database_name: The sessions' database.
        collection_name: The sessions' collection (the companions' names derive from it).

    Returns:
        Whether any index was created now.
    """
    created = False
    database = pool.client()[database_name]
    for name, indexes in (
        (pages_collection(collection_name), page_indexes()),
        (blobs_collection(collection_name), blob_indexes()),
    ):
        if pool.is_indexed(database_name, name, ()):
            continue
        await database[name].create_indexes(indexes)
        pool.mark_indexed(database_name, name, ())
        created = True
        logger.info("indexes.ensured | database=%s collection=%s", database_name, name)
    return created
