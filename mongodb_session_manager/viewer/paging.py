"""A long session's older messages, as the viewer reads them from the page collection.

Schema version 2 keeps an agent's *recent* messages in the session document
(``agents.<key>.messages``, ids ``paged_count`` on) and the older ones in pages
(``<sessions>_pages``, :mod:`mongodb_session_manager.models.pages`). The session
decides which pages exist: a page is visible only if its ``first_id`` is below
the agent's ``paged_count`` and its ``incarnation`` is the agent's. A crash can
leave a stray page at ``first_id == paged_count`` or under an old incarnation:
the filters built here never select it, and :func:`committed` never reads past
``paged_count``.

Nothing here reads the database: :mod:`.queries` reads the session, asks this
module which pages it needs (one ``$or`` branch per agent), reads them in one
more request and hands them back here to be cut into messages.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

__all__ = [
    "by_first_id",
    "committed",
    "first_page_branches",
    "incarnation_of",
    "paged_count_of",
    "pages_branches",
    "window_branches",
    "with_openers",
]

logger = logging.getLogger(__name__)


def paged_count_of(agent: Mapping[str, Any]) -> int:
    """The agent's ``paged_count`` (0 when missing or odd: a schema 1 agent)."""
    value = agent.get("paged_count")
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def incarnation_of(agent: Mapping[str, Any]) -> str | None:
    """The agent's ``incarnation`` (its pages carry the same one)."""
    value = agent.get("incarnation")
    return value if isinstance(value, str) else None


def _branch(session_id: str, agent: Mapping[str, Any], first_id: Any) -> dict[str, Any]:
    return {
        "session_id": session_id,
        "agent_key": str(agent.get("key")),
        "incarnation": incarnation_of(agent),
        "first_id": first_id,
    }


def window_branches(
    session_id: str, agents: Iterable[Mapping[str, Any]], offsets: Mapping[str, int], limit: int
) -> list[dict[str, Any]]:
    """One branch per agent whose next ``limit`` messages start below its ``paged_count``.

    A branch selects the pages that hold ids ``offset .. min(paged_count, offset +
    limit) - 1``: at most ``limit`` pages, and at most a page more than ``limit``
    messages on each side.
    """
    branches = []
    for agent in agents:
        offset = offsets.get(str(agent.get("key")), 0)
        end = min(paged_count_of(agent), offset + limit)
        if offset < end:
            branch = _branch(session_id, agent, {"$lt": end})
            branch["end_id"] = {"$gt": offset}
            branches.append(branch)
    return branches


def pages_branches(session_id: str, agents: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One branch per agent with pages: all its visible pages."""
    return [
        _branch(session_id, agent, {"$lt": paged_count_of(agent)})
        for agent in agents
        if paged_count_of(agent)
    ]


def first_page_branches(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One branch per agent of ``rows`` (search results) whose first message is in a page."""
    return [
        _branch(str(row.get("session_id") or row.get("_id")), agent, 0)
        for row in rows
        for agent in row.get("agents") or []
        if isinstance(agent, Mapping) and paged_count_of(agent)
    ]


def with_openers(
    rows: list[dict[str, Any]], openers: Iterable[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """``rows`` with each paged agent's first message (time, preview) taken from its first page."""
    found = {}
    for row in openers:
        opener = row.get("opener")
        if isinstance(opener, Mapping):
            found[opener.get("session_id"), opener.get("agent_key")] = opener
    for row in rows:
        session_id = row.get("session_id") or row.get("_id")
        for agent in row.get("agents") or []:
            if not isinstance(agent, dict) or not paged_count_of(agent):
                continue
            opener = found.get((session_id, agent.get("key")))
            if opener is not None:
                agent.update({k: opener.get(k) for k in ("first_at", "redacted", "preview")})
    return rows


def by_first_id(pages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``pages`` sorted by agent, then ``first_id`` (what :func:`committed` needs)."""
    return sorted(pages, key=lambda p: (str(p.get("agent_key")), _first_id(p)))


def _first_id(page: Mapping[str, Any]) -> int:
    value = page.get("first_id")
    return value if isinstance(value, int) and not isinstance(value, bool) else -1


def committed(
    pages: Sequence[Mapping[str, Any]],
    agent: Mapping[str, Any],
    start: int,
    end: int,
) -> list[Any]:
    """The agent's messages ``start .. end - 1`` out of ``pages`` (ids below ``paged_count``).

    ``pages`` may hold other agents' pages (one read serves them all) and must be
    sorted by ``first_id``. Only pages of the agent's incarnation starting below
    its ``paged_count`` count; the result is contiguous from ``start``: it stops
    short (with a warning) where a page is missing, so nothing is ever shifted.
    """
    key, incarnation = str(agent.get("key")), incarnation_of(agent)
    end = min(end, paged_count_of(agent))
    out: list[Any] = []
    next_id = start
    for page in pages:
        first_id = page.get("first_id")
        if (
            next_id >= end
            or page.get("agent_key") != key
            or page.get("incarnation") != incarnation
            or not isinstance(first_id, int)
            or first_id >= end
        ):
            continue
        if first_id > next_id:
            break  # a hole: never shift later messages into it
        messages = page.get("messages")
        for position, message in enumerate(messages if isinstance(messages, list) else []):
            message_id = first_id + position
            if message_id >= end:
                break
            if message_id == next_id:
                out.append(message)
                next_id += 1
    if next_id < end:
        logger.warning(
            "viewer.pages.missing | agent_key=%s incarnation=%s from=%d to=%d",
            key,
            incarnation,
            next_id,
            end,
        )
    return out
