"""The manager's one parameter list, and what it becomes (:class:`ManagerSettings`).

``MongoDBSessionManager.__init__`` and ``create_async`` take exactly the
parameters of :func:`manager_settings` (``_twins.takes_parameters_of``), so the
list, its defaults and the checks on it are written once.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from mongodb_session_manager.models import DEFAULT_COLLECTION, DEFAULT_DATABASE, validate_id
from mongodb_session_manager.repository.repository import (
    DEFAULT_MAX_DOCUMENT_BYTES,
    MongoDBSessionRepository,
)
from mongodb_session_manager.store.clients import split_client_options

__all__ = ["Hook", "ManagerSettings", "manager_settings"]

logger = logging.getLogger(__name__)

Hook = Callable[..., Any]


@dataclass(frozen=True)
class ManagerSettings:
    """Everything a manager is built from, checked (no I/O yet)."""

    session_id: str
    connection_string: str | None
    database_name: str
    collection_name: str
    client: Any | None
    metadata_fields: tuple[str, ...]
    metadata_hook: Hook | None
    feedback_hook: Hook | None
    application_name: str | None
    max_document_bytes: int
    repository: MongoDBSessionRepository | None
    preload_agents: tuple[str, ...]
    ttl: timedelta | None
    keep_original: bool
    create: bool
    client_options: Mapping[str, Any] = field(default_factory=dict)

    def build_repository(self) -> tuple[MongoDBSessionRepository, bool]:
        """The repository the manager writes with, and whether the manager owns it.

        A given repository with another ``ttl`` is re-bound (same pool) to this one's.
        """
        repository = self.repository
        if repository is not None:
            if self.ttl is not None and self.ttl != repository.ttl:
                repository = repository.with_ttl(self.ttl)
            return repository, False
        built = MongoDBSessionRepository(
            self.connection_string,
            self.database_name,
            self.collection_name,
            self.client,
            application_name=self.application_name,
            metadata_fields=self.metadata_fields,
            max_document_bytes=self.max_document_bytes,
            ttl=self.ttl,
            **self.client_options,
        )
        return built, True


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
    return ManagerSettings(
        session_id=validate_id(session_id, "session_id"),
        connection_string=connection_string,
        database_name=database_name,
        collection_name=collection_name,
        client=client,
        metadata_fields=tuple(metadata_fields or ()),
        metadata_hook=_pick_hook(metadata_hook, metadataHook, "metadataHook"),
        feedback_hook=_pick_hook(feedback_hook, feedbackHook, "feedbackHook"),
        application_name=application_name,
        max_document_bytes=max_document_bytes,
        repository=repository,
        preload_agents=tuple(preload_agents),
        ttl=ttl,
        keep_original=bool(keep_original),
        create=create,
        client_options=_client_options(kwargs),
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
