"""Translation between Strands' session dataclasses and the stored records.

Writes go through the pydantic models (validation); reads of messages build
Strands dataclasses directly, because ``SessionMessage.from_dict`` inspects its
signature on every call (~95 us a message; this is ~25x faster).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

import bson
from bson.errors import InvalidDocument
from strands.types.content import Message
from strands.types.session import SessionAgent, SessionMessage

from mongodb_session_manager.errors import InvalidInputError
from mongodb_session_manager.models import MessageRecord, as_utc, utcnow

_MESSAGE_KEYS = frozenset({"role", "content", "tracking_id", "metadata"})


def parse_timestamp(value: str | datetime | None) -> datetime:
    """A Strands ISO timestamp (or datetime) as an aware UTC datetime."""
    if value is None:
        return utcnow()
    if isinstance(value, datetime):
        return as_utc(value)
    try:
        return as_utc(datetime.fromisoformat(value))
    except ValueError:
        return utcnow()


def iso(value: Any) -> str:
    """A stored date back as the ISO string Strands uses."""
    if isinstance(value, datetime):
        return as_utc(value).isoformat()
    return str(value) if value is not None else utcnow().isoformat()


def message_to_record(session_message: SessionMessage) -> MessageRecord:
    """Validate a Strands message for storage."""
    message = cast(dict[str, Any], session_message.message)
    extra = {k: v for k, v in message.items() if k not in _MESSAGE_KEYS}
    return MessageRecord(
        message_id=session_message.message_id,
        role=message.get("role", ""),
        content=list(message.get("content") or []),
        tracking_id=message.get("tracking_id"),
        metadata=message.get("metadata"),
        redact_message=cast(dict[str, Any] | None, session_message.redact_message),
        extra=extra or None,
        created_at=parse_timestamp(session_message.created_at),
        updated_at=parse_timestamp(session_message.updated_at),
    )


def record_to_document(record: MessageRecord) -> dict[str, Any]:
    """The BSON-ready dict of a message record (``None`` fields left out)."""
    return record.model_dump(exclude_none=True)


def raw_to_message(raw: dict[str, Any]) -> Message:
    """A stored message (or redact message) dict back to a Strands message."""
    message: dict[str, Any] = {"role": raw.get("role"), "content": raw.get("content") or []}
    if raw.get("tracking_id") is not None:
        message["tracking_id"] = raw["tracking_id"]
    if raw.get("metadata") is not None:
        message["metadata"] = raw["metadata"]
    if raw.get("extra"):
        message.update(raw["extra"])
    return cast(Message, message)


def raw_to_session_message(raw: dict[str, Any]) -> SessionMessage:
    """A stored message dict to Strands' ``SessionMessage``."""
    redact = raw.get("redact_message")
    return SessionMessage(
        message=raw_to_message(raw),
        message_id=int(raw["message_id"]),
        redact_message=cast(Message, redact) if redact is not None else None,
        created_at=iso(raw.get("created_at")),
        updated_at=iso(raw.get("updated_at")),
    )


def raw_to_session_agent(raw: dict[str, Any]) -> SessionAgent:
    """A stored agent dict to Strands' ``SessionAgent``."""
    return SessionAgent(
        agent_id=raw["agent_id"],
        state=raw.get("state") or {},
        conversation_manager_state=raw.get("conversation_manager_state") or {},
        _internal_state=raw.get("internal_state") or {},
        created_at=iso(raw.get("created_at")),
        updated_at=iso(raw.get("updated_at")),
    )


def encoded_size(value: dict[str, Any], what: str) -> int:
    """BSON size of ``value``; a clear error if it cannot be stored at all."""
    try:
        return len(bson.encode(value))
    except (InvalidDocument, TypeError, OverflowError) as exc:
        raise InvalidInputError(f"{what} cannot be stored in MongoDB: {exc}") from exc
