"""Translation between Strands' session dataclasses and the stored documents: the only one.

Writes go through the pydantic models (validation); reads of messages build
Strands dataclasses directly, because ``SessionMessage.from_dict`` inspects its
signature on every call (~95 us a message; this is ~25x faster), and resume
builds the agents' message dicts with no dataclass at all. Also here:
the agent documents and their state fields, the session header, the schema
version check and :func:`encoded_size`, the one storability check of every write.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any, cast

import bson
from bson.errors import InvalidDocument
from strands.types.content import Message
from strands.types.session import Session, SessionAgent, SessionMessage, SessionType

from mongodb_session_manager.errors import InvalidInputError, SchemaVersionError
from mongodb_session_manager.models import (
    SCHEMA_VERSION,
    AgentRecord,
    MessageRecord,
    SessionRecord,
    Totals,
    as_utc,
    utcnow,
    validate_id,
)
from mongodb_session_manager.models.agent import STAMP_FIELDS

_MESSAGE_KEYS = frozenset({"role", "content", "tracking_id", "metadata"})

SESSION_HEADER_PROJECTION: dict[str, int] = {
    "session_id": 1,
    "session_type": 1,
    "schema_version": 1,
    "created_at": 1,
    "updated_at": 1,
    "application_name": 1,
    **dict.fromkeys(STAMP_FIELDS, 1),
}
"""The session fields Strands' ``Session`` is read from (no agents, messages or metadata)."""


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


def raw_to_agent_message(raw: dict[str, Any]) -> Message:
    """A stored message as the agent holds it: what ``SessionMessage.to_message()`` gives.

    The stored redaction when there is one (as stored, like Strands' ``to_message``),
    else the message itself. Resume uses this for every message: no ``SessionMessage``
    and no timestamps are built (see :func:`raw_to_session_message` for those).
    """
    redact = raw.get("redact_message")
    if redact is not None:
        return cast(Message, redact)
    return raw_to_message(raw)


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


# -------------------------------------------------------------------- sessions


def check_schema_version(raw: Mapping[str, Any]) -> None:
    """Raise :class:`SchemaVersionError` unless the stored document is of our version.

    Args:
        raw: The stored document (at least ``_id`` and ``schema_version``).

    Raises:
        SchemaVersionError: The document is of another layout (``msm migrate up``).
    """
    found = raw.get("schema_version")
    if found != SCHEMA_VERSION:
        # Missing (the reference implementation's layout) or unreadable: version 0.
        version = found if isinstance(found, int) and not isinstance(found, bool) else 0
        raise SchemaVersionError(str(raw.get("_id")), version, SCHEMA_VERSION)


def raw_to_session(raw: Mapping[str, Any], session_id: str) -> Session:
    """Strands' ``Session`` from a stored header (see :data:`SESSION_HEADER_PROJECTION`)."""
    return Session(
        session_id=raw.get("session_id", session_id),
        session_type=session_type_of(raw.get("session_type")),
        created_at=read_stamp(raw, "created_at"),
        updated_at=read_stamp(raw, "updated_at"),
    )


def session_document(
    session: Session,
    application_name: str | None,
    viewer_access: Mapping[str, Any],
    expires_at: datetime | None = None,
) -> dict[str, Any]:
    """A new session document (without ``size_bytes``: the store measures it)."""
    session_id = validate_id(session.session_id, "session_id")
    record = SessionRecord(
        _id=session_id,
        session_id=session_id,
        session_type=str(getattr(session.session_type, "value", session.session_type)),
        application_name=application_name,
        created_at=parse_timestamp(session.created_at),
        updated_at=parse_timestamp(session.updated_at),
        viewer_access=dict(viewer_access),  # a flag only: the password is derived
        expires_at=expires_at,
        **stamp_fields("created_at", session.created_at),
        **stamp_fields("updated_at", session.updated_at),
    )
    return record.model_dump(by_alias=True)


# -------------------------------------------------------------------- agents


def agent_from(
    raw: Mapping[str, Any] | None, key: str | None, agent_id: str | None
) -> dict[str, Any] | None:
    """The agent ``agent_id`` (stored under ``key``) of a read document, or ``None``."""
    if raw is None or key is None:
        return None
    agent = (raw.get("agents") or {}).get(key)
    if agent is None or agent.get("agent_id") != agent_id:
        return None
    return dict(agent)


def agent_state_fields(session_agent: SessionAgent) -> dict[str, Any]:
    """The state fields of a Strands agent as stored."""
    return {
        "state": session_agent.state,
        "conversation_manager_state": session_agent.conversation_manager_state,
        "internal_state": session_agent._internal_state,
    }


def updated_agent_fields(session_agent: SessionAgent) -> dict[str, Any]:
    """State fields plus the ``updated_at`` Strands set, kept exactly (see ``stamp_fields``)."""
    updated = parse_timestamp(session_agent.updated_at)
    return {
        **agent_state_fields(session_agent),
        "updated_at": updated,
        "updated_at_us": updated.microsecond % 1000,
        **stamp_fields("updated_at", session_agent.updated_at),
    }


def agent_document(
    session_agent: SessionAgent,
    *,
    model: str | None = None,
    system_prompt: str | None = None,
    messages: list[dict[str, Any]] | None = None,
    totals: Totals | None = None,
) -> dict[str, Any]:
    """A new agent record as a BSON-ready dict.

    Args:
        session_agent: The Strands agent record (id, state, timestamps).
        model: The agent's model id, if known.
        system_prompt: The agent's system prompt, if any.
        messages: Message documents stored with the agent (already encoded).
        totals: Usage totals of those messages.
    """
    fields = agent_state_fields(session_agent)
    record = AgentRecord(
        agent_id=validate_id(session_agent.agent_id, "agent_id"),
        model=model,
        system_prompt=system_prompt,
        message_count=len(messages or []),
        state_bytes=encoded_size(fields, f"state of agent {session_agent.agent_id!r}"),
        totals=totals or Totals(),
        created_at=parse_timestamp(session_agent.created_at),
        updated_at=parse_timestamp(session_agent.updated_at),
        **fields,
        **stamp_fields("created_at", session_agent.created_at),
        **stamp_fields("updated_at", session_agent.updated_at),
    )
    document = record.model_dump(exclude={"messages"})
    document["messages"] = messages or []
    return document


def multi_agent_size(state: dict[str, Any], what: str = "multi-agent state") -> int:
    """The stored size of a Graph / Swarm state (what ``size_bytes`` counts for it)."""
    return encoded_size({"s": state}, what)
