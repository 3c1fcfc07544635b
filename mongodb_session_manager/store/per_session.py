"""The base of the companion collections of sessions (pages, value chunks): keyed by session."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from mongodb_session_manager.store.gateway import CollectionGateway

__all__ = ["PerSessionGateway"]


class PerSessionGateway(CollectionGateway):
    """A collection whose documents each belong to one session (``session_id``)."""

    async def refresh_lease(self, session_id: str, until: datetime) -> int:
        """Move the expiry of a session's documents to ``until`` (one write); how many moved."""
        result = await self.collection().update_many(
            {"session_id": session_id}, {"$set": {"expires_at": until}}
        )
        return int(result.modified_count)

    async def delete_for(self, session_ids: Sequence[str]) -> int:
        """Delete every document of these sessions (one ``delete_many``); how many went."""
        if not session_ids:
            return 0
        return await self.delete_many({"session_id": {"$in": list(session_ids)}})
