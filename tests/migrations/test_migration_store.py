"""The migration store on a real collection: batches, compare-and-set writes, the log."""

from __future__ import annotations

from collections.abc import Coroutine
from datetime import UTC, datetime
from typing import Any, TypeVar

import bson
import pytest
from bson.raw_bson import RawBSONDocument

from mongodb_session_manager import MongoDBSessionManagerFactory
from mongodb_session_manager.migrations import LOG_COLLECTION
from mongodb_session_manager.store.migration_items import DUPLICATE_KEY, BatchItem, Write
from mongodb_session_manager.store.migration_store import MigrationStore

T = TypeVar("T")
SESSIONS = "sessions_under_migration"
WHEN = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


class Db:
    """The store under test and raw access to the same database."""

    def __init__(self, factory: MongoDBSessionManagerFactory) -> None:
        self.pool = factory.pool
        self.database = factory.repository.database_name
        self.store = MigrationStore(self.pool, self.database, LOG_COLLECTION)

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return self.pool.run(coro)

    def insert(self, documents: list[dict[str, Any]]) -> None:
        async def run() -> None:
            await self.pool.collection(self.database, SESSIONS).insert_many(documents)

        self.run(run())

    def find(self, collection: str = SESSIONS) -> dict[str, dict[str, Any]]:
        async def run() -> list[dict[str, Any]]:
            found: list[dict[str, Any]] = (
                await self.pool.collection(self.database, collection).find().to_list(None)
            )
            return found

        return {doc["_id"]: doc for doc in self.run(run())}


@pytest.fixture
def db(factory: MongoDBSessionManagerFactory) -> Db:
    return Db(factory)


def documents(count: int, padding: int = 0) -> list[dict[str, Any]]:
    return [
        {"_id": f"s-{i:03d}", "updated_at": WHEN, "pad": "x" * padding, "n": i}
        for i in range(count)
    ]


def encoded(document: dict[str, Any]) -> RawBSONDocument:
    return RawBSONDocument(bson.encode(document))


def test_read_batch_is_ordered_resumable_and_bounded_by_bytes(db: Db) -> None:
    db.insert(documents(10, padding=1000))
    query: dict[str, Any] = {"_id": {"$type": "string"}}

    first = db.run(db.store.read_batch(SESSIONS, query, after=None, limit=4, max_bytes=10**6))
    after = db.run(db.store.read_batch(SESSIONS, query, after="s-003", limit=4, max_bytes=10**6))
    bounded = db.run(db.store.read_batch(SESSIONS, query, after=None, limit=10, max_bytes=2500))

    assert [item.session_id for item in first] == ["s-000", "s-001", "s-002", "s-003"]
    assert [item.session_id for item in after] == ["s-004", "s-005", "s-006", "s-007"]
    # The batch ends with the document that reaches the byte bound.
    assert len(bounded) == 3 and sum(item.size for item in bounded[:2]) < 2500
    assert first[0].document["n"] == 0 and first[0].guard == {"updated_at": WHEN}
    assert db.run(db.store.count_in(SESSIONS, query)) == 10
    assert db.run(db.store.count_in(SESSIONS, query, after="s-007")) == 2


def test_a_replace_lands_only_while_its_guard_holds(db: Db) -> None:
    db.insert(documents(2))
    db.run(db.store.open_log("step", {"migration": "m"}, resuming=False))
    items = db.run(db.store.read_batch(SESSIONS, {}, after=None, limit=10, max_bytes=10**6))
    writes = [
        Write(
            item.session_id,
            encoded({**item.document, "converted": True}),
            {"_id": item.session_id, **(item.guard if item.session_id == "s-000" else {"n": -1})},
        )
        for item in items
    ]

    outcome = db.run(
        db.store.write_batch(SESSIONS, writes, log_id="step", last_id="s-001", transaction=False)
    )

    assert (outcome.matched, outcome.inserted, outcome.errors) == (1, 0, {})
    stored = db.find()
    assert stored["s-000"].get("converted") is True and "converted" not in stored["s-001"]
    (log,) = db.find(LOG_COLLECTION).values()
    assert (log["migrated"], log["last_id"], log["state"]) == (1, "s-001", "running")


def test_a_copy_reports_documents_already_in_the_target(db: Db) -> None:
    db.insert(documents(1))
    db.run(db.store.open_log("copy", {}, resuming=False))
    writes = [Write(f"s-00{i}", encoded({"_id": f"s-00{i}", "n": i})) for i in range(2)]

    outcome = db.run(
        db.store.write_batch(SESSIONS, writes, log_id="copy", last_id=None, transaction=False)
    )

    assert outcome.inserted == 1 and list(outcome.errors) == [0]
    assert outcome.errors[0][0] == DUPLICATE_KEY
    assert db.run(db.store.present_ids(SESSIONS, ["s-000", "s-001", "s-009"])) == {
        "s-000",
        "s-001",
    }


def test_the_log_records_failures_state_and_history(db: Db) -> None:
    fields = {"database": db.database, "collection": SESSIONS, "migration": "m"}
    db.run(db.store.open_log("step", fields, resuming=False))
    entries = [{"session_id": f"s-{i}", "error": "bad"} for i in range(5)]
    db.run(db.store.record_failures("step", 5, entries, keep=3))
    db.run(db.store.close_log("step", "failed"))

    entry = db.run(db.store.log_entry("step"))
    assert entry is not None
    assert (entry["failed"], entry["state"], entry["runs"]) == (5, "failed", 1)
    assert [f["session_id"] for f in entry["failures"]] == ["s-0", "s-1", "s-2"]
    assert [h["_id"] for h in db.run(db.store.history(db.database, SESSIONS))] == ["step"]
    assert db.run(db.store.log_entry("never-ran")) is None


def test_version_counts_and_decoded_items(db: Db) -> None:
    db.insert([{"_id": "a"}, {"_id": "b", "schema_version": 1}, {"_id": "c", "schema_version": 1}])

    assert sorted(db.run(db.store.version_counts(SESSIONS))) == [(0, 1), (1, 2)]
    (item,) = db.run(db.store.read_by_ids(SESSIONS, {"_id": {"$in": ["a"]}}))
    assert item == BatchItem.decoded_from({"_id": "a"})
    assert item.guard == {"updated_at": {"$exists": False}}
