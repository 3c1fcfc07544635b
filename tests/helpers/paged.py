"""A long (schema 2) session built directly: older messages in pages, recent ones inline.

The shape is the spec's (``models/pages.py``): agent ``assistant`` has 300
messages, ids 0..249 in three committed pages (100, 100, 50 messages) and ids
250..299 recent in the session document. Two pages must never be read: a stray
page at ``first_id == paged_count`` (a writer that crashed before committing it)
and a page of another incarnation (an older creation of the same session id).
Agent ``helper`` has 4 recent messages and no pages. One value chunk sits in
the blobs collection, so deletes can be checked for it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bson import Binary

from mongodb_session_manager.models import SCHEMA_VERSION, storage_key
from mongodb_session_manager.models.message import MessageRecord
from mongodb_session_manager.models.pages import (
    SessionPageRecord,
    blob_chunk_id,
    blobs_collection,
    page_id,
    pages_collection,
)

TOTAL = 300
PAGED = 250
PAGE_SIZES = (100, 100, 50)
INCARNATION = "0123456789abcdef"
OLD_INCARNATION = "fedcba9876543210"
HELPER_MESSAGES = 4
START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
STRAY = "STRAY-PAGE-TEXT"
GHOST = "OTHER-INCARNATION-TEXT"


def text_of(agent: str, message_id: int) -> str:
    """The text of message ``message_id`` of ``agent``."""
    return f"{agent} message {message_id}"


def message(agent: str, message_id: int, text: str | None = None) -> dict[str, Any]:
    """A stored message; odd ids are assistant turns with usage and latency."""
    assistant = message_id % 2 == 1
    metadata = (
        {
            "usage": {"inputTokens": 10, "outputTokens": 2, "totalTokens": 12},
            "metrics": {"latencyMs": 100 + message_id},
        }
        if assistant
        else None
    )
    at = START + timedelta(seconds=2 * message_id + (1 if agent == "helper" else 0))
    return MessageRecord(
        message_id=message_id,
        role="assistant" if assistant else "user",
        content=[{"text": text or text_of(agent, message_id)}],
        metadata=metadata,
        created_at=at,
        updated_at=at,
    ).model_dump(exclude_none=True)


def _page(session_id: str, incarnation: str, first_id: int, texts: list[str]) -> dict[str, Any]:
    messages = [message("assistant", first_id + i, text) for i, text in enumerate(texts)]
    page = {
        "_id": page_id(session_id, storage_key("assistant"), incarnation, first_id),
        "session_id": session_id,
        "agent_key": storage_key("assistant"),
        "agent_id": "assistant",
        "incarnation": incarnation,
        "first_id": first_id,
        "end_id": first_id + len(messages),
        "count": len(messages),
        "bytes": 100 * len(messages),
        "rev": 0,
        "messages": messages,
        "created_at": START,
    }
    SessionPageRecord.model_validate(page)  # the spec's shape
    return page


def paged_session(session_id: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The session document and its page documents (visible and not)."""
    pages, first = [], 0
    for size in PAGE_SIZES:
        texts = [text_of("assistant", i) for i in range(first, first + size)]
        pages.append(_page(session_id, INCARNATION, first, texts))
        first += size
    assert first == PAGED
    pages.append(_page(session_id, INCARNATION, PAGED, [STRAY] * 30))
    pages.append(_page(session_id, OLD_INCARNATION, 0, [GHOST] * 100))
    assistant_calls = TOTAL // 2
    totals = {"messages": TOTAL + HELPER_MESSAGES, "model_calls": assistant_calls + 2}
    agents = {
        storage_key("assistant"): {
            "agent_id": "assistant",
            "model": "model-large",
            "message_count": TOTAL,
            "totals": {"messages": TOTAL, "model_calls": assistant_calls},
            "incarnation": INCARNATION,
            "paged_count": PAGED,
            "page_count": len(PAGE_SIZES),
            "recent_bytes": 100 * (TOTAL - PAGED),
            "rev": 0,
            "messages": [message("assistant", i) for i in range(PAGED, TOTAL)],
            "created_at": START,
            "updated_at": START + timedelta(seconds=2 * TOTAL),
        },
        storage_key("helper"): {
            "agent_id": "helper",
            "model": "model-small",
            "message_count": HELPER_MESSAGES,
            "totals": {"messages": HELPER_MESSAGES, "model_calls": 2},
            "incarnation": "aaaaaaaaaaaaaaaa",
            "messages": [message("helper", i) for i in range(HELPER_MESSAGES)],
            "created_at": START,
            "updated_at": START,
        },
    }
    document = {
        "_id": session_id,
        "session_id": session_id,
        "session_type": "AGENT",
        "schema_version": SCHEMA_VERSION,
        "application_name": "long-chat",
        "created_at": START,
        "updated_at": START + timedelta(seconds=2 * TOTAL),
        "metadata": {"customer_tier": "gold"},
        "feedbacks": [],
        "totals": totals,
        "size_bytes": 30_000,
        "agents": agents,
    }
    return document, pages


def chunk(session_id: str) -> dict[str, Any]:
    """One value chunk of the session."""
    blob_id = f"{session_id}-blob"
    return {
        "_id": blob_chunk_id(blob_id, 0),
        "session_id": session_id,
        "blob_id": blob_id,
        "n": 0,
        "data": Binary(b"x" * 64),
    }


async def insert_paged(client: Any, database: str, collection: str, session_id: str) -> None:
    """Insert the session, its pages and a chunk (run on the store loop)."""
    document, pages = paged_session(session_id)
    db = client[database]
    await db[collection].insert_one(document)
    await db[pages_collection(collection)].insert_many(pages)
    await db[blobs_collection(collection)].insert_one(chunk(session_id))


async def companions(
    client: Any,
    database: str,
    collection: str,
    session_id: str,
    kinds: tuple[str, ...] = ("pages", "blobs"),
) -> int:
    """How many pages and/or chunks of ``session_id`` are stored (run on the store loop)."""
    names = {"pages": pages_collection(collection), "blobs": blobs_collection(collection)}
    found = 0
    for kind in kinds:
        found += await client[database][names[kind]].count_documents({"session_id": session_id})
    return found
