"""The failure rule: after a failed write the live agent holds exactly what is stored.

Outage, lost race, size limit, unstorable tool result; sync and async agents. And
``reload``: a manager that lost a race re-reads the agent and goes on.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from strands import Agent, tool
from strands.types.content import Message
from strands.types.exceptions import EventLoopException

from mongodb_session_manager import (
    InvalidInputError,
    MongoDBSessionManagerFactory,
    SessionConflictError,
    SessionTooLargeError,
    StoreUnavailableError,
)
from mongodb_session_manager.local.data_dir import free_port
from mongodb_session_manager.testing import ScriptedModel
from tests.helpers.store import raw_collection
from tests.helpers.types import MakeManager as Make


def stored(factory: MongoDBSessionManagerFactory, session_id: str) -> list[Message]:
    return [m.message for m in factory.repository.list_messages(session_id, "default")]


def same(memory: list[Any], store: list[Any]) -> bool:
    """Role and content equal, message by message (the store adds tracking ids)."""
    return [(m["role"], m["content"]) for m in memory] == [(m["role"], m["content"]) for m in store]


def texts(messages: list[Any]) -> list[str]:
    return [next((b["text"] for b in m["content"] if "text" in b), "<tool>") for m in messages]


# ---------------------------------------------------------------- outage


class Outage:
    """A wire server on a fixed port that can be stopped and started again (same data)."""

    def __init__(self, path: Path) -> None:
        from mongodb_session_manager.local import LocalMongoServer

        self.port = free_port("127.0.0.1", 39017)
        self._server_class = LocalMongoServer
        self.path = path
        self.server = LocalMongoServer(path, port=self.port)
        self.uri = self.server.start()

    def down(self) -> None:
        self.server.stop()

    def up(self) -> None:
        self.server = self._server_class(self.path, port=self.port)
        self.server.start()


@pytest.fixture
def outage(tmp_path: Path) -> Iterator[Outage]:
    if sys.version_info < (3, 13):
        pytest.skip("the embedded server (mongoeco) needs Python 3.13")
    pytest.importorskip("mongoeco", reason="the outage tests stop and restart a wire server")
    server = Outage(tmp_path / "outage.sqlite3")
    yield server
    server.server.stop()


def outage_factory(outage: Outage) -> MongoDBSessionManagerFactory:
    return MongoDBSessionManagerFactory(
        outage.uri,
        "outage_test",
        serverSelectionTimeoutMS=400,
        connectTimeoutMS=400,
        socketTimeoutMS=2000,
    )


def reconnect(factory: MongoDBSessionManagerFactory) -> None:
    """Wait (bounded) until the driver sees the restarted server: its monitor retries
    every 500 ms, longer than the 400 ms selection timeout, on a loaded machine.

    Both clients of the pool: the store loop's (``read_session``) and the sync twin
    that sync reads use on the caller's thread (``list_messages``); each has its
    own monitor, and an async turn only wakes the first.
    """
    import time

    deadline = time.monotonic() + 60
    while True:
        try:
            factory.repository.read_session("down")
            factory.repository.list_messages("down", "default")
            return
        except StoreUnavailableError:
            if time.monotonic() > deadline:
                raise


@pytest.mark.parametrize("mode", ["sync", "invoke_async", "stream_async"])
def test_turns_during_an_outage_leave_memory_equal_to_the_store(outage: Outage, mode: str) -> None:
    factory = outage_factory(outage)
    try:
        manager = factory.create_session_manager("down")
        agent = Agent(
            model=ScriptedModel(["r0", "r4"]), session_manager=manager, callback_handler=None
        )

        def turn(prompt: str) -> None:
            if mode == "sync":
                agent(prompt)
            elif mode == "invoke_async":
                asyncio.run(agent.invoke_async(prompt))
            else:

                async def drain() -> None:
                    async for _ in agent.stream_async(prompt):
                        pass

                asyncio.run(drain())

        turn("q0")
        outage.down()
        for prompt in ("q1", "q2", "q3"):
            with pytest.raises(StoreUnavailableError):
                turn(prompt)
            assert texts(agent.messages) == ["q0", "r0"]  # the model never saw q1..q3
        outage.up()
        reconnect(factory)
        turn("q4")
        assert texts(agent.messages) == ["q0", "r0", "q4", "r4"]
        assert same(agent.messages, stored(factory, "down"))
        ids = [m.message_id for m in factory.repository.list_messages("down", "default")]
        assert ids == [0, 1, 2, 3]
    finally:
        factory.close()


# ---------------------------------------------------------------- lost race and reload


def test_the_loser_of_a_race_reloads_and_goes_on(
    new_manager: Make, factory: MongoDBSessionManagerFactory
) -> None:
    first, second = new_manager("race-reload"), new_manager("race-reload")
    agents = [
        Agent(model=ScriptedModel(), session_manager=manager, callback_handler=None)
        for manager in (first, second)
    ]
    managers = [first, second]
    conflicts = 0
    for turn in range(6):  # alternating: every turn but the first starts on a stale agent
        index = turn % 2
        agent, manager = agents[index], managers[index]
        before = list(agent.messages)
        try:
            agent(f"turn {turn}")
        except SessionConflictError:
            conflicts += 1
            assert agent.messages == before  # the refused question is not in memory
            manager.reload(agent)
            assert same(agent.messages, stored(factory, "race-reload"))
            agent(f"turn {turn}")
        assert same(agent.messages, stored(factory, "race-reload"))
    assert conflicts == 5
    messages = factory.repository.list_messages("race-reload", "default")
    assert [m.message_id for m in messages] == list(range(12))
    assert [t for t in texts([m.message for m in messages]) if t.startswith("turn")] == [
        f"turn {i}" for i in range(6)
    ]


def test_two_concurrent_writers_both_finish_every_turn_by_reloading(
    new_manager: Make, factory: MongoDBSessionManagerFactory
) -> None:
    import threading

    turns = 15
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []
    reloads = [0, 0]

    def write(index: int) -> None:
        manager = new_manager("race-both")
        agent = Agent(model=ScriptedModel(), session_manager=manager, callback_handler=None)
        barrier.wait()
        try:
            for turn in range(turns):
                prompt = f"w{index}-{turn}"
                for _ in range(50):
                    try:
                        agent(prompt)
                        break
                    except (SessionConflictError, EventLoopException) as exc:
                        # The reply's write lost: Strands wraps our error (docs/failures.md).
                        cause = exc if isinstance(exc, SessionConflictError) else exc.__cause__
                        if not isinstance(cause, SessionConflictError):
                            raise
                        reloads[index] += 1
                        manager.reload(agent)
                        if prompt in texts(agent.messages):  # the question made it, the reply lost
                            break
                else:
                    raise AssertionError(f"{prompt} never got through")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(i,)) for i in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors
    messages = factory.repository.list_messages("race-both", "default")
    assert [m.message_id for m in messages] == list(range(len(messages)))
    prompts = [t for t in texts([m.message for m in messages]) if t.startswith("w")]
    assert sorted(prompts) == sorted(f"w{i}-{t}" for i in (0, 1) for t in range(turns))


def test_reload_async_brings_back_state_and_messages(
    new_manager: Make, factory: MongoDBSessionManagerFactory
) -> None:
    writer = new_manager("reload-async")
    agent = Agent(model=ScriptedModel(["a"]), session_manager=writer, callback_handler=None)
    stale_manager = new_manager("reload-async")
    stale = Agent(model=ScriptedModel(["b"]), session_manager=stale_manager, callback_handler=None)
    agent.state.set("step", 2)
    agent("hello")

    async def go() -> None:
        await stale_manager.reload_async(stale)
        await stale.invoke_async("again")

    asyncio.run(go())
    assert stale.state.get("step") == 2
    assert texts(stale.messages) == ["hello", "a", "again", "b"]
    assert same(stale.messages, stored(factory, "reload-async"))


# ---------------------------------------------------------------- size limit


def test_a_turn_past_the_size_limit_is_taken_back(msm_options: dict[str, Any]) -> None:
    small = MongoDBSessionManagerFactory(**msm_options, max_document_bytes=60_000)
    try:
        manager = small.create_session_manager("too-large")
        agent = Agent(
            model=ScriptedModel(["ok", "fine"]), session_manager=manager, callback_handler=None
        )
        agent("hello")
        with pytest.raises(SessionTooLargeError):
            agent("x" * 70_000)
        assert texts(agent.messages) == ["hello", "ok"]
        agent("small")
        assert texts(agent.messages) == ["hello", "ok", "small", "fine"]
        assert same(agent.messages, stored(small, "too-large"))
    finally:
        small.close()


# ---------------------------------------------------------------- an unstorable tool result


@tool
def measure(what: str) -> dict[str, Any]:
    """Return a measurement that is not a number."""
    return {"status": "success", "content": [{"json": {"what": what, "value": float("nan")}}]}


def test_an_unstorable_tool_result_leaves_a_resumable_conversation(
    new_manager: Make, factory: MongoDBSessionManagerFactory
) -> None:
    manager = new_manager("nan-tool")
    agent = Agent(
        model=ScriptedModel([{"tool": "measure", "input": {"what": "x"}, "toolUseId": "t1"}]),
        tools=[measure],
        session_manager=manager,
        callback_handler=None,
    )
    with pytest.raises(EventLoopException) as info:  # Strands wraps errors inside its loop
        agent("measure x")
    assert isinstance(info.value.__cause__, InvalidInputError)
    assert "not a finite number" in str(info.value.__cause__)
    # The toolUse was stored; its result was refused: memory and store agree.
    assert same(agent.messages, stored(factory, "nan-tool"))
    assert "toolUse" in agent.messages[-1]["content"][-1]

    # A new process (a fresh manager) resumes and the next turn pairs the toolUse.
    again = Agent(
        model=ScriptedModel(["sorry, that failed"]),
        tools=[measure],
        session_manager=new_manager("nan-tool"),
        callback_handler=None,
    )
    again("and now?")
    history = stored(factory, "nan-tool")
    assert same(again.messages, history)
    for index, message in enumerate(history):
        uses = [b["toolUse"]["toolUseId"] for b in message["content"] if "toolUse" in b]
        if uses:  # every toolUse is answered by the next message
            answers = [
                b["toolResult"]["toolUseId"]
                for b in history[index + 1]["content"]
                if "toolResult" in b
            ]
            assert answers == uses


@pytest.mark.usefixtures("needs_command_monitoring")
def test_reload_is_two_reads_and_the_next_turn_one_write_per_message(
    new_manager: Make, factory: MongoDBSessionManagerFactory
) -> None:
    manager = new_manager("reload-budget")
    agent = Agent(model=ScriptedModel(["a", "b"]), session_manager=manager, callback_handler=None)
    agent("one")
    with factory.pool.command_stats.capture() as log:
        manager.reload(agent)
    assert log.commands == ["find", "find"]
    with factory.pool.command_stats.capture() as log:
        agent("two")
    assert log.commands == ["update", "update"]


def test_a_redaction_that_failed_in_an_outage_is_stored_on_retry(outage: Outage) -> None:
    factory = outage_factory(outage)
    try:
        manager = factory.create_session_manager("down", keep_original=False)
        agent = Agent(
            model=ScriptedModel(["your card is 4111 1111 1111 1111"]),
            session_manager=manager,
            callback_handler=None,
        )
        agent("which card did I use?")
        redacted: Message = {"role": "assistant", "content": [{"text": "[redacted]"}]}
        outage.down()
        with pytest.raises(StoreUnavailableError):
            manager.redact_latest_message(redacted, agent, stop_reason="guardrail_intervened")
        outage.up()
        reconnect(factory)
        manager.redact_latest_message(redacted, agent, stop_reason="guardrail_intervened")
        document = factory.pool.run(raw_collection(factory.repository).find_one({"_id": "down"}))
        assert "4111" not in repr(document)
        assert len(document["guardrail_events"]) == 1  # the failed try left nothing
        assert texts(stored(factory, "down"))[-1] == "[redacted]"
    finally:
        factory.close()
