"""``SeedingStore``: the demo's and the benchmarks' writes (rewrite, bulk insert, drop)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from mongodb_session_manager import MongoDBSessionManagerFactory
from mongodb_session_manager.demo.seeds import shift_times
from mongodb_session_manager.demo.synthetic import insert_synthetic_sessions, synthetic_session
from mongodb_session_manager.store.seeding import SeedingStore


def _store(factory: MongoDBSessionManagerFactory, database: str | None = None) -> SeedingStore:
    repository = factory.repository
    return SeedingStore(
        factory.pool, database or repository.database_name, repository.collection_name
    )


def test_insert_then_rewrite_one_session(factory: MongoDBSessionManagerFactory) -> None:
    store = _store(factory)
    prefix = f"seed-{uuid.uuid4().hex[:8]}"
    documents = [synthetic_session(i, prefix=prefix, messages_per_agent=2) for i in range(3)]
    assert factory.pool.run(store.insert_sessions(documents)) == 3
    assert factory.pool.run(store.insert_sessions([])) == 0

    def rename(document: dict[str, Any]) -> dict[str, Any]:
        return {**document, "application_name": "rewritten"}

    session_id = f"{prefix}-000001"
    assert factory.pool.run(store.rewrite_session(session_id, rename)) is True
    assert factory.pool.run(store.rewrite_session("no-such-session", rename)) is False

    async def read() -> Any:
        return await store.collection().find_one({"_id": session_id})

    assert factory.pool.run(read())["application_name"] == "rewritten"


def test_shift_times_moves_every_date(factory: MongoDBSessionManagerFactory, raw: Any) -> None:
    store = _store(factory)
    prefix = f"shift-{uuid.uuid4().hex[:8]}"
    factory.pool.run(store.insert_sessions([synthetic_session(0, prefix=prefix)]))
    session_id = f"{prefix}-000000"
    before = raw(session_id)
    shift_times(factory, session_id, -timedelta(days=2))
    after = raw(session_id)
    assert after["created_at"] == before["created_at"] - timedelta(days=2)
    agent = next(iter(after["agents"].values()))
    old_agent = next(iter(before["agents"].values()))
    assert agent["messages"][0]["created_at"] == (
        old_agent["messages"][0]["created_at"] - timedelta(days=2)
    )


def test_synthetic_sessions_go_in_batches_and_the_database_drops(
    factory: MongoDBSessionManagerFactory,
) -> None:
    store = _store(factory, f"msm_seed_{uuid.uuid4().hex[:8]}")
    factory.pool.run(insert_synthetic_sessions(store, 5, batch=2, messages_per_agent=2))

    async def count() -> int:
        return len(await store.collection().distinct("_id"))

    assert factory.pool.run(count()) == 5
    factory.pool.run(store.drop_database())
    assert factory.pool.run(count()) == 0
