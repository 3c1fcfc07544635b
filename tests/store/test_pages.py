"""Message pages: a long conversation rolls over into ``<collection>_pages``, reads back whole."""

from __future__ import annotations

from collections.abc import Coroutine
from datetime import timedelta
from typing import Any, TypeVar

import pytest
from strands.types.session import Session, SessionType

from mongodb_session_manager import MongoDBSessionManagerFactory
from mongodb_session_manager.errors import SessionConflictError
from mongodb_session_manager.models import storage_key
from mongodb_session_manager.models.pages import PagePolicy, pages_collection
from mongodb_session_manager.store.sessions import SessionStore

T = TypeVar("T")
POLICY = PagePolicy(page_messages=5, page_bytes=10**9)


@pytest.fixture
def store(factory: MongoDBSessionManagerFactory) -> SessionStore:
    return factory.repository.store.with_settings(page_policy=POLICY)


def run(store: SessionStore, coro: Coroutine[Any, Any, T]) -> T:
    return store.runner.run(coro)


def message(message_id: int, text: str = "hi") -> dict[str, Any]:
    return {"message_id": message_id, "role": "user", "content": [{"text": f"{text} {message_id}"}]}


def start(store: SessionStore, session_id: str, history: int = 0) -> None:
    session = Session(session_id=session_id, session_type=SessionType.AGENT)
    assert run(store, store.create_session(session)) is True
    document = {
        "agent_id": "a",
        "message_count": history,
        "messages": [message(i) for i in range(history)],
        "state": {},
    }
    run(store, store.create_agent(session_id, document))


def append(store: SessionStore, session_id: str, first: int, last: int) -> None:
    for i in range(first, last):
        run(store, store.append(session_id, "a", message(i)))


def ids(
    store: SessionStore, session_id: str, offset: int = 0, limit: int | None = None
) -> list[int]:
    found = run(store, store.read_messages(session_id, "a", offset, limit))
    return [m["message_id"] for m in found]


def stored(store: SessionStore, session_id: str) -> dict[str, Any]:
    raw = run(store, store.find_one({"_id": session_id}))
    assert raw is not None
    agent: dict[str, Any] = raw["agents"][storage_key("a")]
    return agent


def pages(store: SessionStore, session_id: str) -> list[dict[str, Any]]:
    async def read() -> list[dict[str, Any]]:
        rows = store.pages.collection().find({"session_id": session_id}).sort("first_id", 1)
        found: list[dict[str, Any]] = await rows.to_list(None)
        return found

    return run(store, read())


def test_a_long_conversation_rolls_over_and_reads_back_once_in_order(store: SessionStore) -> None:
    start(store, "pg-1")
    append(store, "pg-1", 0, 23)
    agent = stored(store, "pg-1")
    assert agent["message_count"] == 23
    assert agent["paged_count"] == 20 and agent["page_count"] == 4
    assert [m["message_id"] for m in agent["messages"]] == [20, 21, 22]
    assert [(p["first_id"], p["count"]) for p in pages(store, "pg-1")] == [
        (0, 5),
        (5, 5),
        (10, 5),
        (15, 5),
    ]
    assert ids(store, "pg-1") == list(range(23))
    assert ids(store, "pg-1", 3, 9) == list(range(3, 12))
    assert ids(store, "pg-1", 18, 4) == [18, 19, 20, 21]
    assert ids(store, "pg-1", 22) == [22]
    assert ids(store, "pg-1", 30) == []
    contents = run(store, store.read_messages("pg-1", "a", 7, 1))
    assert contents[0]["content"] == [{"text": "hi 7"}]


@pytest.mark.usefixtures("needs_command_monitoring", "no_global_listeners")
def test_each_message_is_one_write_and_each_page_one_more(store: SessionStore) -> None:
    start(store, "pg-2")
    with store.pool.command_stats.capture() as log:
        append(store, "pg-2", 0, 20)
    writes = [c for c in log.commands if c in ("update", "findAndModify")]
    # 20 message writes, and 3 page writes for pages 0, 5, 10 (page 15's seal, at
    # message 19, was written too: its commit rides on message 20).
    assert len(writes) == 20 + 4
    assert log.commands.count("findAndModify") == 4  # the seals (the message's own write)
    with store.pool.command_stats.capture() as plain:
        run(store, store.append("pg-2", "a", message(20)))  # the commit
        run(store, store.append("pg-2", "a", message(21)))
    assert plain.commands == ["update", "update"]


@pytest.mark.usefixtures("needs_command_monitoring", "no_global_listeners")
def test_a_resume_reads_its_window_in_one_read_after_the_agents_fields(
    store: SessionStore,
) -> None:
    start(store, "pg-3")
    append(store, "pg-3", 0, 48)
    fresh = store.with_settings()  # a new process: nothing known
    with fresh.pool.command_stats.capture() as log:
        assert run(fresh, fresh.read_agent("pg-3", "a")) is not None
        assert [m["message_id"] for m in run(fresh, fresh.read_messages("pg-3", "a", 38))] == (
            list(range(38, 48))
        )
    assert len(log.commands) == 2  # the fields, then one read of pages and recent together
    with fresh.pool.command_stats.capture() as recent:
        assert ids(fresh, "pg-3", 46) == [46, 47]
    assert recent.commands == ["find"]


def test_an_agent_created_with_a_long_history_is_paged_at_once(store: SessionStore) -> None:
    start(store, "pg-4", history=17)
    agent = stored(store, "pg-4")
    assert agent["paged_count"] == 15 and len(agent["messages"]) == 2
    assert ids(store, "pg-4") == list(range(17))
    append(store, "pg-4", 17, 26)
    assert ids(store, "pg-4") == list(range(26))


def test_a_new_writer_after_a_crash_loses_and_duplicates_nothing(store: SessionStore) -> None:
    start(store, "pg-5")
    append(store, "pg-5", 0, 5)  # sealed and page written, not committed
    assert stored(store, "pg-5")["paged_count"] == 0 and len(pages(store, "pg-5")) == 1
    other = store.with_settings()  # the first process is gone; this one knows nothing
    append(other, "pg-5", 5, 17)
    assert ids(other, "pg-5") == list(range(17))
    assert ids(store.with_settings(), "pg-5") == list(range(17))
    firsts = [p["first_id"] for p in pages(other, "pg-5")]
    assert len(firsts) == len(set(firsts))


def test_two_writers_at_once_one_wins_nothing_is_lost(store: SessionStore) -> None:
    start(store, "pg-6")
    other = store.with_settings()
    append(store, "pg-6", 0, 4)
    run(other, other.read_agent("pg-6", "a"))
    append(store, "pg-6", 4, 5)  # a seal
    with pytest.raises(SessionConflictError):
        run(other, other.append("pg-6", "a", message(4, "late")))
    append(store, "pg-6", 5, 9)
    assert ids(store, "pg-6") == list(range(9))
    assert all(
        "late" not in m["content"][0]["text"] for m in run(store, store.read_messages("pg-6", "a"))
    )


def test_a_redaction_reaches_a_paged_message_and_one_between_seal_and_commit(
    store: SessionStore,
) -> None:
    start(store, "pg-7")
    append(store, "pg-7", 0, 12)  # pages 0-4, 5-9 committed; recent 10, 11
    redact = {"role": "assistant", "content": [{"text": "[redacted]"}]}
    run(store, store.update_message("pg-7", "a", 2, redact))
    append(store, "pg-7", 12, 15)  # 10..14 sealed into a page, not committed yet
    run(store, store.update_message("pg-7", "a", 13, redact))  # moves rev: the commit is stale
    append(store, "pg-7", 15, 22)
    found = {m["message_id"]: m for m in run(store, store.read_messages("pg-7", "a"))}
    assert sorted(found) == list(range(22))
    assert found[2]["redact_message"] == redact
    assert found[13]["redact_message"] == redact
    assert stored(store, "pg-7")["paged_count"] >= 15
    page = next(p for p in pages(store, "pg-7") if p["first_id"] == 10)
    assert [m.get("redact_message") for m in page["messages"] if m["message_id"] == 13] == [redact]


def test_deleting_sessions_deletes_their_pages(store: SessionStore) -> None:
    start(store, "pg-8")
    start(store, "pg-9")
    append(store, "pg-8", 0, 12)
    append(store, "pg-9", 0, 12)
    assert run(store, store.delete_session("pg-8")) is True
    assert pages(store, "pg-8") == [] and len(pages(store, "pg-9")) == 2
    assert run(store, store.delete_sessions({"_id": {"$in": ["pg-9"]}})) == 1
    assert pages(store, "pg-9") == []


def test_a_recreated_session_never_sees_the_old_pages(store: SessionStore) -> None:
    start(store, "pg-10")
    append(store, "pg-10", 0, 12)
    run(store, store.delete_many({"_id": "pg-10"}))  # as the TTL monitor would: pages stay
    start(store, "pg-10")
    append(store, "pg-10", 0, 12)
    assert [m["content"][0]["text"] for m in run(store, store.read_messages("pg-10", "a"))] == [
        f"hi {i}" for i in range(12)
    ]
    assert ids(store.with_settings(), "pg-10") == list(range(12))


def test_pages_never_expire_before_their_session(store: SessionStore) -> None:
    expiring = store.with_settings(ttl=timedelta(hours=1))
    start(expiring, "pg-11")
    append(expiring, "pg-11", 0, 12)
    session = run(expiring, expiring.find_one({"_id": "pg-11"}))
    assert session is not None
    found = pages(expiring, "pg-11")
    assert found and all(p["expires_at"] >= session["expires_at"] for p in found)


def test_the_pages_collection_is_named_after_the_sessions(store: SessionStore) -> None:
    assert store.pages.collection_name == pages_collection(store.collection_name)
