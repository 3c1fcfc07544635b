"""Guarded writes that keep a session's ``size_bytes`` estimate honest."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from mongodb_session_manager.services._access import SessionAccess, SessionService

__all__ = ["SizedService", "SizedWrites"]


@dataclass
class SizedWrites:
    """One session's metadata and configuration writes, with their size bookkeeping.

    Shared by the services of one manager, so what one write replaced is
    subtracted by the next write of any of them.
    """

    access: SessionAccess
    session_id: str
    size_overcount: int = 0
    """Bytes ``size_bytes`` counts for values that earlier writes replaced or removed;
    subtracted by the next write (mutated only on the store loop)."""

    async def write(
        self,
        agent_id: str | None,
        condition: Mapping[str, Any],
        update: dict[str, Any],
        added_bytes: int,
        replaced: Mapping[str, Any],
        measure: Callable[[dict[str, Any]], int],
    ) -> dict[str, Any]:
        """One guarded ``findAndModify`` that keeps the session size estimate honest.

        ``size_bytes`` grows by ``added_bytes`` (the new values) less what earlier
        writes are known to have replaced. The old values at ``replaced`` (a
        projection) come back with the write; ``measure`` turns them into bytes,
        which the next write subtracts. So a key rewritten a thousand times does
        not inflate the estimate a thousandfold, at the price of no extra round
        trip (a manager closed before its next write leaves the estimate a little
        high: the safe side).

        Returns:
            The values at ``replaced`` before the write (``{}`` if none).
        """
        correction, self.size_overcount = self.size_overcount, 0
        net = added_bytes - correction
        update.setdefault("$inc", {})["size_bytes"] = net
        try:
            previous = await self.access.update_session(
                self.session_id,
                update,
                added_bytes=max(net, 0),
                agent_id=agent_id,
                condition=condition,
                before=replaced,
            )
        except BaseException:
            self.size_overcount += correction
            raise
        previous = previous or {}
        self.size_overcount += measure(previous)
        return previous


class SizedService(SessionService):
    """A service of one session that writes through the session's shared :class:`SizedWrites`.

    Args:
        sizes: The session's sized writes (shared by its metadata and configuration services).
    """

    def __init__(self, sizes: SizedWrites) -> None:
        super().__init__(sizes.access, sizes.session_id)
        self.sizes = sizes
