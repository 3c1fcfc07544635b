"""What the repository (and anything else built on a :class:`SessionStore`) holds.

The pool it runs on (owned or shared), the store over that pool, and the store
settings read back as attributes (``database_name``, ``ttl``...), which the
reference library's users and the manager read.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Self

from mongodb_session_manager._twins import awaiting, blocking
from mongodb_session_manager.models.limits import check_ttl
from mongodb_session_manager.store.pool import MongoDBConnectionPool
from mongodb_session_manager.store.pool_holder import PoolHolder
from mongodb_session_manager.store.sessions import SessionStore
from mongodb_session_manager.store.settings import StoreSettings

__all__ = ["StoreBacked"]


class StoreBacked(PoolHolder):
    """A :class:`SessionStore` on a pool, with the settings as read-only attributes."""

    pool: MongoDBConnectionPool
    store: SessionStore

    @classmethod
    def from_settings(
        cls, settings: StoreSettings, pool: MongoDBConnectionPool | None = None
    ) -> Self:
        """One for ``settings``, on ``pool`` (shared, not owned) or on its own pool."""
        made = cls.__new__(cls)
        made._attach(settings, pool)
        return made

    def _attach(self, settings: StoreSettings, pool: MongoDBConnectionPool | None) -> None:
        """Use ``pool`` (or acquire one for ``settings``) and build the store on it."""
        pool = self._hold_pool(
            pool, settings.connection_string, settings.client, settings.client_options
        )
        self.store = SessionStore(pool, settings)

    # ---------------------------------------------------------------- settings and plumbing

    @property
    def settings(self) -> StoreSettings:
        """The store settings (database, collection, limits, ttl...)."""
        return self.store.settings

    @property
    def database_name(self) -> str:
        """Database holding the sessions."""
        return self.store.settings.database_name

    @property
    def collection_name(self) -> str:
        """Collection holding the sessions."""
        return self.store.settings.collection_name

    @property
    def application_name(self) -> str | None:
        """Stored on the sessions it creates."""
        return self.store.settings.application_name

    @property
    def metadata_fields(self) -> tuple[str, ...]:
        """Indexed metadata fields (dotted paths)."""
        return self.store.settings.metadata_fields

    @property
    def max_document_bytes(self) -> int:
        """Writes that would grow a session past this estimated size are refused."""
        return self.store.settings.max_document_bytes

    @property
    def ttl(self) -> timedelta | None:
        """How long after its last write a session expires (``None``: never)."""
        return self.store.settings.ttl

    def with_ttl(self, ttl: timedelta | None) -> Self:
        """This object (same pool, not owned) with another ``ttl``."""
        clone = self._borrowing_copy()
        clone.store = self.store.with_settings(ttl=check_ttl(ttl))
        return clone

    async def _ensure_indexes(self) -> bool:
        """Create the collection's indexes if this process has not yet. True if it did."""
        return await self.store.ensure_indexes()

    ensure_indexes = blocking(_ensure_indexes)
    ensure_indexes_async = awaiting(_ensure_indexes)
