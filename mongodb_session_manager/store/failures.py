"""Driver errors and missed guarded writes, turned into the library's typed errors.

A guarded write (see :meth:`SessionStore.update_session
<mongodb_session_manager.store.sessions.SessionStore.update_session>`) matches
nothing when the session or agent is missing, the size limit would be passed,
or a concurrent writer got there first. One extra read tells which, and
:func:`explain_miss` raises the matching error. Nothing was written in any of
those cases.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, NoReturn

from pymongo.errors import DocumentTooLarge, OperationFailure

from mongodb_session_manager.errors import (
    InvalidInputError,
    MessageIdError,
    SessionConflictError,
    SessionNotFoundError,
    SessionTooLargeError,
)
from mongodb_session_manager.models import storage_key
from mongodb_session_manager.store.codec import agent_from

__all__ = [
    "TOO_LARGE_CODES",
    "GuardedWrite",
    "explain_miss",
    "is_too_large",
    "message_id_error",
    "miss_projection",
    "too_large_errors",
]

TOO_LARGE_CODES = frozenset({10334, 17419, 17420, 13})
# Server codes of updates MongoDB refuses for their shape (nothing is written):
# BadValue, PathNotViable, ConflictingUpdateOperators, DollarPrefixed / Empty / Dotted names.
SHAPE_ERROR_CODES = frozenset({2, 28, 40, 52, 56, 57})
"""Server error codes of a document over the BSON size limit (BSONObjectTooLarge & co.)."""


@dataclass(frozen=True, slots=True)
class GuardedWrite:
    """What a guarded write was, to explain why it matched nothing.

    Attributes:
        session_id: The session written.
        agent_id: The agent the write needed (``None``: the session alone).
        added_bytes: What it would have added to ``size_bytes``.
        max_document_bytes: The session size limit.
        expected_count: The ``message_count`` an append expected.
        creating: Whether it created the agent (it must not have existed).
    """

    session_id: str
    agent_id: str | None
    added_bytes: int
    max_document_bytes: int
    expected_count: int | None = None
    creating: bool = False


def is_too_large(exc: OperationFailure) -> bool:
    """Whether a server error says the document would be over MongoDB's size limit."""
    return exc.code in TOO_LARGE_CODES or "too large" in str(exc).lower()


@contextmanager
def too_large_errors(write: GuardedWrite) -> Iterator[None]:
    """Turn the driver's refusals into typed errors: too large, or a refused update shape."""
    try:
        yield
    except DocumentTooLarge as exc:
        raise _too_large(write, -1) from exc
    except OperationFailure as exc:  # WriteError, or findAndModify's OperationFailure
        if is_too_large(exc):
            raise _too_large(write, -1) from exc
        if exc.code in SHAPE_ERROR_CODES:
            raise shape_error(exc, f"update of session {write.session_id!r}") from exc
        raise


def shape_error(exc: OperationFailure, what: str) -> InvalidInputError:
    """A server refusal of an update's shape, as the library's typed error."""
    detail = (exc.details or {}).get("errmsg") or str(exc)
    return InvalidInputError(f"MongoDB refused the {what}: {detail}; nothing was written")


def miss_projection(agent_id: str | None) -> dict[str, Any]:
    """What the one explaining read fetches: the size, and the agent's id and count."""
    projection: dict[str, Any] = {"size_bytes": 1}
    if agent_id is not None:
        key = storage_key(agent_id)
        projection[f"agents.{key}.agent_id"] = 1
        projection[f"agents.{key}.message_count"] = 1
    return projection


def explain_miss(write: GuardedWrite, raw: Mapping[str, Any] | None) -> NoReturn:
    """Raise the typed error of a guarded write that matched nothing.

    Args:
        write: The write that missed.
        raw: The session read with :func:`miss_projection` (``None``: no session).

    Raises:
        SessionNotFoundError: The session, or the agent, does not exist.
        SessionTooLargeError: The write would pass the size limit.
        SessionConflictError: Another writer created the agent or appended first.
    """
    if raw is None:
        raise SessionNotFoundError(write.session_id)
    size = int(raw.get("size_bytes") or 0)
    if write.added_bytes > 0 and size + write.added_bytes > write.max_document_bytes:
        raise _too_large(write, size)
    agent_id = write.agent_id
    agent = agent_from(raw, storage_key(agent_id), agent_id) if agent_id is not None else None
    if write.creating:
        raise SessionConflictError(
            f"agent {agent_id!r} already exists in session {write.session_id!r}; "
            "another writer created it first. Nothing was written",
            session_id=write.session_id,
            agent_id=agent_id,
        )
    if agent_id is not None and agent is None:
        raise SessionNotFoundError(write.session_id, agent_id)
    actual = int(agent.get("message_count", 0)) if agent is not None else None
    raise SessionConflictError(
        f"concurrent write on agent {agent_id!r} of session {write.session_id!r}: this manager "
        f"expected message_id {write.expected_count}, the stored agent has {actual} messages. "
        "Nothing was written; reload the session and retry",
        session_id=write.session_id,
        agent_id=agent_id,
        expected=write.expected_count,
        actual=actual,
    )


def _too_large(write: GuardedWrite, size: int) -> SessionTooLargeError:
    return SessionTooLargeError(write.session_id, size, write.added_bytes, write.max_document_bytes)


def message_id_error(exc: SessionConflictError) -> MessageIdError | None:
    """A lost append race as Strands' ``create_message`` callers see it.

    Returns:
        A :class:`MessageIdError` (a ``ValueError``) when ``exc`` says which
        ``message_id`` was expected and which one is next; ``None`` otherwise.
    """
    if exc.expected is None or exc.actual is None:
        return None
    return MessageIdError(
        f"message_id {exc.expected} cannot be stored for agent {exc.agent_id!r} of "
        f"session {exc.session_id!r}: its next message_id is {exc.actual} (messages "
        "are stored by position; another writer may also have added one). "
        "Nothing was written",
        session_id=exc.session_id,
        agent_id=exc.agent_id,
        expected=exc.expected,
        actual=exc.actual,
    )
