"""What the services need of the session store.

The services never hold a collection: they ask the session store
(:class:`~mongodb_session_manager.store.sessions.SessionStore`, a repository's
``.store``) for fields of a session, an aggregation of it, or a guarded update.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mongodb_session_manager.errors import SessionNotFoundError
from mongodb_session_manager.store.sessions import SessionStore

if TYPE_CHECKING:
    from mongodb_session_manager._twins import Runner

__all__ = ["SessionAccess", "SessionService", "read_agents"]


SessionAccess = SessionStore
"""What the services read and write with: the session store (a repository's ``.store``)."""


class SessionService:
    """What every per-session service holds: the session store and the session id.

    Args:
        access: The session store.
        session_id: The session.
    """

    def __init__(self, access: SessionAccess, session_id: str) -> None:
        self.access = access
        self.session_id = session_id

    @property
    def runner(self) -> Runner:
        """What runs the coroutines (the pool)."""
        return self.access.runner


async def read_agents(
    access: SessionAccess,
    session_id: str,
    fields: tuple[str, ...],
    root_fields: tuple[str, ...] = (),
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """One aggregation: ``root_fields`` of the session and ``fields`` of every agent.

    An inclusion projection cannot say "every agent but its messages" (the agent
    keys are not known in advance), so ``$objectToArray`` + ``$map`` picks the
    fields server-side: no message is ever transferred.

    Raises:
        SessionNotFoundError: The session does not exist.
    """
    pipeline: list[dict[str, Any]] = [
        {"$match": {"_id": session_id}},
        {
            "$project": {
                "_id": 0,
                **{name: 1 for name in root_fields},
                "agents": {
                    "$map": {
                        "input": {"$objectToArray": {"$ifNull": ["$agents", {}]}},
                        "as": "a",
                        "in": {name: f"$$a.v.{name}" for name in fields},
                    }
                },
            }
        },
    ]
    found = await access.aggregate(pipeline)
    if not found:
        raise SessionNotFoundError(session_id)
    root = dict(found[0])
    agents = [dict(a) for a in root.pop("agents", None) or [] if a.get("agent_id") is not None]
    agents.sort(key=lambda a: str(a.get("agent_id")))
    return root, agents
