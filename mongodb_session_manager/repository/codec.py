"""Translation between Strands' session dataclasses and the stored records.

Writes go through the pydantic models (validation); reads of messages build
Strands dataclasses directly, because ``SessionMessage.from_dict`` inspects its
signature on every call (~95 us a message; this is ~25x faster).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any, cast

import bson
from bson.errors import InvalidDocument
from strands.types.content import Message
from strands.types.session import SessionAgent, SessionMessage, SessionType

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


def _to_millis(value: datetime) -> datetime:
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def stamp_fields(name: str, value: str | datetime | None) -> dict[str, Any]:
    """What to store beside the BSON date ``name`` so ``value`` reads back exactly.

    BSON dates keep milliseconds. Strands writes ``datetime.now(UTC).isoformat()``
    (microseconds): for that canonical form only the sub-millisecond part is
    stored (``<name>_us``, a small int, omitted when 0); any other string is kept
    whole (``<name>_iso``). Nothing is stored for a datetime or ``None``.
    """
    if not isinstance(value, str):
        return {}
    try:
        parsed = as_utc(datetime.fromisoformat(value))
    except ValueError:
        return {f"{name}_iso": value}
    if parsed.isoformat() != value:
        return {f"{name}_iso": value}
    micros = parsed.microsecond % 1000
    return {f"{name}_us": micros} if micros else {}


def read_stamp(raw: Mapping[str, Any], name: str) -> str:
    """The ISO string of the stored date ``name``, exact when :func:`stamp_fields` helped.

    The kept string is used only while it still matches the stored date (a later
    write that moved the date without it makes it stale).
    """
    value = raw.get(name)
    if not isinstance(value, datetime):
        return iso(value)
    stored = as_utc(value)
    original = raw.get(f"{name}_iso")
    if isinstance(original, str):
        try:
            if _to_millis(as_utc(datetime.fromisoformat(original))) == _to_millis(stored):
                return original
        except ValueError:
            return original if raw.get(f"{name}_us") is None else iso(stored)
    micros = raw.get(f"{name}_us")
    if isinstance(micros, int) and 0 < micros < 1000 and stored.microsecond % 1000 == 0:
        stored = stored.replace(microsecond=stored.microsecond + micros)
    return stored.isoformat()


def session_type_of(value: Any) -> SessionType:
    """Strands' ``SessionType`` for a stored ``session_type`` string.

    Strands knows ``AGENT`` only; the reference library's users stored free strings
    (its docs use ``"chat"``). Those read as ``AGENT`` (the document keeps its string).
    """
    try:
        return SessionType(value if value is not None else "AGENT")
    except ValueError:
        return SessionType.AGENT


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
        **stamp_fields("created_at", session_message.created_at),
        **stamp_fields("updated_at", session_message.updated_at),
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
        created_at=read_stamp(raw, "created_at"),
        updated_at=read_stamp(raw, "updated_at"),
    )


def raw_to_session_agent(raw: dict[str, Any]) -> SessionAgent:
    """A stored agent dict to Strands' ``SessionAgent``."""
    return SessionAgent(
        agent_id=raw["agent_id"],
        state=raw.get("state") or {},
        conversation_manager_state=raw.get("conversation_manager_state") or {},
        _internal_state=raw.get("internal_state") or {},
        created_at=read_stamp(raw, "created_at"),
        updated_at=read_stamp(raw, "updated_at"),
    )


MAX_NESTING_DEPTH = 80
"""Deepest nesting of dicts and lists in one stored value (MongoDB stops at 100 levels
for the whole document; a message sits 4 levels down, an agent record 2)."""


def encoded_size(value: dict[str, Any], what: str) -> int:
    """BSON size of ``value``; :class:`InvalidInputError` if it cannot be stored.

    The one storability check every write goes through (messages, agent state,
    metadata, feedback, configuration), before anything is sent: NaN and
    infinity are refused (MongoDB stores them, but JSON exports, the viewer and
    other drivers do not read them back), as are lone surrogates (not UTF-8),
    keys that are not strings or contain NUL, integers beyond 64 bits and
    nesting deeper than :data:`MAX_NESTING_DEPTH`.
    """
    _check_values(value, what)
    try:
        return len(bson.encode(value))
    except UnicodeEncodeError as exc:
        raise InvalidInputError(
            f"{what} cannot be stored in MongoDB: a string holds a lone surrogate "
            f"({exc.object[exc.start : exc.end]!r}), which is not valid UTF-8"
        ) from exc
    except (InvalidDocument, TypeError, OverflowError, RecursionError) as exc:
        raise InvalidInputError(f"{what} cannot be stored in MongoDB: {exc}") from exc


def _check_values(value: Any, what: str, depth: int = 0) -> None:
    """Refuse non-finite floats and over-deep nesting (cycles end at the depth limit).

    Recursive on containers only, with exact type checks first: this runs on
    every message, so leaves (most of the nodes) cost one ``type()`` call.
    """
    if isinstance(value, dict):
        children: Any = value.values()
    elif isinstance(value, list | tuple):
        children = value
    else:
        if isinstance(value, float) and not math.isfinite(value):
            raise _not_finite(value, what)
        return
    if depth >= MAX_NESTING_DEPTH:
        raise InvalidInputError(
            f"{what} cannot be stored: it nests deeper than {MAX_NESTING_DEPTH} levels"
        )
    for child in children:
        kind = type(child)
        if kind is str or kind is int or kind is bool or child is None:
            continue
        if kind is float:
            if not math.isfinite(child):
                raise _not_finite(child, what)
            continue
        _check_values(child, what, depth + 1)


def _not_finite(value: float, what: str) -> InvalidInputError:
    return InvalidInputError(
        f"{what} cannot be stored: {value!r} is not a finite number "
        "(NaN and infinity are refused; store null or a string instead)"
    )
