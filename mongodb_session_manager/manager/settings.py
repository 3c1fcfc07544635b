"""The manager's one parameter list, and what it becomes (:class:`ManagerSettings`).

``MongoDBSessionManager.__init__`` and ``create_async`` take exactly the
parameters of :func:`manager_settings` (``_twins.takes_parameters_of``), so the
list, its defaults and the checks on it are written once.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from mongodb_session_manager.models import DEFAULT_COLLECTION, DEFAULT_DATABASE, validate_id
from mongodb_session_manager.repository.repository import (
    DEFAULT_MAX_DOCUMENT_BYTES,
    MongoDBSessionRepository,
)
from mongodb_session_manager.store.clients import split_client_options
from mongodb_session_manager.store.settings import StoreSettings

__all__ = ["Hook", "ManagerSettings", "manager_settings"]

logger = logging.getLogger(__name__)

Hook = Callable[..., Any]


@dataclass(frozen=True)
class ManagerSettings:
    """Everything a manager is built from, checked (no I/O yet).

    Attributes:
        session_id: The session (validated).
        store: Where the sessions are (the settings the repository is built from).
        repository: A repository to write through instead (not owned).
        metadata_hook: The application's metadata hook.
        feedback_hook: The application's feedback hook.
        preload_agents: Agents whose fields the opening read brings along.
        keep_original: Whether a redaction keeps the original content.
        create: Whether opening creates a session that does not exist.
    """

    session_id: str
    store: StoreSettings
    repository: MongoDBSessionRepository | None
    metadata_hook: Hook | None
    feedback_hook: Hook | None
    preload_agents: tuple[str, ...]
    keep_original: bool
    create: bool

    @property
    def application_name(self) -> str | None:
        """The application name stored on the sessions this manager creates."""
        return self.store.application_name

    def build_repository(self) -> tuple[MongoDBSessionRepository, bool]:
        """The repository the manager writes with, and whether the manager owns it.

        A given repository with another ``ttl`` is re-bound (same pool) to this one's.
        """
        repository = self.repository
        if repository is not None:
            ttl = self.store.ttl
            if ttl is not None and ttl != repository.ttl:
                repository = repository.with_ttl(ttl)
            return repository, False
        return MongoDBSessionRepository.from_settings(self.store), True


def manager_settings(
    session_id: str,
    connection_string: str | None = None,
    database_name: str = DEFAULT_DATABASE,
    collection_name: str = DEFAULT_COLLECTION,
    client: Any | None = None,
    metadata_fields: Sequence[str] | None = None,
    metadata_hook: Hook | None = None,
    feedback_hook: Hook | None = None,
    application_name: str | None = None,
    *,
    max_document_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES,
    repository: MongoDBSessionRepository | None = None,
    preload_agents: Sequence[str] = ("default",),
    ttl: timedelta | None = None,
    keep_original: bool = True,
    create: bool = True,
    metadataHook: Hook | None = None,
    feedbackHook: Hook | None = None,
    **kwargs: Any,
) -> ManagerSettings:
    """The manager's parameters (see :class:`~mongodb_session_manager.MongoDBSessionManager`).

    Raises:
        InvalidIdentifierError: ``session_id`` cannot be stored.
        TypeError: Both a hook and its deprecated camelCase alias were given.
    """
    session_id = validate_id(session_id, "session_id")
    metadata_hook = _pick_hook(metadata_hook, metadataHook, "metadataHook")
    feedback_hook = _pick_hook(feedback_hook, feedbackHook, "feedbackHook")
    store = StoreSettings(
        connection_string=connection_string,
        database_name=database_name,
        collection_name=collection_name,
        client=client,
        application_name=application_name,
        metadata_fields=tuple(metadata_fields or ()),
        max_document_bytes=max_document_bytes,
        ttl=ttl,
        client_options=_client_options(kwargs),
    )
    return ManagerSettings(
        session_id=session_id,
        store=store,
        repository=repository,
        metadata_hook=metadata_hook,
        feedback_hook=feedback_hook,
        preload_agents=tuple(preload_agents),
        keep_original=bool(keep_original),
        create=create,
    )


def _client_options(kwargs: dict[str, Any]) -> dict[str, Any]:
    """The PyMongo client options among ``kwargs``; the rest is Strands' (ignored, logged)."""
    client_options, rest = split_client_options(kwargs)
    if rest:
        logger.info(
            "manager.kwargs.not_client_options | passed on to RepositorySessionManager: %s",
            sorted(rest),
        )
    return client_options


def _pick_hook(snake: Hook | None, camel: Hook | None, camel_name: str) -> Hook | None:
    if camel is None:
        return snake
    snake_name = "metadata_hook" if camel_name == "metadataHook" else "feedback_hook"
    warnings.warn(
        f"{camel_name}= is deprecated; use {snake_name}=",
        DeprecationWarning,
        stacklevel=4,  # the caller of the manager's constructor
    )
    if snake is not None and snake is not camel:
        raise TypeError(f"pass either {snake_name}= or {camel_name}=, not both")
    return camel
