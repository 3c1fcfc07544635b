"""m0002_message_pages on a real collection: schema 1 <-> 2, pages, crashes, retired index."""

from __future__ import annotations

import hashlib
import os
from datetime import timedelta
from typing import Any

import bson
import pytest
from bson import Binary
from pymongo.errors import OperationFailure

from mongodb_session_manager import (
    MongoDBSessionManagerFactory,
    migrate_down,
    migrate_up,
    migration_status,
)
from mongodb_session_manager.migrations.message_pages import v1_to_v2
from mongodb_session_manager.migrations.reference_layout import reference_to_v1
from mongodb_session_manager.models.pages import (
    BLOB_CHUNK_BYTES,
    SHARD_KEYS,
    blob_chunk_id,
    blobs_collection,
)
from tests.helpers.fail_points import fail_point
from tests.migrations.legacy_fixtures import as_stored, message, small_legacy_session
from tests.migrations.page_fixtures import (
    COLLECTION,
    PAGES,
    PageHarness,
    as_read,
    long_session,
    v1_agent,
    v1_session,
    visible_messages,
)


@pytest.fixture
def db(factory: MongoDBSessionManagerFactory) -> PageHarness:
    return PageHarness(factory)


class SimulatedCrash(Exception):
    """The process dying half way (raised from the progress receiver)."""


class CrashAfter:
    """A progress receiver that crashes the run after ``batches`` batches of any step."""

    def __init__(self, batches: int) -> None:
        self.batches = batches
        self.seen = 0

    def start(self, description: str, total: int) -> None:
        pass

    def advance(self, count: int) -> None:
        self.seen += 1
        if self.seen == self.batches:
            raise SimulatedCrash(f"after {self.seen} batches")

    def finish(self) -> None:
        pass


def test_up_pages_every_agent_and_down_gives_the_same_session_back(db: PageHarness) -> None:
    ttl = timedelta(days=3650)  # the dates are fixed: a short ttl would have expired them
    original = as_read(long_session(ttl=ttl))
    db.insert([original])

    up = migrate_up(**db.args())

    assert up.ok and [s.migrated for s in up.steps] == [0, 1]
    assert up.steps[1].pages_written == 4
    session = db.all()["long-1"]
    pages = list(db.pages().values())
    assert session["schema_version"] == 2
    assert session["size_bytes"] == len(bson.encode(session))  # no longer the whole conversation
    assert session["size_bytes"] < original["size_bytes"] // 5
    counters = {
        key: (a["paged_count"], a["page_count"], len(a["messages"]), a["rev"])
        for key, a in session["agents"].items()
    }
    # 100 messages a page for chat; 52 (256 KiB) for tools' 5 KB messages; short stays inline.
    assert counters == {"chat": (200, 2, 30, 0), "tools": (104, 2, 11, 0), "short": (0, 0, 5, 0)}
    lease = session["expires_at"] + ttl
    for key, agent in session["agents"].items():
        assert visible_messages(session, key, pages) == original["agents"][key]["messages"]
        assert agent["recent_bytes"] == sum(len(bson.encode(m)) + 12 for m in agent["messages"])
        assert len(agent["incarnation"]) == 16
    for page in pages:
        assert page["_id"].startswith(f"long-1/{page['agent_key']}/{page['incarnation']}/")
        assert page["count"] == page["end_id"] - page["first_id"] == len(page["messages"])
        assert page["bytes"] == sum(len(bson.encode(m)) + 12 for m in page["messages"])
        assert page["expires_at"] == lease  # outlives its session by one ttl
    assert {"page_window", "expires_at_ttl"} <= db.index_names(PAGES)
    status = migration_status(**db.args())
    assert (status.counts, status.pending, status.pages) == ({2: 1}, 0, 4)

    down = migrate_down(**db.args())

    assert down.ok and down.steps[0].migrated == 1 and down.steps[0].pages_deleted == 4
    assert db.all() == {"long-1": original}
    assert db.pages() == {}


def test_a_rerun_writes_the_same_pages_and_a_crash_before_the_session_write_heals(
    db: PageHarness,
) -> None:
    if os.environ.get("MSM_TEST_BACKEND", "").lower() == "mock":
        pytest.skip("mongomock has no fail points (configureFailPoint); proved on the wire server")
    db.insert([as_read(long_session())])
    # The sessions' `update` fails once, after the pages were written: a crash between the two.
    db.command(fail_point("update", namespace=f"{db.database}.{COLLECTION}"))
    with pytest.raises(OperationFailure, match="failpoint"):
        migrate_up(**db.args())
    assert db.all()["long-1"]["schema_version"] == 1  # v1 code still reads it whole
    stray = db.pages()
    assert len(stray) == 4

    report = migrate_up(**db.args())

    assert report.ok and report.steps[1].migrated == 1
    pages = db.pages()
    assert set(pages) == set(stray)  # the same ids: rewritten, never duplicated
    session = db.all()["long-1"]
    for key in session["agents"]:
        assert (
            visible_messages(session, key, list(pages.values()))
            == (long_session()["agents"][key]["messages"])
        )
    again = migrate_up(**db.args())
    assert again.migrated == 0 and again.steps[1].pages_written == 0
    assert db.pages() == pages


def test_a_session_changed_during_the_migration_leaves_no_orphan_pages(
    db: PageHarness,
) -> None:
    from mongodb_session_manager.migrations import MigrationRunner

    class Meddler(MigrationRunner):
        async def _read_batch(self, collection_name: str, query: Any, after: Any) -> Any:
            batch = await super()._read_batch(collection_name, query, after)
            if batch and batch[0].document.get("schema_version") == 1:
                # An old-version writer appends right after the read: the CAS will miss.
                await self.pool.collection(self.database_name, collection_name).update_one(
                    {"_id": "long-1"},
                    {"$set": {"updated_at": batch[0].document["updated_at"] + timedelta(1)}},
                )
            return batch

    db.insert([as_read(long_session())])

    report = db.pool.run(Meddler(db.pool, db.database, COLLECTION).up())

    assert report.ok and report.steps[1].migrated == 1
    step = report.steps[1]
    assert (step.pages_written, step.pages_deleted) == (8, 4)  # first attempt's pages removed
    session = db.all()["long-1"]
    pages = db.pages()
    assert len(pages) == 4
    assert {p["incarnation"] for p in pages.values()} <= {
        a["incarnation"] for a in session["agents"].values()
    }


def test_interrupted_run_resumes_to_the_same_result(db: PageHarness) -> None:
    documents = [
        as_read(v1_session(f"s-{i:02d}", {"a": v1_agent("a", 150), "b": v1_agent("b", 3)}))
        for i in range(10)
    ]
    db.insert(documents)

    with pytest.raises(SimulatedCrash):
        migrate_up(**db.args(batch_size=3, progress=CrashAfter(2)))
    assert sum(d["schema_version"] == 2 for d in db.all().values()) == 6

    report = migrate_up(**db.args(batch_size=3))

    assert report.steps[1].migrated == 4
    expected = [v1_to_v2(document) for document in documents]
    assert db.all() == {c.document["_id"]: as_read(c.document) for c in expected}
    assert db.pages() == {p["_id"]: as_read(p) for c in expected for p in c.pages}


def test_dry_run_writes_nothing(db: PageHarness) -> None:
    db.insert([as_read(long_session())])
    before = db.all()

    report = migrate_up(**db.args(dry_run=True))

    assert report.dry_run and report.steps[1].migrated == 1
    assert db.all() == before and db.pages() == {}


def test_reference_sessions_reach_schema_2_with_their_pages(db: PageHarness) -> None:
    long_ref = small_legacy_session(7)
    long_ref["agents"]["default"]["messages"] = [
        message(i, "user" if i % 2 == 0 else "assistant", [{"text": f"turn {i}"}], i / 10)
        for i in range(250)
    ]
    documents = [long_ref, *(small_legacy_session(i) for i in range(3))]
    db.insert(documents)

    report = migrate_up(**db.args(batch_size=2))

    # One pass per step: 0 -> 1, then 1 -> 2.
    assert [(s.migration, s.migrated) for s in report.steps] == [
        ("m0001_reference_import", 4),
        ("m0002_message_pages", 4),
    ]
    expected = [v1_to_v2(reference_to_v1(as_stored(d))) for d in documents]
    stored = db.all()
    for converted in expected:
        assert stored[converted.document["_id"]] == as_read(converted.document)
    pages = db.pages()
    assert pages == {p["_id"]: as_read(p) for c in expected for p in c.pages}
    assert len(pages) == 2
    agent = stored["bulk-00007"]["agents"]["default"]
    assert (agent["paged_count"], len(agent["messages"])) == (200, 50)


def test_up_drops_the_session_id_unique_index(db: PageHarness) -> None:
    db.create_index(COLLECTION, [("session_id", 1)], name="session_id_unique", unique=True)
    db.insert([as_read(long_session())])

    report = migrate_up(**db.args())

    assert report.ok and report.warnings == []
    names = db.index_names()
    assert "session_id_unique" not in names
    assert all(name == "_id_" or not name.startswith("session_id") for name in names), (
        names
    )  # only _id is unique: shardable on SHARD_KEYS["sessions"]
    assert SHARD_KEYS["sessions"] == {"_id": "hashed"}


def test_a_session_too_long_for_schema_1_stays_at_2_and_is_reported(db: PageHarness) -> None:
    # 70 messages of 250 KB: 17 MB, more than a schema 1 document can hold.
    huge = v1_session("huge", {"big": v1_agent("big", 70, text_bytes=250_000)})
    converted = v1_to_v2(huge)  # built directly: no schema 1 document this big can be stored
    short = v1_to_v2(as_read(long_session()))
    db.insert([converted.document, short.document])
    db.insert([*converted.pages, *short.pages], collection=PAGES)

    report = migrate_down(**db.args(max_batch_bytes=2 * 1024 * 1024))

    step = report.steps[0]
    assert (step.migrated, step.failed) == (1, 1)
    assert step.failures[0].session_id == "huge"
    assert "too long for schema 1" in step.failures[0].error
    stored = db.all()
    assert stored["huge"]["schema_version"] == 2 and stored["long-1"]["schema_version"] == 1
    remaining = db.pages()
    assert len(remaining) == len(converted.pages)  # huge keeps its pages, long-1's are gone
    assert {p["session_id"] for p in remaining.values()} == {"huge"}


def test_down_holds_sessions_and_their_pages_within_max_batch_bytes(db: PageHarness) -> None:
    converted = [
        v1_to_v2(as_read(v1_session(f"w-{i}", {"t": v1_agent("t", 115, text_bytes=5_000)})))
        for i in range(6)
    ]  # each: a ~65 KB session and ~530 KB of pages
    db.insert([c.document for c in converted])
    db.insert([p for c in converted for p in c.pages], collection=PAGES)
    bound = 700 * 1024

    report = migrate_down(**db.args(batch_size=10, max_batch_bytes=bound))

    step = report.steps[0]
    assert step.migrated == 6 and step.batches == 1  # one read of the six sessions ...
    assert step.max_batch_bytes <= bound  # ... converted a part at a time
    assert db.pages() == {}
    assert all(len(d["agents"]["t"]["messages"]) == 115 for d in db.all().values())


def test_with_transactions_the_pages_and_sessions_land_together(
    db: PageHarness, msm_backend: Any
) -> None:
    if msm_backend.kind == "mock":
        pytest.skip("mongomock-motor has no sessions or transactions")
    db.insert([as_read(long_session())])

    report = migrate_up(**db.args(transactions=True))

    assert report.ok and report.steps[1].transactions and report.steps[1].migrated == 1
    session = db.all()["long-1"]
    pages = list(db.pages().values())
    for key in session["agents"]:
        assert visible_messages(session, key, pages) == long_session()["agents"][key]["messages"]


def test_the_library_reads_migrated_sessions_whole(
    db: PageHarness, factory: MongoDBSessionManagerFactory
) -> None:
    original = as_read(long_session())
    db.insert([original])
    assert migrate_up(**db.args()).ok
    store = factory.repository.store

    full = factory.pool.run(store.read_full_document("long-1"))
    window = factory.pool.run(store.read_messages("long-1", "chat", offset=150, limit=100))

    assert full is not None
    for key, agent in original["agents"].items():
        assert full["agents"][key]["messages"] == agent["messages"]
    assert window == original["agents"]["chat"]["messages"][150:250]  # across a page and recent


def _with_values(session_id: str, image: bytes, text: str) -> tuple[dict[str, Any], list[Any]]:
    """A schema 2 session whose message 1 has an image and a tool text stored out of line."""
    session = v1_session(session_id, {"a": v1_agent("a", 3)})
    stored = session["agents"]["a"]["messages"][1]
    stored["content"] = [
        {"image": {"format": "png", "source": {"bytes": b""}}},
        {"toolResult": {"toolUseId": "t1", "content": [{"text": ""}], "status": "success"}},
    ]
    chunks: list[dict[str, Any]] = []
    refs = []
    for number, (path, kind, data) in enumerate(
        [
            (["content", 0, "image", "source", "bytes"], "bytes", image),
            (["content", 1, "toolResult", "content", 0, "text"], "text", text.encode()),
        ]
    ):
        blob_id = hashlib.sha256(f"{session_id}/{number}".encode()).hexdigest()[:24]
        parts = [data[i : i + BLOB_CHUNK_BYTES] for i in range(0, len(data), BLOB_CHUNK_BYTES)]
        chunks += [
            {
                "_id": blob_chunk_id(blob_id, n),
                "session_id": session_id,
                "blob_id": blob_id,
                "n": n,
                "data": Binary(part),
            }
            for n, part in enumerate(parts)
        ]
        refs.append(
            {
                "path": path,
                "blob_id": blob_id,
                "kind": kind,
                "size": len(data),
                "sha256": hashlib.sha256(data).hexdigest(),
                "chunks": len(parts),
            }
        )
    stored["blobs"] = refs
    return v1_to_v2(session).document, chunks


def test_down_puts_out_of_line_values_back_in_their_messages(db: PageHarness) -> None:
    image, text = bytes(range(256)) * 9000, "result line\n" * 200_000  # 2.3 MB and 2.4 MB
    document, chunks = _with_values("valued", image, text)
    damaged, damaged_chunks = _with_values("damaged", image, text)
    damaged_chunks[0]["data"] = Binary(b"x" * len(damaged_chunks[0]["data"]))
    db.insert([document, damaged])
    db.insert([*chunks, *damaged_chunks], collection=blobs_collection(COLLECTION))

    report = migrate_down(**db.args())

    step = report.steps[0]
    assert (step.migrated, step.failed) == (1, 1)
    assert "damaged" in step.failures[0].error and step.failures[0].session_id == "damaged"
    message = db.all()["valued"]["agents"]["a"]["messages"][1]
    assert "blobs" not in message
    assert message["content"][0]["image"]["source"]["bytes"] == image
    assert message["content"][1]["toolResult"]["content"][0]["text"] == text
    left = db.all(blobs_collection(COLLECTION))
    assert {chunk["session_id"] for chunk in left.values()} == {"damaged"}  # kept with it


def test_copying_a_mixed_collection_to_schema_2_takes_every_version(db: PageHarness) -> None:
    db.insert([as_read(long_session("v1-session")), small_legacy_session(3)])
    source_before = db.all()

    report = migrate_up(**db.args(target_collection="next"))

    # Reference documents are copied, then paged in the target; version 1 ones are copied paged.
    assert [(s.migration, s.collection, s.migrated) for s in report.steps] == [
        ("m0001_reference_import", COLLECTION, 1),
        ("m0002_message_pages", "next", 1),
        ("m0002_message_pages", COLLECTION, 1),
    ]
    assert db.all() == source_before and db.pages() == {}
    copied = db.all("next")
    assert {d["schema_version"] for d in copied.values()} == {2}
    assert len(db.pages("next_pages")) == 4
    assert copied["v1-session"] == as_read(v1_to_v2(as_read(long_session("v1-session"))).document)
