"""The reference library's repository-level calls, on top of the manager's features.

Its users query sessions with ``repo.collection.find(...)`` and call
``repo.get_metadata(session_id)`` and friends. The handles are synchronous
PyMongo objects to the same deployment (created lazily, once per pool); the
calls reuse the manager's metadata and feedback services (same validation,
one round trip each), without hooks.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from mongodb_session_manager.models import validate_id
from mongodb_session_manager.services.agent_config import read_application_name
from mongodb_session_manager.services.bundle import HasStore, SessionServices, session_services

if TYPE_CHECKING:
    from mongodb_session_manager.models import Feedback
    from mongodb_session_manager.store.pool import MongoDBConnectionPool
    from mongodb_session_manager.store.sessions import SessionStore


def _services(repository: HasStore, session_id: str) -> SessionServices:
    """The hook-less services of one session (the manager's validation and writes)."""
    return session_services(repository, validate_id(session_id, "session_id"))


class ReferenceRepositoryAPI:
    """``.client`` / ``.database`` / ``.collection`` and the per-session calls."""

    pool: MongoDBConnectionPool
    store: SessionStore

    @property
    def client(self) -> Any:
        """A synchronous ``pymongo.MongoClient`` to the same deployment (yours if you gave one)."""
        return self.pool.sync_client()

    @property
    def database(self) -> Any:
        """The sessions' database as a synchronous PyMongo ``Database``."""
        return self.client[self.store.database_name]

    @property
    def collection(self) -> Any:
        """The sessions' collection as a synchronous PyMongo ``Collection``."""
        return self.database[self.store.collection_name]

    def update_metadata(self, session_id: str, metadata: Mapping[str, Any]) -> None:
        """Set these metadata keys of a session (others kept); see the manager's method."""
        _services(self, session_id).metadata.update(metadata, hook=None, model=None)

    def get_metadata(self, session_id: str) -> dict[str, Any] | None:
        """``{"_id": session_id, "metadata": {...}}``, or ``None`` when there is no session."""
        found: dict[str, Any] | None = _services(self, session_id).metadata.get(None, hook=None)
        return found

    def delete_metadata(self, session_id: str, keys: Iterable[str]) -> None:
        """Remove these metadata keys of a session."""
        _services(self, session_id).metadata.delete(keys, hook=None)

    def add_feedback(self, session_id: str, feedback: Mapping[str, Any]) -> None:
        """Store one feedback on a session (validated; extra keys kept)."""
        _services(self, session_id).feedback.add(feedback, hook=None, manager=None)

    def get_feedbacks(self, session_id: str) -> list[Feedback]:
        """The session's feedbacks (they index like dicts); ``[]`` when none or no session."""
        return self.pool.run(_services(self, session_id).feedback.read())

    def get_application_name(self, session_id: str) -> str | None:
        """The session's ``application_name``, or ``None``."""
        validate_id(session_id, "session_id")
        return self.pool.run(read_application_name(self.store, session_id))
