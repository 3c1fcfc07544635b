"""The WebSocket hook's memory: which API Gateway connection each session is on."""

from __future__ import annotations

import threading
from collections import OrderedDict

from mongodb_session_manager.errors import InvalidInputError


class ConnectionIds:
    """Connection ids by session, the least recently remembered dropped first; thread-safe.

    Args:
        max_sessions: Sessions remembered at most.
    """

    def __init__(self, max_sessions: int) -> None:
        self.max_sessions = max_sessions
        self._ids: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, session_id: str) -> str | None:
        """The connection id remembered for ``session_id`` (no I/O)."""
        with self._lock:
            return self._ids.get(session_id)

    def remember(self, session_id: str, connection_id: str) -> None:
        """Remember ``connection_id`` for ``session_id`` as the most recent."""
        with self._lock:
            self._ids[session_id] = connection_id
            self._ids.move_to_end(session_id)
            while len(self._ids) > self.max_sessions:
                self._ids.popitem(last=False)

    def forget(self, session_id: str, connection_id: str | None = None) -> str | None:
        """Forget the session's connection (only if it is still ``connection_id``, when given).

        Returns:
            The connection id that was remembered, if any.
        """
        with self._lock:
            known = self._ids.get(session_id)
            if connection_id is None or known == connection_id:
                self._ids.pop(session_id, None)
            return known


def http_endpoint(endpoint_url: str) -> str:
    """The Management API's endpoint: ``wss://`` -> ``https://``, no trailing slash.

    Raises:
        InvalidInputError: ``endpoint_url`` is not an http(s) or ws(s) URL.
    """
    if not isinstance(endpoint_url, str) or not endpoint_url.startswith(
        ("https://", "http://", "wss://", "ws://")
    ):
        raise InvalidInputError(
            f"MetadataWebSocketHook: {endpoint_url!r} is not an endpoint URL "
            "(https://{api-id}.execute-api.{region}.amazonaws.com/{stage})"
        )
    if endpoint_url.startswith("ws"):
        endpoint_url = "http" + endpoint_url[2:]  # wss:// -> https://, ws:// -> http://
    return endpoint_url.rstrip("/")


def check_connection_id_key(key: str) -> str:
    """``key`` if it can name a top-level metadata field.

    Raises:
        InvalidInputError: Empty, dotted, starting with ``$`` or holding a NUL.
    """
    if not isinstance(key, str) or not key or "." in key or key.startswith("$") or "\x00" in key:
        raise InvalidInputError(
            f"MetadataWebSocketHook: connection_id_key {key!r} is not a "
            "usable metadata key (non-empty, no '.', not starting with '$')"
        )
    return key
