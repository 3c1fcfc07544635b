"""The services of one session, built together (they share the size bookkeeping)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, cast

from mongodb_session_manager.services._access import SessionAccess
from mongodb_session_manager.services._sized import SizedWrites
from mongodb_session_manager.services.agent_config import AgentConfigService
from mongodb_session_manager.services.feedback import FeedbackService
from mongodb_session_manager.services.metadata import MetadataService
from mongodb_session_manager.services.metrics import MetricsService

__all__ = ["SessionServices", "session_services"]


class HasStore(Protocol):
    """Something holding a session store (a repository: ``repository.store``)."""

    @property
    def store(self) -> SessionAccess:
        """The session store."""
        ...


@dataclass(frozen=True)
class SessionServices:
    """Metadata, feedback, agent configuration and metrics of one session."""

    metadata: MetadataService
    feedback: FeedbackService
    agent_config: AgentConfigService
    metrics: MetricsService


def session_services(store: SessionAccess | HasStore, session_id: str) -> SessionServices:
    """The services of ``session_id`` over ``store`` (a session store, or a repository).

    Args:
        store: What the services read and write with (a ``SessionStore``); a
            repository stands for its ``.store``.
        session_id: The session (already validated).

    Returns:
        The four services; metadata and configuration share one :class:`SizedWrites`.
    """
    access = cast(SessionAccess, getattr(store, "store", store))
    sizes = SizedWrites(access, session_id)
    return SessionServices(
        metadata=MetadataService(sizes),
        feedback=FeedbackService(access, session_id),
        agent_config=AgentConfigService(sizes),
        metrics=MetricsService(access, session_id),
    )
