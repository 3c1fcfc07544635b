"""Hostile input on every library surface, against the real wire server.

The property everywhere: the input is stored and reads back equal, or it is
refused with the library's typed error, the stored document is unchanged and
the live agent still holds exactly what is stored. Never a raw driver error.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import event, given
from hypothesis import strategies as st
from strands import Agent

from mongodb_session_manager import (
    InvalidIdentifierError,
    InvalidInputError,
    MongoDBSessionManager,
    MongoDBSessionManagerFactory,
    SessionManagerError,
)
from mongodb_session_manager.testing import MongoBackend, ScriptedModel
from tests.fuzz.fuzz_strategies import keys, plain_keys, plain_values, text, values
from tests.helpers.store import raw_collection

Raw = Callable[[str], Any]
FreshId = Callable[[str], str]


@pytest.fixture(autouse=True)
def wire_server(msm_backend: MongoBackend) -> None:
    if msm_backend.uri is None:
        pytest.skip("the fuzz suite runs against a wire server (mongomock-motor is in process)")


def equal(left: Any, right: Any) -> bool:
    """Deep equality: NaN equals itself, bools are not ints, dict order is free.

    MongoDB's ``$set`` applies new fields in lexicographic order, so metadata keys
    may come back reordered; message content is pushed whole and keeps its order.
    """
    if isinstance(left, float) and isinstance(right, float):
        return left == right or (math.isnan(left) and math.isnan(right))
    if isinstance(left, dict) and isinstance(right, dict):
        return set(left) == set(right) and all(equal(left[k], right[k]) for k in left)
    if isinstance(left, bool) or isinstance(right, bool):
        return type(left) is type(right) and left == right
    if isinstance(left, int) and isinstance(right, int):  # bson.Int64 is an int
        return int(left) == int(right)
    if isinstance(left, list | tuple) and isinstance(right, list | tuple):
        return len(left) == len(right) and all(map(equal, left, right))
    return type(left) is type(right) and left == right


def contents(messages: list[Any]) -> list[tuple[str, Any]]:
    return [(m["role"], m["content"]) for m in messages]


def stored_or_refused(write: Callable[[], Any], raw: Raw, session_id: str) -> bool:
    """Run ``write``: True if it was stored; False if refused (typed, store unchanged)."""
    before = raw(session_id)
    try:
        write()
    except SessionManagerError as exc:
        event("refused")
        assert isinstance(exc, InvalidInputError), exc
        assert raw(session_id) == before
        return False
    event("stored")
    return True


# ---------------------------------------------------------------- metadata


@given(update=st.dictionaries(st.one_of(plain_keys, keys), values, min_size=1, max_size=2))
def test_metadata_is_stored_equal_or_refused_unchanged(
    factory: MongoDBSessionManagerFactory, raw: Raw, fresh_id: FreshId, update: dict[str, Any]
) -> None:
    manager = factory.create_session_manager(fresh_id("meta"))
    try:
        manager.update_metadata({"kept": 1})
        if not stored_or_refused(lambda: manager.update_metadata(update), raw, manager.session_id):
            return
        stored = manager.get_metadata()["metadata"]  # the reference shape: {"_id", "metadata"}
        for key, value in update.items():
            target: Any = stored
            for segment in key.split("."):  # a dotted key is a path, on purpose
                target = target[segment]
            assert equal(target, value)
        assert stored["kept"] == 1
    finally:
        manager.close()


@given(update=st.dictionaries(plain_keys, plain_values, min_size=1, max_size=3))
def test_plain_metadata_is_always_accepted(
    factory: MongoDBSessionManagerFactory, fresh_id: FreshId, update: dict[str, Any]
) -> None:
    with factory.create_session_manager(fresh_id("plain")) as manager:
        manager.update_metadata(update)
        assert equal(manager.get_metadata()["metadata"], update)


# ---------------------------------------------------------------- feedback


@given(
    rating=st.one_of(st.sampled_from(["up", "down", None]), st.just("up"), text),
    comment=text,
    message_id=st.one_of(
        st.none(),
        st.integers(min_value=0, max_value=1000),
        st.integers(min_value=-3, max_value=2**80),
        st.floats(),
    ),
    agent_id=st.one_of(st.none(), text),
)
def test_feedback_is_stored_equal_or_refused_unchanged(
    factory: MongoDBSessionManagerFactory,
    raw: Raw,
    fresh_id: FreshId,
    rating: Any,
    comment: str,
    message_id: Any,
    agent_id: Any,
) -> None:
    feedback = {"rating": rating, "comment": comment, "message_id": message_id}
    if agent_id is not None:
        feedback["agent_id"] = agent_id
    with factory.create_session_manager(fresh_id("feedback")) as manager:
        if not stored_or_refused(lambda: manager.add_feedback(feedback), raw, manager.session_id):
            return
        [stored] = manager.get_feedbacks()
        assert (stored.rating, stored.comment, stored.agent_id) == (rating, comment, agent_id)
        assert stored.message_id == message_id


# ---------------------------------------------------------------- session and agent ids


@given(session_id=text, agent_id=text)
def test_ids_round_trip_or_are_refused_before_any_write(
    factory: MongoDBSessionManagerFactory, session_id: str, agent_id: str
) -> None:
    collection = raw_collection(factory.repository)

    async def count() -> int:
        return int(await collection.count_documents({}))

    documents = factory.pool.run(count())
    try:
        manager = factory.create_session_manager(session_id)
    except InvalidIdentifierError:
        event("session id refused")
        assert factory.pool.run(count()) == documents
        return
    try:
        factory.repository.delete_session(session_id)  # start afresh: ids repeat across examples
        manager.close()
        manager = factory.create_session_manager(session_id)
        try:
            agent = Agent(
                model=ScriptedModel(["reply"]),
                agent_id=agent_id,
                session_manager=manager,
                callback_handler=None,
            )
        except InvalidIdentifierError:
            event("agent id refused")
            return
        except ValueError as exc:  # Strands' own rule: no path separators in ids
            assert "path separators" in str(exc), exc
            event("agent id refused by Strands")
            return
        event("stored")
        agent("question")
        resumed = Agent(
            model=ScriptedModel(),
            agent_id=agent_id,
            session_manager=factory.create_session_manager(session_id),
            callback_handler=None,
        )
        assert contents(resumed.messages) == contents(agent.messages)
    finally:
        manager.close()


# ---------------------------------------------------------------- message content


blocks = st.one_of(
    text.map(lambda t: {"text": t}),
    values.map(lambda v: {"json": v}),
    st.tuples(st.sampled_from(["success", "error"]), values, text).map(
        lambda r: {
            "toolResult": {
                "toolUseId": "tool-1",
                "status": r[0],
                "content": [{"json": r[1]}, {"text": r[2]}],
            }
        }
    ),
)


@given(content=st.lists(blocks, min_size=1, max_size=3))
def test_a_message_is_stored_equal_or_refused_with_memory_equal_to_the_store(
    factory: MongoDBSessionManagerFactory, raw: Raw, fresh_id: FreshId, content: list[Any]
) -> None:
    manager: MongoDBSessionManager = factory.create_session_manager(fresh_id("content"))
    try:
        agent = Agent(model=ScriptedModel(["r0"]), session_manager=manager, callback_handler=None)
        agent("q0")
        message = {"role": "user", "content": content}
        agent.messages.append(message)  # type: ignore[arg-type]  # as Strands does before its hook
        stored_or_refused(
            lambda: manager.append_message(message, agent),  # type: ignore[arg-type]
            raw,
            manager.session_id,
        )
        listed = factory.repository.list_messages(manager.session_id, "default")
        assert equal(contents(agent.messages), contents([m.message for m in listed]))
    finally:
        manager.close()
