"""Page roll-over under injected faults: a failure or a crash between its writes loses and
duplicates nothing (``configureFailPoint`` on the real server, no driver mock)."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest
from pymongo.errors import OperationFailure

from mongodb_session_manager import MongoDBSessionManagerFactory
from mongodb_session_manager.errors import SessionManagerError
from mongodb_session_manager.models.pages import PagePolicy
from mongodb_session_manager.store.sessions import SessionStore
from mongodb_session_manager.testing import MongoBackend
from tests.helpers.fail_points import fail_point
from tests.store.test_pages import append, ids, message, pages, run, start, stored

POLICY = PagePolicy(page_messages=4, page_bytes=10**9)


@pytest.fixture
def store(
    factory: MongoDBSessionManagerFactory, msm_backend: MongoBackend
) -> Iterator[SessionStore]:
    if msm_backend.kind != "wire":
        pytest.skip("fail points need a MongoDB wire server (mongomock has none)")
    store = factory.repository.store.with_settings(page_policy=POLICY)
    try:
        fail_next(store, "ping", times=0)
    except Exception as exc:  # a real MongoDB without test commands enabled
        pytest.skip(f"configureFailPoint is not available here: {type(exc).__name__}")
    yield store
    fail_next(store, "ping", times=0)


def fail_next(
    store: SessionStore, command: str, *, namespace: str | None = None, times: int = 1
) -> None:
    """Make the server fail the next ``times`` ``command``s (on ``namespace``).

    With a server error that no driver retries (8, UnknownError): the write fails
    as it would if the database broke mid-turn, on mongoeco and MongoDB alike.
    """
    point = fail_point(command, namespace=namespace, times=times, error_code=8, error_labels=[])
    run(store, store.pool.client().admin.command(point))


def pages_namespace(store: SessionStore) -> str:
    return f"{store.database_name}.{store.pages.collection_name}"


def sessions_namespace(store: SessionStore) -> str:
    return f"{store.database_name}.{store.collection_name}"


def test_a_failed_page_write_keeps_the_message_and_the_next_append_seals_again(
    store: SessionStore,
) -> None:
    start(store, "pf-1")
    append(store, "pf-1", 0, 3)
    fail_next(store, "update", namespace=pages_namespace(store))
    run(store, store.append("pf-1", "a", message(3)))  # seal: stored; its page write fails
    assert ids(store, "pf-1") == [0, 1, 2, 3] and pages(store, "pf-1") == []
    append(store, "pf-1", 4, 11)
    assert ids(store, "pf-1") == list(range(11))
    assert stored(store, "pf-1")["paged_count"] >= 5  # the re-sealed page (0..4) committed


def test_a_failed_commit_is_the_appends_error_and_its_retry_commits_once(
    store: SessionStore,
) -> None:
    start(store, "pf-2")
    append(store, "pf-2", 0, 4)  # sealed, page written
    fail_next(store, "update", namespace=sessions_namespace(store))
    with pytest.raises(OperationFailure):
        run(store, store.append("pf-2", "a", message(4)))
    assert ids(store, "pf-2") == [0, 1, 2, 3]  # not stored, nothing committed
    assert stored(store, "pf-2")["paged_count"] == 0
    run(store, store.append("pf-2", "a", message(4)))
    append(store, "pf-2", 5, 9)
    assert ids(store, "pf-2") == list(range(9))
    assert stored(store, "pf-2")["paged_count"] == 8  # pages 0..3 and 4..7, each once


@pytest.mark.parametrize("crash_after", ["seal", "page", "commit"])
def test_a_crash_between_the_writes_of_a_roll_over_loses_nothing(
    store: SessionStore, crash_after: str
) -> None:
    start(store, f"pf-3-{crash_after}")
    session_id = f"pf-3-{crash_after}"
    append(store, session_id, 0, 3)
    if crash_after == "seal":
        fail_next(store, "update", namespace=pages_namespace(store))
        append(store, session_id, 3, 4)  # sealed; the page never written
    elif crash_after == "page":
        append(store, session_id, 3, 4)  # sealed and written; the commit never sent
    else:
        append(store, session_id, 3, 5)  # committed
    # The process dies here: a new one (nothing known) goes on for three more pages.
    survivor = store.with_settings()
    append(survivor, session_id, len(ids(survivor, session_id)), 18)
    assert ids(survivor, session_id) == list(range(18))
    assert ids(store.with_settings(), session_id) == list(range(18))
    texts = [
        m["content"][0]["text"] for m in run(survivor, survivor.read_messages(session_id, "a"))
    ]
    assert texts == [f"hi {i}" for i in range(18)]


def test_random_faults_crashes_and_redactions_keep_the_read_view_exact(
    store: SessionStore,
) -> None:
    rng = random.Random(1602)
    start(store, "pf-4")
    model: list[str] = []
    redacted: set[int] = set()
    writer = store
    for step in range(160):
        roll = rng.random()
        if roll < 0.08:
            writer = store.with_settings()  # a crash: a new process takes over
        elif roll < 0.16:
            target = rng.choice(["pages", "sessions"])
            namespace = pages_namespace(store) if target == "pages" else sessions_namespace(store)
            command = rng.choice(["update", "findAndModify"])
            fail_next(store, command, namespace=namespace)
        elif roll < 0.24 and model:
            message_id = rng.randrange(len(model))
            redact = {"role": "user", "content": [{"text": f"[redacted {message_id}]"}]}
            try:
                run(writer, writer.update_message("pf-4", "a", message_id, redact))
            except (SessionManagerError, OperationFailure):
                pass  # a fail point hit it: nothing stored, the model keeps it unredacted
            else:
                redacted.add(message_id)
        else:
            try:
                run(writer, writer.append("pf-4", "a", message(len(model), f"step {step}")))
            except (SessionManagerError, OperationFailure):
                writer = store.with_settings()  # as a manager would reload
            else:
                model.append(f"step {step} {len(model)}")
        fail_next(store, "ping", times=0)
        found = run(store.with_settings(), store.with_settings().read_messages("pf-4", "a"))
        assert [m["message_id"] for m in found] == list(range(len(model))), f"step {step}"
        assert [m["content"][0]["text"] for m in found] == model, f"step {step}"
        assert {m["message_id"] for m in found if m.get("redact_message")} == redacted
    assert stored(store, "pf-4")["page_count"] >= 10
