"""Input rules: ``create=False``, the 16 MiB ceiling, unstorable values as typed errors.

Every refusal is :class:`InvalidInputError` (or ``SessionNotFoundError``), raised
before anything is sent, with the store unchanged.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from strands import Agent

from mongodb_session_manager import (
    InvalidInputError,
    MongoDBSessionManager,
    MongoDBSessionManagerFactory,
    MongoDBSessionRepository,
    SessionNotFoundError,
)
from mongodb_session_manager.testing import MongoBackend, ScriptedModel
from tests.helpers.types import MakeManager as Make
from tests.helpers.types import as_message

Raw = Callable[[str], Any]

WRITES = {"insert", "update", "findAndModify", "createIndexes", "delete"}


# ---------------------------------------------------------------- create=False


def test_create_false_on_a_missing_session_raises_and_writes_nothing(
    factory: MongoDBSessionManagerFactory, raw: Raw, msm_backend: MongoBackend
) -> None:
    with factory.pool.command_stats.capture() as log:
        with pytest.raises(SessionNotFoundError) as info:
            factory.create_session_manager("absent", create=False)
        with pytest.raises(SessionNotFoundError):
            asyncio.run(factory.create_session_manager_async("absent", create=False))
        with pytest.raises(SessionNotFoundError):
            asyncio.run(
                MongoDBSessionManager.create_async(
                    "absent", repository=factory.repository, create=False
                )
            )
    assert info.value.session_id == "absent" and "'absent' does not exist" in str(info.value)
    if msm_backend.counts_commands:
        assert log.commands == ["find", "find", "find"]
    assert not WRITES & set(log.commands)
    assert raw("absent") is None


def test_create_false_opens_an_existing_session_as_usual(new_manager: Make) -> None:
    agent = Agent(model=ScriptedModel(["hi"]), session_manager=new_manager("kept"))
    agent("hello")
    reader = Agent(model=ScriptedModel(), session_manager=new_manager("kept", create=False))
    assert [m["content"][0]["text"] for m in reader.messages] == ["hello", "hi"]


# ---------------------------------------------------------------- max_document_bytes


@pytest.mark.parametrize("limit", [16 * 1024 * 1024 + 1, 20_000_000, 0, -5, True, 1.5])
def test_a_size_limit_mongodb_would_not_honour_is_refused(
    msm_options: dict[str, Any], limit: Any
) -> None:
    with pytest.raises(InvalidInputError, match="max_document_bytes"):
        MongoDBSessionRepository(max_document_bytes=limit)
    with pytest.raises(InvalidInputError, match="max_document_bytes"):
        MongoDBSessionManagerFactory(**msm_options, max_document_bytes=limit)


def test_the_error_names_mongodbs_limit() -> None:
    with pytest.raises(InvalidInputError, match="16777216 bytes"):
        MongoDBSessionRepository(max_document_bytes=20_000_000)
    assert MongoDBSessionRepository(max_document_bytes=16 * 1024 * 1024).max_document_bytes


# ---------------------------------------------------------------- unstorable values


def nested(depth: int) -> Any:
    value: Any = "leaf"
    for _ in range(depth):
        value = {"d": value}
    return value


UNSTORABLE = {
    "nan": float("nan"),
    "inf": float("inf"),
    "-inf": [1, {"x": float("-inf")}],
    "surrogate": "bad \ud800 text",
    "int128": 2**70,
    "deep": nested(200),
}


@pytest.mark.parametrize("name", sorted(UNSTORABLE))
def test_unstorable_metadata_is_a_typed_error(
    new_manager: Make, factory: MongoDBSessionManagerFactory, raw: Raw, name: str
) -> None:
    manager = new_manager("values")
    manager.update_metadata({"ok": 1})
    before = raw("values")
    refused = pytest.raises(InvalidInputError, match=r"cannot be stored|deeper than")
    with factory.pool.command_stats.capture() as log, refused:
        manager.update_metadata({"bad": UNSTORABLE[name]})
    assert not WRITES & set(log.commands)
    assert raw("values") == before


@pytest.mark.parametrize(
    "feedback",
    [
        {"rating": "up", "comment": "bad \ud800 text"},
        {"rating": "up", "message_id": 2**70},
        {"rating": "up", "message_id": float("nan")},
        {"rating": "sideways"},
    ],
)
def test_unstorable_feedback_is_a_typed_error(
    new_manager: Make, factory: MongoDBSessionManagerFactory, raw: Raw, feedback: Any
) -> None:
    manager = new_manager("feedback")
    before = raw("feedback")
    with factory.pool.command_stats.capture() as log, pytest.raises(InvalidInputError):
        manager.add_feedback(feedback)
    assert not WRITES & set(log.commands)
    assert raw("feedback") == before


@pytest.mark.parametrize("name", sorted(UNSTORABLE))
def test_an_unstorable_message_is_refused_and_memory_matches_the_store(
    new_manager: Make, factory: MongoDBSessionManagerFactory, raw: Raw, name: str
) -> None:
    manager = new_manager("messages")
    agent = Agent(model=ScriptedModel(["r0"]), session_manager=manager, callback_handler=None)
    agent("q0")
    before = raw("messages")
    bad = as_message({"role": "user", "content": [{"text": "q1"}, {"json": UNSTORABLE[name]}]})
    if name == "surrogate":
        bad = as_message({"role": "user", "content": [{"text": UNSTORABLE[name]}]})
    agent.messages.append(bad)  # what Strands does before it calls the hook
    with pytest.raises(InvalidInputError, match="cannot be stored"):
        manager.append_message(bad, agent)
    assert raw("messages") == before
    assert [m["content"][0]["text"] for m in agent.messages] == ["q0", "r0"]
    agent("q1")  # the conversation goes on with the next id
    ids = [m.message_id for m in factory.repository.list_messages("messages", "default")]
    assert ids == [0, 1, 2, 3]


def test_unstorable_agent_state_is_refused(new_manager: Make, raw: Raw) -> None:
    manager = new_manager("state")
    agent = Agent(model=ScriptedModel(["r0"]), session_manager=manager, callback_handler=None)
    agent("q0")
    before = raw("state")
    agent.state.set("score", float("nan"))
    with pytest.raises(InvalidInputError, match="not a finite number"):
        manager.sync_agent(agent)
    assert raw("state") == before


@pytest.mark.parametrize("position", [2**70, 2**31, "3", 1.0])
def test_a_message_position_out_of_range_is_a_typed_error(
    new_manager: Make, factory: MongoDBSessionManagerFactory, position: Any
) -> None:
    new_manager("positions")
    repository = factory.repository
    with pytest.raises(InvalidInputError, match="message_id"):
        repository.read_message("positions", "default", position)
    with pytest.raises(InvalidInputError, match="offset"):
        repository.list_messages("positions", "default", offset=position)
    with pytest.raises(InvalidInputError, match="limit"):
        repository.list_messages("positions", "default", limit=position)
    with pytest.raises(InvalidInputError, match="message_id"):
        asyncio.run(repository.read_message_async("positions", "default", position))
