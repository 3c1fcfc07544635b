"""Measuring the viewer: synthetic sessions in bulk, and round trips / bytes per screen.

Used by the viewer's budget tests and callable from a benchmark script::

    from mongodb_session_manager.viewer.perf import insert_synthetic_sessions, measure_screens

    queries = SessionQueries(ViewerSettings(connection_string=uri, database_name="bench"))
    queries.pool.run(insert_synthetic_sessions(queries, 10_000, messages_per_agent=20))
    report = queries.pool.run(measure_screens(queries, "synthetic-000042"))

Round trips and bytes come from PyMongo command monitoring, so they mean the
same on any server; timings depend on the server (the embedded test server is
far slower than MongoDB).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from mongodb_session_manager.models import (
    AgentRecord,
    Feedback,
    MessageRecord,
    SessionRecord,
    Totals,
    storage_key,
)
from mongodb_session_manager.viewer.filters import MetaFilter, SessionSearch
from mongodb_session_manager.viewer.queries import SessionQueries

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
    queries: SessionQueries, count: int, *, batch: int = 500, **shape: Any
) -> None:
    """Insert ``count`` synthetic sessions (run on the store loop: ``pool.run(...)``)."""
    collection = queries._collection()
    for start in range(0, count, batch):
        documents = [synthetic_session(i, **shape) for i in range(start, min(count, start + batch))]
        await collection.insert_many(documents, ordered=False)


@dataclass
class ScreenCost:
    """What one screen (one API call) cost."""

    round_trips: int
    reads: int
    bytes_sent: int
    bytes_received: int
    milliseconds: float


async def measure(queries: SessionQueries, call: Any) -> ScreenCost:
    """Run ``call`` (a zero-argument coroutine function) and record its database traffic."""
    with queries.pool.command_stats.capture() as log:
        started = time.perf_counter()
        await call()
        elapsed = (time.perf_counter() - started) * 1000
    return ScreenCost(
        round_trips=log.round_trips,
        reads=log.reads,
        bytes_sent=log.bytes_sent,
        bytes_received=log.bytes_received,
        milliseconds=round(elapsed, 1),
    )


async def measure_screens(
    queries: SessionQueries, session_id: str, page_size: int = 20
) -> dict[str, dict[str, Any]]:
    """Cost of each screen: result pages (plain and filtered), header, timeline, metrics.

    Run it with ``asyncio.run(...)`` or ``queries.pool.run(...)``; either way the
    queries themselves run on the store loop.
    """
    await queries.fields()  # discovery is cached; measure the screens themselves
    filtered = SessionSearch(limit=page_size, meta=[MetaFilter("customer_tier", "eq", ["gold"])])
    screens = {
        "search_page": lambda: queries.search(SessionSearch(limit=page_size)),
        "search_filtered": lambda: queries.search(filtered),
        "search_deep_page": lambda: queries.search(SessionSearch(limit=page_size, offset=5000)),
        "session_header": lambda: queries.session(session_id),
        "timeline_page": lambda: queries.timeline(session_id, None, 50),
        "metrics": lambda: queries.metrics(session_id),
    }
    return {name: asdict(await measure(queries, call)) for name, call in screens.items()}


def main(argv: list[str] | None = None) -> None:
    """``python -m mongodb_session_manager.viewer.perf --sessions 10000``: print the costs.

    Uses ``MONGODB_URI`` (a scratch database is created and dropped) or, without it,
    the embedded server (Python 3.13+).
    """
    import argparse
    import json
    import os
    import uuid

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
    try:
        started = time.perf_counter()
        queries.pool.run(
            insert_synthetic_sessions(
                queries,
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

        async def drop() -> None:
            await queries.pool.client().drop_database(database)

        queries.pool.run(drop())
        queries.close()
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main()
