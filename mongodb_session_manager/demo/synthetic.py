"""Synthetic sessions in bulk: the viewer's budget tests and its benchmark.

Documents in the library's layout, built with its own models (no agent runs),
inserted through :class:`~mongodb_session_manager.store.seeding.SeedingStore`::

    from mongodb_session_manager.demo.synthetic import insert_synthetic_sessions
    from mongodb_session_manager.viewer.perf import measure_screens

    queries = SessionQueries(ViewerSettings(connection_string=uri, database_name="bench"))
    queries.pool.run(insert_synthetic_sessions(queries, 10_000, messages_per_agent=20))
    report = queries.pool.run(measure_screens(queries, "synthetic-000042"))

``python -m mongodb_session_manager.demo.synthetic --sessions 10000`` prints
what each viewer screen costs on that many sessions.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import bson

from mongodb_session_manager.models import (
    AgentRecord,
    Feedback,
    MessageRecord,
    SessionRecord,
    Totals,
    storage_key,
)
from mongodb_session_manager.models.limits import ARRAY_ITEM_OVERHEAD
from mongodb_session_manager.store.seeding import SeedingStore

if TYPE_CHECKING:
    from mongodb_session_manager.viewer.queries import SessionQueries

__all__ = ["TIERS", "insert_synthetic_sessions", "main", "seeding_store_of", "synthetic_session"]

_T0 = datetime(2026, 1, 1, tzinfo=UTC)
TIERS = ("gold", "silver", "bronze")


def synthetic_session(
    index: int,
    *,
    agents: int = 2,
    messages_per_agent: int = 10,
    text_chars: int = 200,
    prefix: str = "synthetic",
) -> dict[str, Any]:
    """One session document in the library's layout, built with its own models.

    Assistant messages carry usage and latency; every tenth session has feedback.
    """
    session_id = f"{prefix}-{index:06d}"
    start = _T0 + timedelta(minutes=index)
    totals = Totals()
    agent_docs: dict[str, Any] = {}
    for a in range(agents):
        agent_id = f"agent-{a}"
        agent_totals = Totals()
        messages = []
        for m in range(messages_per_agent):
            assistant = m % 2 == 1
            metadata = (
                {
                    "usage": {"inputTokens": 100 + m, "outputTokens": 20, "totalTokens": 120 + m},
                    "metrics": {"latencyMs": 400 + (m * 37) % 300, "timeToFirstByteMs": 90},
                }
                if assistant
                else None
            )
            for target in (totals, agent_totals):
                for name, value in Totals.increments(metadata).items():
                    setattr(target, name, getattr(target, name) + value)
            text = f"{'Answer' if assistant else 'Question'} {m} of {session_id}. "
            messages.append(
                MessageRecord(
                    message_id=m,
                    role="assistant" if assistant else "user",
                    content=[{"text": (text * (text_chars // len(text) + 1))[:text_chars]}],
                    metadata=metadata,
                    created_at=start + timedelta(seconds=a + 2 * m),
                    updated_at=start + timedelta(seconds=a + 2 * m),
                ).model_dump(exclude_none=True)
            )
        record = AgentRecord(
            agent_id=agent_id,
            model=("model-small", "model-large")[a % 2],
            system_prompt=f"You are agent {a}.",
            message_count=messages_per_agent,
            # Schema 2: every message is recent (no page); a deterministic incarnation.
            incarnation=f"{index:08x}{a:08x}",
            recent_bytes=sum(len(bson.encode(m)) + ARRAY_ITEM_OVERHEAD for m in messages),
            totals=agent_totals,
            created_at=start,
            updated_at=start + timedelta(seconds=2 * messages_per_agent),
        ).model_dump(exclude={"messages"})
        record["messages"] = messages
        agent_docs[storage_key(agent_id)] = record
    feedbacks = (
        [Feedback(rating="up" if index % 20 else "down", comment="ok", created_at=start)]
        if index % 10 == 0
        else []
    )
    document = SessionRecord(
        _id=session_id,
        session_id=session_id,
        application_name=("web-chat", "mobile-app")[index % 2],
        created_at=start,
        updated_at=start + timedelta(seconds=2 * messages_per_agent + agents),
        metadata={"customer_tier": TIERS[index % 3], "ticket": index},
        feedbacks=feedbacks,
        totals=totals,
    ).model_dump(by_alias=True, exclude={"agents"})
    document["agents"] = agent_docs
    return document


async def insert_synthetic_sessions(
    target: SeedingStore | SessionQueries, count: int, *, batch: int = 500, **shape: Any
) -> None:
    """Insert ``count`` synthetic sessions (run on the store loop: ``pool.run(...)``).

    Args:
        target: The sessions collection: a :class:`SeedingStore`, or the viewer's
            :class:`~mongodb_session_manager.viewer.SessionQueries` (its collection).
        count: How many sessions (ids ``<prefix>-000000`` on).
        batch: Sessions per ``insert_many`` (one round trip each).
        **shape: Passed to :func:`synthetic_session` (``agents``, ``messages_per_agent`` ...).
    """
    store = target if isinstance(target, SeedingStore) else seeding_store_of(target)
    for start in range(0, count, batch):
        await store.insert_sessions(
            synthetic_session(i, **shape) for i in range(start, min(count, start + batch))
        )


def seeding_store_of(queries: SessionQueries) -> SeedingStore:
    """The :class:`SeedingStore` on the viewer's collection (same pool)."""
    settings = queries.settings
    return SeedingStore(queries.pool, settings.database_name, settings.collection_name)


def main(argv: list[str] | None = None) -> None:
    """``python -m mongodb_session_manager.demo.synthetic --sessions 10000``: print the costs.

    Uses ``MONGODB_URI`` (a scratch database is created and dropped) or, without it,
    the embedded server (Python 3.13+).
    """
    import argparse
    import json
    import os
    import uuid

    from mongodb_session_manager.viewer.perf import measure_screens
    from mongodb_session_manager.viewer.queries import SessionQueries
    from mongodb_session_manager.viewer.settings import ViewerSettings

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--sessions", type=int, default=10_000)
    parser.add_argument("--messages-per-agent", type=int, default=10)
    parser.add_argument("--agents", type=int, default=2)
    args = parser.parse_args(argv)
    server = None
    uri = os.environ.get("MONGODB_URI")
    if not uri:
        from mongodb_session_manager.local import LocalMongoServer

        server = LocalMongoServer()
        uri = server.start()
    database = f"msm_viewer_bench_{uuid.uuid4().hex[:8]}"
    # Generous timeouts: the embedded server answers nothing while it ingests a batch.
    settings = ViewerSettings(
        connection_string=uri,
        database_name=database,
        pool_options={"connectTimeoutMS": 120_000, "serverSelectionTimeoutMS": 120_000},
    )
    queries = SessionQueries(settings)
    store = seeding_store_of(queries)
    try:
        started = time.perf_counter()
        queries.pool.run(
            insert_synthetic_sessions(
                store,
                args.sessions,
                batch=50,
                agents=args.agents,
                messages_per_agent=args.messages_per_agent,
            )
        )
        inserted = time.perf_counter() - started
        middle = f"synthetic-{args.sessions // 2:06d}"
        report = queries.pool.run(measure_screens(queries, middle))
        print(
            json.dumps(
                {
                    "sessions": args.sessions,
                    "insert_seconds": round(inserted, 1),
                    "screens": report,
                },
                indent=2,
            )
        )
    finally:
        queries.pool.run(store.drop_database())
        queries.close()
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main()
