"""Schema 1 sessions built as raw documents, and raw access to sessions and their pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import bson

from mongodb_session_manager.models import DEFAULT_COLLECTION, Totals
from mongodb_session_manager.models.pages import pages_collection
from tests.migrations.harness import Harness

T0 = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
COLLECTION = DEFAULT_COLLECTION
PAGES = pages_collection(COLLECTION)


def v1_message(index: int, text_bytes: int) -> dict[str, Any]:
    """One stored message as schema 1 keeps it."""
    return {
        "message_id": index,
        "role": "user" if index % 2 == 0 else "assistant",
        "content": [{"text": f"message {index} " + "x" * text_bytes}],
        "created_at": T0 + timedelta(seconds=index),
        "updated_at": T0 + timedelta(seconds=index),
    }


def v1_agent(agent_id: str, count: int, text_bytes: int = 100) -> dict[str, Any]:
    """An agent of a schema 1 session with ``count`` messages."""
    return {
        "agent_id": agent_id,
        "state": {"n": count},
        "conversation_manager_state": {},
        "internal_state": {},
        "model": "model-small",
        "system_prompt": f"You are {agent_id}.",
        "message_count": count,
        "state_bytes": 0,
        "totals": Totals().model_dump(),
        "messages": [v1_message(i, text_bytes) for i in range(count)],
        "created_at": T0,
        "updated_at": T0 + timedelta(seconds=count),
    }


def v1_session(
    session_id: str, agents: dict[str, dict[str, Any]], *, ttl: timedelta | None = None
) -> dict[str, Any]:
    """A schema 1 session document (``size_bytes`` exact, as a migration writes it)."""
    updated = T0 + timedelta(hours=1)
    document: dict[str, Any] = {
        "_id": session_id,
        "session_id": session_id,
        "session_type": "AGENT",
        "application_name": "pages",
        "schema_version": 1,
        "created_at": T0,
        "updated_at": updated,
        "metadata": {"tier": "gold"},
        "feedbacks": [],
        "agents": agents,
        "multi_agents": {},
        "totals": Totals().model_dump(),
        "size_bytes": 0,
    }
    if ttl is not None:
        document["expires_at"] = updated + ttl
    document["size_bytes"] = len(bson.encode(document))
    return document


def long_session(session_id: str = "long-1", *, ttl: timedelta | None = None) -> dict[str, Any]:
    """350 messages over three agents: one cut by count, one by bytes, one short."""
    return v1_session(
        session_id,
        {
            "chat": v1_agent("chat", 230),  # pages of 100 messages (the count bound)
            "tools": v1_agent("tools", 115, text_bytes=5_000),  # pages cut at 256 KiB
            "short": v1_agent("short", 5),  # no page at all
        },
        ttl=ttl,
    )


PageHarness = Harness
"""The migration harness (pages included)."""


def as_read(document: Any) -> dict[str, Any]:
    """``document`` as a tz-aware client reads it back."""
    from bson.codec_options import CodecOptions

    decoded: dict[str, Any] = bson.decode(
        bson.encode(document), codec_options=CodecOptions(tz_aware=True)
    )
    return decoded


def visible_messages(session: dict[str, Any], key: str, pages: list[dict[str, Any]]) -> list[Any]:
    """An agent's whole conversation read by the visibility rule (pages, then recent)."""
    agent = session["agents"][key]
    mine = sorted(
        (
            page
            for page in pages
            if page["session_id"] == session["_id"]
            and page["agent_key"] == key
            and page["incarnation"] == agent["incarnation"]
            and page["first_id"] < agent["paged_count"]
        ),
        key=lambda page: page["first_id"],
    )
    messages: list[Any] = [message for page in mine for message in page["messages"]]
    recent: list[Any] = agent["messages"]
    return messages + recent
