"""The migration runner on a real collection: batches, resume, copy, round trips."""

from __future__ import annotations

import asyncio
import signal
import threading
from typing import Any

import pytest

from mongodb_session_manager import (
    MongoDBSessionManagerFactory,
    migrate_down,
    migrate_up,
    migration_status,
)
from mongodb_session_manager.errors import MigrationError
from mongodb_session_manager.migrations import LOG_COLLECTION, MigrationRunner
from mongodb_session_manager.migrations.reference_layout import reference_to_v1
from mongodb_session_manager.models import DEFAULT_COLLECTION, utcnow
from tests.migrations.harness import Harness
from tests.migrations.legacy_fixtures import as_stored, legacy_session, small_legacy_session

COLLECTION = DEFAULT_COLLECTION  # the migrations default to the reference names


@pytest.fixture
def db(factory: MongoDBSessionManagerFactory) -> Harness:
    return Harness(factory)


def legacy_documents(count: int) -> list[dict[str, Any]]:
    return [legacy_session()] + [small_legacy_session(i) for i in range(count - 1)]


def expected_v1(document: dict[str, Any]) -> dict[str, Any]:
    return as_stored(reference_to_v1(as_stored(document)))


class SimulatedCrash(Exception):
    """The process dying half way (raised from the progress receiver)."""


class StopAfter:
    """A progress receiver that crashes the run after ``batches`` batches."""

    def __init__(self, batches: int) -> None:
        self.batches = batches
        self.seen = 0
        self.started: list[tuple[str, int]] = []

    def start(self, description: str, total: int) -> None:
        self.started.append((description, total))

    def advance(self, count: int) -> None:
        self.seen += 1
        if self.seen == self.batches:
            raise SimulatedCrash(f"after {self.seen} batches")

    def finish(self) -> None:
        pass


def test_in_place_migration_converts_every_legacy_document_once(
    db: Harness, new_manager: Any
) -> None:
    documents = legacy_documents(31)
    broken = small_legacy_session(999)
    broken["agents"]["default"]["messages"][0]["message"]["content"] = "not a list"
    db.insert([*documents, broken])
    new_manager("already-current").close()  # a session written by this library: left alone
    before_current = db.all()["already-current"]

    report = migrate_up(**db.args(batch_size=7, to_version=1))

    step = report.steps[0]
    assert (step.total, step.migrated, step.failed, step.remaining) == (32, 31, 1, 1)
    assert step.failures[0].session_id == broken["_id"]
    assert "content" in step.failures[0].error
    assert step.batches == 5 and step.max_batch_documents == 7
    stored = db.all()
    for document in documents:
        assert stored[document["_id"]] == expected_v1(document)
    assert stored[broken["_id"]] == as_stored(broken)  # left exactly as it was
    assert stored["already-current"] == before_current
    status = migration_status(**db.args())
    assert status.counts == {0: 1, 1: 31, 2: 1}
    assert status.pending == 32
    assert [(h["state"], h["migrated"], h["failed"]) for h in status.history] == [("failed", 31, 1)]


def test_dry_run_converts_and_counts_but_writes_nothing(db: Harness) -> None:
    documents = legacy_documents(12)
    db.insert(documents)
    before = db.all()

    report = migrate_up(**db.args(batch_size=5, dry_run=True))

    assert report.dry_run and report.migrated == 12 and report.failed == 0
    assert db.all() == before
    assert db.logs() == []


def test_interrupted_half_way_then_resumed_migrates_each_document_exactly_once(
    db: Harness,
) -> None:
    documents = legacy_documents(25)
    db.insert(documents)

    with pytest.raises(SimulatedCrash):
        migrate_up(**db.args(batch_size=4, to_version=1, progress=StopAfter(batches=3)))

    half = db.all()
    migrated_first = [d for d in half.values() if d.get("schema_version") == 1]
    assert len(migrated_first) == 12  # three batches of four landed, nothing else
    assert [log["state"] for log in db.logs()] == ["interrupted"]

    report = migrate_up(**db.args(batch_size=4, to_version=1))

    assert report.migrated == 25 - 12
    assert report.steps[0].already == 0
    final = db.all()
    for document in documents:
        assert final[document["_id"]] == expected_v1(document)
    for document in migrated_first:  # not converted a second time
        assert final[document["_id"]] == document
    assert [(log["state"], log["runs"]) for log in db.logs()] == [("done", 2)]


def test_copy_into_a_new_collection_leaves_the_source_and_resumes(db: Harness) -> None:
    documents = legacy_documents(20)
    db.insert(documents)
    source_before = db.all()

    with pytest.raises(SimulatedCrash):
        migrate_up(
            **db.args(batch_size=6, target_collection="v1", to_version=1, progress=StopAfter(2))
        )
    assert len(db.all("v1")) == 12
    # Simulate a crash between a batch's writes and its checkpoint: rewind the checkpoint.
    (log,) = db.logs()
    ids = sorted(d["_id"] for d in documents)
    assert log["last_id"] == ids[11]
    db.update(LOG_COLLECTION, {"_id": log["_id"]}, {"$set": {"last_id": ids[5]}})

    report = migrate_up(**db.args(batch_size=6, target_collection="v1", to_version=1))

    step = report.steps[0]
    assert step.resumed_after == ids[5]
    assert step.migrated == 8  # the eight never copied
    assert step.already == 6  # copied before the crash, found in the target, not re-written
    assert db.all() == source_before
    target = db.all("v1")
    assert len(target) == 20
    for document in documents:
        assert target[document["_id"]] == expected_v1(document)
    again = migrate_up(**db.args(batch_size=6, target_collection="v1", to_version=1))
    assert (again.migrated, again.steps[0].already) == (0, 20)


def test_forward_backward_forward_round_trips_on_the_database(db: Harness) -> None:
    documents = legacy_documents(9)
    db.insert(documents)
    legacy = db.all()

    up = migrate_up(**db.args(batch_size=4))
    first = db.all()
    down = migrate_down(**db.args(batch_size=4, to_version=0))
    assert db.all() == legacy
    up_again = migrate_up(**db.args(batch_size=4))

    # Two steps each way (reference <-> 1 <-> 2), nine documents each.
    assert (up.migrated, down.migrated, up_again.migrated) == (18, 18, 18)
    assert db.all() == first
    assert migration_status(**db.args()).counts == {2: 9}


def test_two_runners_at_once_never_convert_a_document_twice(db: Harness) -> None:
    documents = legacy_documents(30)
    db.insert(documents)

    async def both() -> list[Any]:
        runners = [MigrationRunner(db.pool, db.database, COLLECTION, batch_size=3) for _ in "ab"]
        return list(await asyncio.gather(*(runner.up(1) for runner in runners)))

    reports = db.pool.run(both())

    assert sum(report.migrated for report in reports) == 30
    assert sum(r.migrated + r.steps[0].already for r in reports) <= 60
    final = db.all()
    for document in documents:
        assert final[document["_id"]] == expected_v1(document)


class ConcurrentWriter(MigrationRunner):
    """Simulates the old application writing to a session right after the runner read it."""

    async def _read_batch(self, collection_name: str, query: Any, after: Any) -> Any:
        batch = await super()._read_batch(collection_name, query, after)
        collection = self.pool.collection(self.database_name, collection_name)
        for item in batch:
            if item.session_id == "bulk-00003" and item.document.get("schema_version") is None:
                await collection.update_one(
                    {"_id": "bulk-00003"},
                    {
                        "$push": {
                            "agents.default.messages": {
                                "message": {"role": "user", "content": [{"text": "late"}]},
                                "message_id": 4,
                                "redact_message": None,
                            }
                        },
                        "$set": {"updated_at": utcnow()},
                    },
                )
        return batch


def test_a_write_by_the_old_application_during_the_migration_is_not_lost(db: Harness) -> None:
    db.insert([small_legacy_session(i) for i in range(6)])

    writer = ConcurrentWriter(db.pool, db.database, COLLECTION, batch_size=4)
    report = db.pool.run(writer.up(1))

    assert report.migrated == 6
    migrated = db.all()["bulk-00003"]
    assert migrated["schema_version"] == 1
    assert migrated["agents"]["default"]["message_count"] == 5
    assert migrated["agents"]["default"]["messages"][4]["content"] == [{"text": "late"}]


def test_transactions_when_asked(db: Harness, msm_backend: Any) -> None:
    if msm_backend.kind == "mock":
        pytest.skip("mongomock-motor has no sessions or transactions")
    documents = legacy_documents(10)
    db.insert(documents)

    report = migrate_up(**db.args(batch_size=3, transactions=True, to_version=1))

    assert report.steps[0].transactions and report.migrated == 10
    for document in documents:
        assert db.all()[document["_id"]] == expected_v1(document)
    assert db.logs()[0]["last_id"] == max(d["_id"] for d in documents)


def test_standalone_server_runs_without_transactions(db: Harness) -> None:
    db.insert(legacy_documents(3))
    report = migrate_up(**db.args())
    assert report.steps[0].transactions is False and report.steps[0].migrated == 3


def test_memory_and_round_trips_stay_bounded_per_batch(
    db: Harness, needs_command_monitoring: None
) -> None:
    db.insert([small_legacy_session(i, padding=20_000) for i in range(60)])

    with db.pool.command_stats.capture() as log:
        report = migrate_up(**db.args(batch_size=10, max_batch_bytes=64 * 1024, to_version=1))

    step = report.steps[0]
    assert step.migrated == 60
    assert step.max_batch_documents <= 10
    # A batch stops once it holds 64 KiB: at most one document (~21 KB) past that.
    assert step.max_batch_bytes < 64 * 1024 + 25_000
    assert step.batches >= 60 * 20_000 // (64 * 1024 + 25_000)
    # Per batch: one read, one bulk write, one checkpoint; plus a constant few.
    assert log.reads <= step.batches + 4
    assert log.writes <= 2 * step.batches + 4
    assert log.round_trips <= 3 * step.batches + 8 + len(_index_commands())


def _index_commands() -> list[str]:
    from mongodb_session_manager.models import session_indexes

    return ["createIndexes"] * len(session_indexes())


def test_indexes_are_created_after_an_up(db: Harness) -> None:
    db.insert(legacy_documents(2), collection="imported")
    migrate_up(**db.args(collection_name="imported"))

    async def names() -> list[str]:
        info = await db.pool.collection(db.database, "imported").index_information()
        return sorted(info)

    assert "expires_at_ttl" in db.pool.run(names())
    assert "session_id_unique" not in db.pool.run(names())  # schema 2 retires it (sharding)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"batch_size": 0}, "batch_size"),
        ({"to_version": 7}, "version 7"),
        ({"target_collection": LOG_COLLECTION}, "cannot be a session collection"),
    ],
)
def test_bad_options_are_refused_before_any_write(
    db: Harness, kwargs: dict[str, Any], message: str
) -> None:
    db.insert(legacy_documents(2))
    before = db.all()
    with pytest.raises(MigrationError, match=message):
        migrate_up(**db.args(**kwargs))
    assert db.all() == before


def test_down_below_zero_is_refused(db: Harness) -> None:
    with pytest.raises(MigrationError, match="down to version"):
        migrate_down(**db.args(to_version=2))


class CtrlC:
    """Sends SIGINT to the main thread (a user's Ctrl-C) after the first batch.

    It then holds the batch loop until the main thread has turned the signal into
    a stop request, so the test does not depend on how soon a loaded machine
    schedules the main thread (without this, the loop could finish every batch
    before the KeyboardInterrupt is even raised).
    """

    def __init__(self) -> None:
        self.batches = 0
        self.stop_requested = threading.Event()

    def start(self, description: str, total: int) -> None:
        pass

    def advance(self, count: int) -> None:
        self.batches += 1
        if self.batches == 1:
            signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGINT)
            assert self.stop_requested.wait(120), "the main thread never handled Ctrl-C"

    def finish(self) -> None:
        pass


def test_ctrl_c_finishes_the_batch_in_progress_and_reports_an_interruption(
    db: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    db.insert(legacy_documents(20))
    ctrl_c = CtrlC()
    request_stop = MigrationRunner.request_stop

    def noted(runner: MigrationRunner) -> None:
        request_stop(runner)
        ctrl_c.stop_requested.set()

    monkeypatch.setattr(MigrationRunner, "request_stop", noted)

    report = migrate_up(**db.args(batch_size=5, progress=ctrl_c, to_version=1))

    assert report.interrupted and not report.ok
    done = [d for d in db.all().values() if d.get("schema_version") == 1]
    assert len(done) == report.migrated == 5  # exactly the batch in progress, no more
    assert db.logs()[0]["state"] == "interrupted"
    rest = migrate_up(**db.args(batch_size=5, to_version=1))
    assert rest.migrated == 20 - report.migrated
