"""The connection pool's default client options, and what a connection string sets itself."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

from mongodb_session_manager.store.clients import is_sync_client

__all__ = [
    "DEFAULT_CONNECTION_STRING",
    "DEFAULT_POOL_OPTIONS",
    "client_options",
    "registry_key",
    "uri_option_names",
]

DEFAULT_POOL_OPTIONS: dict[str, Any] = {
    "maxPoolSize": 100,
    "minPoolSize": 0,
    "maxIdleTimeMS": 30_000,
    "waitQueueTimeoutMS": 5_000,
    "serverSelectionTimeoutMS": 5_000,
    "connectTimeoutMS": 5_000,
    "retryWrites": True,
    "retryReads": True,
}
"""Client options used unless overridden (``maxPoolSize=...`` etc.)."""

DEFAULT_CONNECTION_STRING = "mongodb://localhost:27017/"


def uri_option_names(uri: str) -> set[str]:
    """Lower-cased names of the options in a connection string's query (no DNS lookups)."""
    try:
        query = urlsplit(uri).query
    except ValueError:
        return set()
    return {name.lower() for name in parse_qs(query, keep_blank_values=True)}


def client_options(
    connection_string: str, pool_options: Mapping[str, Any], *, defaults: bool = True
) -> dict[str, Any]:
    """The options a pool's client is built with: our defaults, then the caller's.

    PyMongo lets keyword options override the URI's: a default applies only where
    the URI does not set that option itself. ``defaults=False`` (a user's sync
    client, whose own options are used as they are) applies none.
    """
    in_uri = uri_option_names(connection_string)
    chosen = {k: v for k, v in DEFAULT_POOL_OPTIONS.items() if k.lower() not in in_uri}
    return {**(chosen if defaults else {}), **pool_options}


def registry_key(
    connection_string: str | None, client: Any | None, pool_options: Mapping[str, Any]
) -> tuple[Any, ...]:
    """The key a shared pool is registered under (per client, or per URI and options).

    One pool (so one async twin) per sync client, including the ones
    ``initialize()`` handed out: they are registered under the same key.
    """
    if client is not None:
        return ("sync" if is_sync_client(client) else "client", id(client))
    options = tuple(sorted((k, repr(v)) for k, v in pool_options.items()))
    return ("uri", connection_string or DEFAULT_CONNECTION_STRING, options)
