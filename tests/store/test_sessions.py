"""``SessionStore``: the one gateway to session documents, tested on its own."""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any, TypeVar

import pytest
from strands.types.session import Session, SessionType

from mongodb_session_manager import MongoDBSessionManagerFactory
from mongodb_session_manager.errors import (
    InvalidInputError,
    SchemaVersionError,
    SessionConflictError,
    SessionNotFoundError,
    SessionTooLargeError,
)
from mongodb_session_manager.models import storage_key
from mongodb_session_manager.store.codec import agent_from
from mongodb_session_manager.store.gateway import collect_pipeline
from mongodb_session_manager.store.sessions import SessionStore
from mongodb_session_manager.store.settings import StoreSettings
from mongodb_session_manager.store.updates import merge_update

T = TypeVar("T")


@pytest.fixture
def store(factory: MongoDBSessionManagerFactory) -> SessionStore:
    return factory.repository.store


def run(store: SessionStore, coro: Coroutine[Any, Any, T]) -> T:
    return store.runner.run(coro)


def new_session(store: SessionStore, session_id: str) -> None:
    session = Session(session_id=session_id, session_type=SessionType.AGENT)
    assert run(store, store.create_session(session)) is True


def agent_doc(agent_id: str) -> dict[str, Any]:
    return {"agent_id": agent_id, "message_count": 0, "messages": [], "state": {}}


def message(message_id: int, text: str = "hi") -> dict[str, Any]:
    return {"message_id": message_id, "role": "user", "content": [{"text": text}]}


def test_the_repository_exposes_its_store(factory: MongoDBSessionManagerFactory) -> None:
    store = factory.repository.store
    assert store.database_name == factory.repository.database_name
    assert store.collection_name == factory.repository.collection_name
    assert store.runner is factory.pool


def test_create_read_append_and_slice(store: SessionStore) -> None:
    new_session(store, "st-1")
    session = Session(session_id="st-1", session_type=SessionType.AGENT)
    assert run(store, store.create_session(session)) is False  # kept as it is
    run(store, store.create_agent("st-1", agent_doc("a")))
    for position in range(5):
        run(store, store.append("st-1", "a", message(position, f"m{position}")))
    header = run(store, store.read_header("st-1", ["a"]))
    assert header is not None and header["schema_version"] >= 1
    agent = agent_from(header, storage_key("a"), "a")
    assert agent is not None and agent["message_count"] == 5
    assert "messages" not in agent
    texts = [m["content"][0]["text"] for m in run(store, store.read_messages("st-1", "a", 1, 2))]
    assert texts == ["m1", "m2"]
    assert len(run(store, store.read_messages("st-1", "a"))) == 5
    assert run(store, store.read_messages("st-1", "a", 0, 0)) == []
    assert run(store, store.read_messages("st-1", "nobody")) == []
    assert run(store, store.read_agent("st-1", "nobody")) is None
    assert run(store, store.read_header("no-such")) is None


def test_guarded_update_errors(store: SessionStore) -> None:
    new_session(store, "st-2")
    run(store, store.create_agent("st-2", agent_doc("a")))
    with pytest.raises(SessionConflictError) as conflict:
        run(store, store.append("st-2", "a", message(3)))  # the next id is 0
    assert (conflict.value.expected, conflict.value.actual) == (3, 0)
    with pytest.raises(SessionConflictError):
        run(store, store.create_agent("st-2", agent_doc("a")))  # exists already
    with pytest.raises(SessionNotFoundError):
        run(store, store.append("st-2", "b", message(0)))  # no such agent
    with pytest.raises(SessionNotFoundError):
        run(store, store.update_agent("missing", "a", {"state": {}}))  # no such session
    small = store.with_settings(max_document_bytes=1024)
    with pytest.raises(SessionTooLargeError):
        run(small, small.append("st-2", "a", message(0, "x" * 2048)))
    assert run(store, store.read_messages("st-2", "a")) == []  # nothing was written


def test_update_session_with_before_returns_old_fields(store: SessionStore) -> None:
    new_session(store, "st-3")
    update: dict[str, Any] = {"$set": {"metadata.k": 1}}
    merge_update(update, {"$inc": {"size_bytes": 10}})
    previous = run(
        store, store.update_session("st-3", update, added_bytes=10, before={"metadata": 1})
    )
    assert previous is not None and previous.get("metadata") == {}
    again = run(
        store,
        store.update_session(
            "st-3", {"$set": {"metadata.k": 2}}, added_bytes=0, before={"metadata.k": 1}
        ),
    )
    assert again is not None and again["metadata"] == {"k": 1}
    fields = run(store, store.read_fields("st-3", {"metadata": 1}))
    assert fields == {"_id": "st-3", "metadata": {"k": 2}}
    with pytest.raises(SessionNotFoundError):
        run(store, store.update_session("none", {"$set": {"x": 1}}, added_bytes=0, before={}))


def test_redaction_and_multi_agent(store: SessionStore) -> None:
    new_session(store, "st-4")
    run(store, store.create_agent("st-4", agent_doc("a")))
    run(store, store.append("st-4", "a", message(0, "secret")))
    redact = {"role": "user", "content": [{"text": "[redacted]"}]}
    paths: list[str] = []

    def extra(path: str) -> dict[str, Any]:
        paths.append(path)
        return {"$set": {f"{path}.flagged": True}}

    run(store, store.update_message("st-4", "a", 0, redact, extra))
    (stored,) = run(store, store.read_messages("st-4", "a"))
    assert stored["redact_message"] == redact and stored["flagged"] is True
    assert paths == [f"agents.{storage_key('a')}.messages.0"]
    assert run(store, store.read_multi_agent("st-4", "graph")) is None
    size = run(store, store.write_multi_agent("st-4", "graph", {"step": 1}))
    assert size > 0
    assert run(store, store.write_multi_agent("st-4", "graph", {"step": 2}, size)) == size
    assert run(store, store.read_multi_agent("st-4", "graph")) == {"step": 2}


def test_aggregate_count_ids_and_delete_many(store: SessionStore) -> None:
    for number in range(4):
        new_session(store, f"many-{number}")
    new_session(store, "other")
    rows = run(store, store.aggregate([{"$match": {"_id": {"$regex": "^many-"}}}, {"$count": "n"}]))
    assert rows == [{"n": 4}]
    assert run(store, collect_pipeline(store.collection(), [{"$limit": 1}]))
    assert run(store, store.count({"_id": {"$regex": "^many-"}})) == 4
    assert run(store, store.count(estimate=True)) >= 5
    ids = run(store, store.find_ids({"_id": {"$regex": "^many-"}}, limit=3))
    assert ids == ["many-0", "many-1", "many-2"]
    assert run(store, store.delete_sessions({"_id": {"$in": ids}})) == 3
    assert run(store, store.delete_session("many-3")) is True
    assert run(store, store.delete_session("many-3")) is False
    assert run(store, store.find_ids({"_id": {"$regex": "^many-"}})) == []


def test_read_document_checks_the_schema_version(store: SessionStore) -> None:
    assert run(store, store.replace_session("old", {"_id": "old", "session_id": "old"})) is False
    with pytest.raises(SchemaVersionError):
        run(store, store.read_document("old"))
    with pytest.raises(SchemaVersionError):
        run(store, store.read_header("old"))
    new_session(store, "fresh")
    document = run(store, store.read_document("fresh"))
    assert document is not None and document["size_bytes"] > 0
    assert run(store, store.read_document("absent")) is None


def test_settings_are_checked_once() -> None:
    with pytest.raises(InvalidInputError):
        StoreSettings(max_document_bytes=0)
    with pytest.raises(InvalidInputError):
        StoreSettings(metadata_fields=("$bad",))
    assert StoreSettings(metadata_fields=("a.b",)).with_overrides(ttl=None).metadata_fields == (
        "a.b",
    )


@pytest.mark.usefixtures("needs_command_monitoring")
def test_each_operation_is_one_round_trip(
    store: SessionStore, factory: MongoDBSessionManagerFactory
) -> None:
    new_session(store, "rt")
    run(store, store.create_agent("rt", agent_doc("a")))
    stats = factory.pool.command_stats
    with stats.capture() as log:
        run(store, store.append("rt", "a", message(0)))
        run(store, store.read_messages("rt", "a"))
        run(store, store.read_header("rt", ["a"]))
        run(
            store, store.update_session("rt", {"$set": {"metadata.k": 1}}, added_bytes=1, before={})
        )
    assert log.commands == ["update", "find", "find", "findAndModify"]
    with stats.capture() as missed, pytest.raises(SessionConflictError):
        run(store, store.append("rt", "a", message(7)))
    # A store that never read the agent learns its page counters with the write itself.
    assert missed.commands == ["findAndModify", "find"]  # the miss costs one explaining read
    with stats.capture() as indexed:
        assert run(store, store.ensure_indexes()) is False  # once per process
    assert indexed.commands == []
