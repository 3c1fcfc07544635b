"""The companions of a sessions collection: its pages, its value chunks, what is known of them.

Mixed into :class:`~.sessions.SessionStore`: the pages of older messages
(:class:`~.pages.PageStore`), the out-of-line values (:class:`~.blobs.BlobStore`),
the agents' page cursors, and the lease that keeps both from expiring before
their session.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from mongodb_session_manager.models import utcnow
from mongodb_session_manager.models.pages import blobs_collection
from mongodb_session_manager.store.appends import CursorCache
from mongodb_session_manager.store.blobs import BlobStore
from mongodb_session_manager.store.codec import encoded_size
from mongodb_session_manager.store.guarded import GuardedGateway
from mongodb_session_manager.store.pages import PageStore
from mongodb_session_manager.store.pool import MongoDBConnectionPool
from mongodb_session_manager.store.settings import StoreSettings

__all__ = ["Companions"]

RawMessage = dict[str, Any]


class Companions(GuardedGateway):
    """A sessions gateway with its page and chunk collections."""

    def __init__(self, pool: MongoDBConnectionPool, settings: StoreSettings | None = None) -> None:
        super().__init__(pool, settings)
        self.cursors = CursorCache()
        """What this store knows of its agents' paging (see ``store/appends.py``)."""
        self.pages = PageStore(pool, self.database_name, self.collection_name)
        """The pages of older messages (``<collection>_pages``)."""
        self.blobs = BlobStore(pool, self.database_name, blobs_collection(self.collection_name))
        """Values too big to keep in a message (``<collection>_blobs``)."""

    async def after_write(self, session_id: str) -> None:
        """Keep the session's pages from expiring before it (one write, at most once a ttl)."""
        ttl = self.settings.ttl
        if ttl is None:
            return
        until = self.cursors.lease_due(session_id, ttl)
        if until is not None:
            await self.pages.refresh_lease(session_id, until)
            await self.blobs.refresh_lease(session_id, until)
            self.cursors.leased(session_id, until)

    async def resolve_values(self, session_id: str, messages: list[RawMessage]) -> None:
        """Put out-of-line values back into ``messages`` (one read if any has some)."""
        await self.blobs.resolve(session_id, messages)

    async def _out_of_line(
        self, session_id: str, agent_id: str, message: RawMessage
    ) -> tuple[RawMessage, int, list[str]]:
        """``message`` with its big values in chunks if it is too big, its size, the chunks."""
        what = f"message {message.get('message_id')} of agent {agent_id!r}"
        size = encoded_size(message, what)
        expiry = self._companion_expiry()
        policy = self.settings.page_policy
        message, blob_ids = await self.blobs.externalise(
            session_id, message, policy, expiry, size=size
        )
        if blob_ids:
            size = encoded_size(message, what)
            if expiry is not None:
                self.cursors.note_pages(session_id, expiry)
        return message, size, blob_ids

    def _companion_expiry(self) -> datetime | None:
        """The expiry of pages and chunks written now (the lease: twice the ttl)."""
        ttl = self.settings.ttl
        return None if ttl is None else utcnow() + 2 * ttl

    async def delete_companions(self, session_ids: Sequence[str]) -> int:
        """Delete the pages (and out-of-line values) of these sessions; how many went."""
        for session_id in session_ids:
            self.cursors.forget(session_id)
        return await self.pages.delete_for(session_ids) + await self.blobs.delete_for(session_ids)
