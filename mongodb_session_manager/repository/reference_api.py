"""The reference library's repository-level calls, on top of the manager's features.

Its users query sessions with ``repo.collection.find(...)`` and call
``repo.get_metadata(session_id)`` and friends. The handles are synchronous
PyMongo objects to the same deployment (created lazily, once per pool); the
calls reuse the manager's metadata and feedback features (same validation,
one round trip each), without hooks.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mongodb_session_manager.models import Feedback
    from mongodb_session_manager.store.pool import MongoDBConnectionPool
    from mongodb_session_manager.store.sessions import SessionStore


@functools.cache
def _view_class() -> type:
    # Imported late: the features import the repository's codec.
    from mongodb_session_manager.features.feedback import FeedbackMixin
    from mongodb_session_manager.features.metadata import MetadataMixin

    class SessionView(MetadataMixin, FeedbackMixin):
        """One session's metadata and feedback, without a manager."""

    return SessionView


def _session_view(repository: Any, session_id: str) -> Any:
    """A hook-less view of one session with the manager's metadata and feedback methods."""
    from mongodb_session_manager.models import validate_id

    view = _view_class()()
    view.session_id = validate_id(session_id, "session_id")
    view._repo = repository
    view._trackers = {}
    view.metadata_hook = None
    view.feedback_hook = None
    return view


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

    def _view(self, session_id: str) -> Any:
        return _session_view(self, session_id)

    def update_metadata(self, session_id: str, metadata: Mapping[str, Any]) -> None:
        """Set these metadata keys of a session (others kept); see the manager's method."""
        self._view(session_id).update_metadata(metadata)

    def get_metadata(self, session_id: str) -> dict[str, Any] | None:
        """``{"_id": session_id, "metadata": {...}}``, or ``None`` when there is no session."""
        found: dict[str, Any] | None = self._view(session_id).get_metadata()
        return found

    def delete_metadata(self, session_id: str, keys: Iterable[str]) -> None:
        """Remove these metadata keys of a session."""
        self._view(session_id).delete_metadata(keys)

    def add_feedback(self, session_id: str, feedback: Mapping[str, Any]) -> None:
        """Store one feedback on a session (validated; extra keys kept)."""
        self._view(session_id).add_feedback(feedback)

    def get_feedbacks(self, session_id: str) -> list[Feedback]:
        """The session's feedbacks (they index like dicts); ``[]`` when none or no session."""
        found: list[Feedback] = self._view(session_id).get_feedbacks()
        return found

    def get_application_name(self, session_id: str) -> str | None:
        """The session's ``application_name``, or ``None``."""
        raw = self.pool.run(self.store.read_fields(session_id, {"application_name": 1}))
        value = (raw or {}).get("application_name")
        return value if isinstance(value, str) else None
