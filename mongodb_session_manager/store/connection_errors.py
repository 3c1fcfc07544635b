"""Driver connection failures turned into :class:`StoreUnavailableError`, without secrets."""

from __future__ import annotations

import re
from collections.abc import Coroutine
from typing import Any, Protocol, TypeVar

from pymongo.errors import ConfigurationError, ConnectionFailure, ServerSelectionTimeoutError

from mongodb_session_manager._redact import redact_text, redact_uri
from mongodb_session_manager.errors import StoreUnavailableError

__all__ = ["PoolAddress", "translate_errors"]

T = TypeVar("T")


class PoolAddress(Protocol):
    """What the error messages say about a pool (a ``MongoDBConnectionPool`` is one)."""

    connection_string: str

    def server_selection_timeout_ms(self) -> int:
        """The effective server selection timeout."""
        ...


def _first_reason(exc: Exception) -> str:
    """The driver's first reason, without its timeout settings and topology dump."""
    text = re.split(r" \(configured timeouts|, Timeout: |, Topology Description", str(exc))[0]
    return " ".join(text.split())


async def translate_errors(coro: Coroutine[Any, Any, T], pool: PoolAddress) -> T:
    """Await ``coro``; a driver connection failure becomes :class:`StoreUnavailableError`.

    The message names the server by its redacted URI and keeps the driver's first
    reason only (no timeout settings, no topology dump).
    """
    try:
        return await coro
    except ServerSelectionTimeoutError as exc:
        raise StoreUnavailableError(
            f"MongoDB at {redact_uri(pool.connection_string)} is unreachable "
            f"(no server answered within {pool.server_selection_timeout_ms()} ms): "
            f"{redact_text(_first_reason(exc))}"
        ) from exc
    except ConfigurationError as exc:
        # mongodb+srv:// resolves its hosts on first use: a DNS failure lands here.
        raise StoreUnavailableError(
            f"MongoDB at {redact_uri(pool.connection_string)} cannot be reached: "
            f"{redact_text(str(exc))}"
        ) from exc
    except ConnectionFailure as exc:
        raise StoreUnavailableError(
            f"lost the connection to MongoDB at {redact_uri(pool.connection_string)}: "
            f"{redact_text(str(exc))}"
        ) from exc
