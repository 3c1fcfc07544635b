"""The settings both web apps start with: where the sessions are, where the app listens."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mongodb_session_manager.models import DEFAULT_COLLECTION, DEFAULT_DATABASE
from mongodb_session_manager.web.auth import is_loopback

__all__ = ["DEFAULT_HOST", "AppSettings"]

DEFAULT_HOST = "127.0.0.1"
"""Both apps bind loopback unless told otherwise."""


@dataclass
class AppSettings:
    """The fields both apps' settings start with, in this order (positional calls keep working).

    :class:`~mongodb_session_manager.viewer.ViewerSettings` and
    :class:`~mongodb_session_manager.playground.PlaygroundSettings` extend it.

    Attributes:
        connection_string: MongoDB URI (ignored when ``client`` is given).
        database_name: Database of the sessions collection.
        collection_name: Collection of session documents.
        client: An existing async client (a mongomock-motor one in tests).
        host: Interface the app binds (loopback unless told otherwise).
        port: TCP port the app listens on (each app has its own default).
    """

    connection_string: str | None = None
    database_name: str = DEFAULT_DATABASE
    collection_name: str = DEFAULT_COLLECTION
    client: Any | None = None
    host: str = DEFAULT_HOST
    port: int = 0

    @property
    def binds_loopback(self) -> bool:
        """Whether ``host`` is a loopback interface (reachable from this machine only)."""
        return is_loopback(self.host)
