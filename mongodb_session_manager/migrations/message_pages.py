"""Schema 1 <-> 2: each agent's older messages in pages, the recent ones inline (pure).

Schema 2 keeps an agent's *recent* messages in ``agents.<key>.messages`` (ids
``paged_count`` to ``message_count - 1``) and the older ones in
``<sessions>_pages``, one document per page (:mod:`mongodb_session_manager.models.pages`).

* :func:`v1_to_v2` cuts every agent's messages exactly as the live writer seals
  (:func:`~mongodb_session_manager.models.pages.split_into_pages` with the default
  :class:`~mongodb_session_manager.models.pages.PagePolicy`): full pages become page
  documents, the tail stays inline. The agent's ``incarnation`` is derived from the
  session's ``_id``, the agent's key and the session's ``updated_at`` as read, so a
  re-run of the same document writes the same page ids (no duplicates) and a
  document changed meanwhile gets another incarnation (its earlier pages stay
  invisible and are deleted by the runner).
* :func:`v2_to_v1` puts the committed pages (``first_id < paged_count``, the agent's
  incarnation) back in front of the recent messages, and values stored out of
  line (``<sessions>_blobs`` chunks) back in their messages. A result MongoDB
  could not store is refused (the session stays at 2 and is reported).

Neither function touches the database: the runner writes the pages before the
session's compare-and-set and deletes them after a backward one.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import bson

from mongodb_session_manager.errors import DocumentConversionError
from mongodb_session_manager.models import as_utc, utcnow
from mongodb_session_manager.models.pages import PagePolicy
from mongodb_session_manager.store.blob_values import set_at
from mongodb_session_manager.store.pages import history_pages

__all__ = [
    "PAGE_FIELDS",
    "Converted",
    "derived_incarnation",
    "inline_values",
    "v1_to_v2",
    "v2_to_v1",
    "visible_pages",
]

PAGE_FIELDS: tuple[str, ...] = ("incarnation", "paged_count", "page_count", "recent_bytes", "rev")
"""The agent fields schema 2 adds (dropped again by :func:`v2_to_v1`)."""

_MAX_V1_BYTES = 16 * 1024 * 1024 - 16 * 1024
"""The largest schema 1 document written back (MongoDB's limit, less headroom)."""


@dataclass
class Converted:
    """A converted session and what goes with it in the companion collection.

    Attributes:
        document: The converted session document (same ``_id``).
        pages: Page documents to upsert (by ``_id``) before the session is written.
        retire: Whether the session's pages are to be deleted once it is written.
    """

    document: dict[str, Any]
    pages: list[dict[str, Any]] = field(default_factory=list)
    retire: bool = False


def derived_incarnation(session_id: str, agent_key: str, updated_at: Any) -> str:
    """The agent's incarnation for a migrated document: 16 hex, the same for the same read."""
    stamp = updated_at.isoformat() if isinstance(updated_at, datetime) else repr(updated_at)
    digest = hashlib.sha256(f"{session_id}\x00{agent_key}\x00{stamp}".encode())
    return digest.hexdigest()[:16]


def _lease(document: Mapping[str, Any]) -> datetime | None:
    """A page's ``expires_at``: the session's plus its ttl (never before the session's)."""
    expires = document.get("expires_at")
    if not isinstance(expires, datetime):
        return None
    expires = as_utc(expires)
    updated = document.get("updated_at")
    if not isinstance(updated, datetime) or as_utc(updated) >= expires:
        return expires
    return expires + (expires - as_utc(updated))


def _encoded_sizes(messages: Sequence[Mapping[str, Any]], where: str) -> list[int]:
    try:
        return [len(bson.encode(message)) for message in messages]
    except Exception as exc:
        raise DocumentConversionError(f"{where}: a message cannot be encoded: {exc}") from exc


def _finalize(document: dict[str, Any], limit: int | None, what: str) -> dict[str, Any]:
    """Set ``size_bytes`` to the document's encoded size; refuse it above ``limit``."""
    document["size_bytes"] = 0
    size = len(bson.encode(document))
    if limit is not None and size > limit:
        raise DocumentConversionError(
            f"{size} bytes once converted: too long for {what} (MongoDB's limit is 16 MiB)"
        )
    document["size_bytes"] = size
    return document


def v1_to_v2(document: Mapping[str, Any], policy: PagePolicy | None = None) -> Converted:
    """Convert one schema 1 session to schema 2: its pages and the new document.

    Raises:
        DocumentConversionError: an agent is not an object or its messages not a list.
    """
    policy = policy or PagePolicy()
    session_id = str(document["_id"])
    updated_at = document.get("updated_at")
    lease = _lease(document)
    out = dict(document)
    agents: dict[str, Any] = {}
    pages: list[dict[str, Any]] = []
    for key, raw_agent in dict(document.get("agents") or {}).items():
        if not isinstance(raw_agent, Mapping):
            raise DocumentConversionError(f"agents.{key} is not an object")
        agent = dict(raw_agent)
        messages = agent.get("messages") or []
        if not isinstance(messages, list):
            raise DocumentConversionError(f"agents.{key}.messages is not an array")
        sizes = _encoded_sizes(messages, f"agents.{key}")
        agent.setdefault("agent_id", key)
        agent["incarnation"] = derived_incarnation(session_id, key, updated_at)
        agent["rev"] = 0
        agent, agent_pages = history_pages(
            session_id,
            key,
            agent,
            policy,
            None,
            sizes=sizes,
            created_at=updated_at if isinstance(updated_at, datetime) else utcnow(),
            expires_at=lease,
        )
        pages.extend(agent_pages)
        agents[key] = agent
    out["agents"] = agents
    out["schema_version"] = 2
    return Converted(_finalize(out, None, "schema 2"), pages=pages)


def visible_pages(
    agent_key: str, agent: Mapping[str, Any], pages: Sequence[Mapping[str, Any]]
) -> list[Mapping[str, Any]]:
    """The committed pages of one agent, by ``first_id``; strays and other incarnations ignored.

    Raises:
        DocumentConversionError: the committed pages do not cover ``0 .. paged_count - 1``.
    """
    paged_count = int(agent.get("paged_count") or 0)
    incarnation = agent.get("incarnation")
    mine = sorted(
        (
            page
            for page in pages
            if page.get("agent_key") == agent_key
            and page.get("incarnation") == incarnation
            and int(page.get("first_id", -1)) < paged_count
        ),
        key=lambda page: int(page["first_id"]),
    )
    expected = 0
    for page in mine:
        if int(page["first_id"]) != expected or len(page.get("messages") or []) != int(
            page.get("end_id", 0)
        ) - int(page["first_id"]):
            raise DocumentConversionError(
                f"agents.{agent_key}: the page at message {expected} is missing or damaged"
            )
        expected = int(page["end_id"])
    if expected != paged_count:
        raise DocumentConversionError(
            f"agents.{agent_key}: pages hold {expected} of {paged_count} paged messages"
        )
    return mine


def inline_values(message: Any, values: Mapping[str, bytes], where: str) -> Any:
    """``message`` with its out-of-line values (``blobs``) back at their paths (a copy).

    Args:
        message: A stored message (returned as it is without ``blobs``).
        values: Each value's bytes by ``blob_id`` (its chunks joined in order).
        where: Names the message in errors.

    Raises:
        DocumentConversionError: a value is missing or not what its reference says.
    """
    if not isinstance(message, Mapping) or not message.get("blobs"):
        return message
    restored: dict[str, Any] = copy.deepcopy(dict(message))
    for ref in restored.pop("blobs"):
        data = values.get(str(ref.get("blob_id")))
        if data is None or len(data) != ref.get("size"):
            raise DocumentConversionError(f"{where}: value {ref.get('blob_id')} is missing")
        if hashlib.sha256(data).hexdigest() != ref.get("sha256"):
            raise DocumentConversionError(f"{where}: value {ref.get('blob_id')} is damaged")
        value: Any = data.decode("utf-8") if ref.get("kind") == "text" else data
        if not set_at(restored, list(ref.get("path") or []), value):
            raise DocumentConversionError(f"{where}: no place for value {ref.get('blob_id')}")
    return restored


def v2_to_v1(
    document: Mapping[str, Any],
    pages: Sequence[Mapping[str, Any]],
    limit: int = _MAX_V1_BYTES,
    values: Mapping[str, bytes] | None = None,
) -> Converted:
    """Convert one schema 2 session back to schema 1: every message inline again.

    Args:
        document: The schema 2 session document.
        pages: Every page stored for this session (any agent, any incarnation).
        limit: The largest schema 1 document accepted.
        values: The session's out-of-line values by ``blob_id`` (chunks joined).

    Raises:
        DocumentConversionError: pages or values are missing, or the session is too
            long for schema 1 (over ``limit`` bytes).
    """
    out = dict(document)
    agents: dict[str, Any] = {}
    for key, raw_agent in dict(document.get("agents") or {}).items():
        if not isinstance(raw_agent, Mapping):
            raise DocumentConversionError(f"agents.{key} is not an object")
        agent = dict(raw_agent)
        messages: list[Any] = []
        for page in visible_pages(key, agent, pages):
            messages.extend(page["messages"])
        messages.extend(agent.get("messages") or [])
        messages = [inline_values(m, values or {}, f"agents.{key}") for m in messages]
        for name in PAGE_FIELDS:
            agent.pop(name, None)
        agent["messages"] = messages
        agents[key] = agent
    out["agents"] = agents
    out["schema_version"] = 1
    return Converted(_finalize(out, limit, "schema 1"), retire=True)
