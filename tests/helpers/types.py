"""Typed builders and aliases for the test suite.

Strands types conversation messages as the ``Message`` TypedDict; a dict literal built in a
test is inferred as ``dict[str, ...]`` and rejected by the type checker. Build messages here
(``message("user", "hi")``) or annotate the literal (``msg: Message = {...}``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeAlias, cast

from strands.types.content import ContentBlock, Message, Role

from mongodb_session_manager import MongoDBSessionManager, MongoDBSessionRepository

__all__ = [
    "MakeManager",
    "Message",
    "RawDocument",
    "ReadRaw",
    "Role",
    "as_message",
    "message",
    "repository_of",
    "text_block",
]

MakeManager: TypeAlias = Callable[..., MongoDBSessionManager]
"""The ``new_manager`` fixture: ``new_manager(session_id="session-1", **options)``."""

RawDocument: TypeAlias = dict[str, Any]
"""A stored document as the driver returns it."""

ReadRaw: TypeAlias = Callable[[str], RawDocument | None]
"""The ``raw`` fixture: the stored session document, or ``None``."""


def text_block(text: str) -> ContentBlock:
    """A text content block."""
    return {"text": text}


def message(role: Role, *texts: str, **fields: Any) -> Message:
    """A message of ``role`` with one text block per ``texts`` (plus any extra ``fields``)."""
    built: dict[str, Any] = {"role": role, "content": [text_block(t) for t in texts], **fields}
    return cast(Message, built)


def as_message(value: Mapping[str, Any]) -> Message:
    """A message literal with arbitrary content blocks (tool uses, images, ...), typed."""
    return cast(Message, dict(value))


def repository_of(manager: MongoDBSessionManager) -> MongoDBSessionRepository:
    """``manager.session_repository`` with its real type (Strands declares the base class)."""
    repository = manager.session_repository
    assert isinstance(repository, MongoDBSessionRepository)
    return repository
