"""Writes that only demo, benchmark and test data need: bulk inserts, rewrites, drops.

:class:`SeedingStore` is the gateway behind :mod:`mongodb_session_manager.demo`'s
seed conversations (spreading them over past days) and synthetic sessions (bulk
inserts for the viewer's budgets and benchmarks), and the testing kit's scratch
databases. Application code never needs it: sessions are written through the
session manager.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from mongodb_session_manager.store.gateway import CollectionGateway

__all__ = ["SeedingStore"]

logger = logging.getLogger(__name__)

Document = dict[str, Any]
"""A raw session document, as stored."""


class SeedingStore(CollectionGateway):
    """Demo and benchmark writes on one sessions collection (coroutines: run on the store loop).

    Args:
        pool: The pool (its client lives on the store loop).
        database_name: The database.
        collection_name: The sessions collection.
    """

    async def rewrite_session(
        self, session_id: str, rewrite: Callable[[Document], Document]
    ) -> bool:
        """Replace one stored session by ``rewrite(document)`` (two round trips).

        Args:
            session_id: The session (``_id``).
            rewrite: Makes the new document from the stored one.

        Returns:
            Whether the session existed (nothing is written when it does not).
        """
        collection = self.collection()
        document = await collection.find_one({"_id": session_id})
        if document is None:
            return False
        await collection.replace_one({"_id": session_id}, rewrite(document))
        return True

    async def insert_sessions(self, documents: Iterable[Document]) -> int:
        """Insert session documents in one unordered ``insert_many``.

        Args:
            documents: Complete session documents (each with its ``_id``).

        Returns:
            How many documents were sent (0: no round trip).
        """
        batch = list(documents)
        if not batch:
            return 0
        await self.collection().insert_many(batch, ordered=False)
        return len(batch)

    async def drop_database(self) -> None:
        """Drop this gateway's whole database (scratch databases of benchmarks)."""
        await self.pool.client().drop_database(self.database_name)
        logger.info("seeding.database.dropped | database=%s", self.database_name)
