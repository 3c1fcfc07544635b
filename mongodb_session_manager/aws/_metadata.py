"""The metadata-change message shared by the SQS and WebSocket hooks."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from mongodb_session_manager.aws._encoding import as_dict, encoded_bytes, to_json, utc_timestamp

logger = logging.getLogger("mongodb_session_manager.aws")

DEFAULT_EVENT = "metadata_update"


def field_set(metadata_fields: Iterable[str] | None) -> frozenset[str] | None:
    """The selected fields (None: all); a single string is one field, not its letters."""
    if metadata_fields is None:
        return None
    if isinstance(metadata_fields, str):
        return frozenset({metadata_fields})
    return frozenset(metadata_fields)


def metadata_change(
    action: str,
    session_id: str,
    kwargs: dict[str, Any],
    *,
    fields: frozenset[str] | None,
    exclude: frozenset[str] = frozenset(),
    event: str = DEFAULT_EVENT,
) -> dict[str, Any] | None:
    """The message for a completed ``update`` / ``delete``; None if nothing selected changed.

    ``update``: ``{session_id, event, operation: "update", metadata: {selected fields},
    timestamp}``. ``delete``: the same with ``operation: "delete"``, ``metadata``
    mapping each selected deleted key to null, and ``keys``: the selected deleted keys.
    """

    def wanted(key: Any) -> bool:
        name = str(key)
        return name not in exclude and (fields is None or name in fields)

    if action == "update" and "metadata" in kwargs:
        selected = {str(k): v for k, v in as_dict(kwargs["metadata"]).items() if wanted(k)}
        if not selected:
            return None
        return {
            "session_id": session_id,
            "event": event,
            "operation": "update",
            "metadata": selected,
            "timestamp": utc_timestamp(),
        }
    if action == "delete" and "keys" in kwargs:
        keys = kwargs["keys"]
        names = [keys] if isinstance(keys, str) else [str(k) for k in keys]
        deleted = [k for k in dict.fromkeys(names) if wanted(k)]
        if not deleted:
            return None
        return {
            "session_id": session_id,
            "event": event,
            "operation": "delete",
            "metadata": dict.fromkeys(deleted),
            "keys": deleted,
            "timestamp": utc_timestamp(),
        }
    return None


def encode_change(change: dict[str, Any], max_bytes: int, hook_name: str) -> tuple[str, int] | None:
    """The message as JSON within ``max_bytes``: ``(body, size)``, or None if it cannot fit.

    When the values are too large, the message is sent without them, naming the
    changed keys and saying ``"truncated": true``, so the receiver knows to read
    the session's metadata itself.
    """
    body = to_json(change)
    size = encoded_bytes(body)
    if size <= max_bytes:
        return body, size
    slim = {**change, "metadata": {}, "keys": list(change["metadata"]), "truncated": True}
    slim_body = to_json(slim)
    slim_size = encoded_bytes(slim_body)
    logger.warning(
        "aws.message.truncated | hook=%s session_id=%s bytes=%d limit=%d fits=%s",
        hook_name,
        change["session_id"],
        size,
        max_bytes,
        slim_size <= max_bytes,
    )
    return (slim_body, slim_size) if slim_size <= max_bytes else None


class MetadataMessages:
    """The metadata-change messages of one hook (the SQS and WebSocket hooks' shared part).

    Args:
        hook_name: The hook's name, in logs.
        metadata_fields: Fields to send (None: all).
        event: The ``event`` value of the messages.
        max_bytes: Larger messages are sent without their values (or not at all).
        on_too_large: Called when a message cannot fit even without its values
            (the hook counts it as failed).
        exclude: Keys never sent (the WebSocket hook's connection id).
    """

    def __init__(
        self,
        hook_name: str,
        metadata_fields: Iterable[str] | None,
        event: str,
        max_bytes: int,
        on_too_large: Callable[[], None],
        exclude: frozenset[str] = frozenset(),
    ) -> None:
        self.hook_name = hook_name
        self.fields = field_set(metadata_fields)
        self.event = event
        self.max_bytes = max_bytes
        self.exclude = exclude
        self._on_too_large = on_too_large

    def encode(
        self, action: str, session_id: str, kwargs: dict[str, Any]
    ) -> tuple[dict[str, Any], str, int] | None:
        """``(change, body, size)`` for a completed operation; None when nothing is sent.

        Nothing is sent for reads, for changes touching no selected field, and for
        messages too large even without their values (counted through ``on_too_large``).
        """
        change = metadata_change(
            action, session_id, kwargs, fields=self.fields, exclude=self.exclude, event=self.event
        )
        if change is None:
            return None
        encoded = encode_change(change, self.max_bytes, self.hook_name)
        if encoded is None:
            self._on_too_large()
            return None
        body, size = encoded
        return change, body, size
