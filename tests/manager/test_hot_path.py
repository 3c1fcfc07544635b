"""The write hot path (issue 15): writes per turn past the window, no hop for sync
callers, change tracking by Strands' version counters, the held final reply."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from strands import Agent
from strands.agent.conversation_manager import SlidingWindowConversationManager
from strands.agent.state import AgentState

from mongodb_session_manager import MongoDBSessionManagerFactory, StoreUnavailableError
from mongodb_session_manager.store.loop import StoreLoop
from mongodb_session_manager.testing import ScriptedModel
from tests.helpers.types import MakeManager as Make
from tests.helpers.types import ReadRaw

pytestmark = pytest.mark.usefixtures("needs_command_monitoring")

WINDOW = 6


def _windowed(manager: Any, replies: int) -> Agent:
    return Agent(
        model=ScriptedModel([f"reply {n}" for n in range(replies)]),
        session_manager=manager,
        conversation_manager=SlidingWindowConversationManager(window_size=WINDOW),
        callback_handler=None,
    )


def _stored_offset(raw: ReadRaw, session_id: str = "session-1") -> int:
    document = raw(session_id)
    assert document is not None
    state = document["agents"]["default"]["conversation_manager_state"]
    return int(state["removed_message_count"])


def test_a_plain_turn_is_two_writes_at_turn_30_and_the_offset_stays_exact(
    new_manager: Make, factory: MongoDBSessionManagerFactory, raw: ReadRaw
) -> None:
    agent = _windowed(new_manager(), 31)
    for turn in range(29):
        agent(f"turn {turn}")
    assert agent.conversation_manager.removed_message_count > 0  # the window moves every turn
    with factory.pool.command_stats.capture() as log:
        agent("turn 30")
    assert log.commands == ["update", "update"]  # the prompt; the reply with the new offset
    assert _stored_offset(raw) == agent.conversation_manager.removed_message_count
    with factory.pool.command_stats.capture() as resume:
        resumed = _windowed(new_manager(), 0)
    assert resume.reads == 2 and resume.writes == 0
    assert resumed.messages == agent.messages  # exactly the window, no more


def test_async_turns_are_two_writes_too(
    new_manager: Make, factory: MongoDBSessionManagerFactory, raw: ReadRaw
) -> None:
    agent = _windowed(new_manager(), 31)

    async def chat() -> list[str]:
        for turn in range(29):
            await agent.invoke_async(f"turn {turn}")
        with factory.pool.command_stats.capture() as log:
            await agent.invoke_async("turn 30")
        return log.commands

    assert asyncio.run(chat()) == ["update", "update"]
    assert _stored_offset(raw) == agent.conversation_manager.removed_message_count


def test_sync_agents_write_from_their_own_thread_without_the_store_loop(
    new_manager: Make, monkeypatch: pytest.MonkeyPatch
) -> None:
    agent = _windowed(new_manager(), 3)
    agent("warm up")
    hops: list[str] = []
    real_call, real_run = StoreLoop.call, StoreLoop.run

    async def counted_call(self: StoreLoop, coro: Any) -> Any:
        hops.append("call")
        return await real_call(self, coro)

    def counted_run(self: StoreLoop, coro: Any, timeout: float | None = None) -> Any:
        hops.append("run")
        return real_run(self, coro, timeout)

    monkeypatch.setattr(StoreLoop, "call", counted_call)
    monkeypatch.setattr(StoreLoop, "run", counted_run)
    agent("hi")
    agent.state.set("k", "v")
    agent("again")
    assert hops == []
    monkeypatch.undo()
    assert _windowed(new_manager(), 0).state.get("k") == "v"


def test_an_application_loop_still_hands_its_writes_to_the_store_loop(
    new_manager: Make, monkeypatch: pytest.MonkeyPatch
) -> None:
    agent = _windowed(new_manager(), 3)
    calls: list[str] = []
    real_call = StoreLoop.call

    async def counted_call(self: StoreLoop, coro: Any) -> Any:
        calls.append(asyncio.get_running_loop().__class__.__name__)
        return await real_call(self, coro)

    monkeypatch.setattr(StoreLoop, "call", counted_call)
    asyncio.run(agent.invoke_async("hi"))
    assert len(calls) == 2  # the prompt, and the reply at the turn's end


class CountingState(AgentState):
    """An agent state that counts the deep copies ``get()`` makes."""

    copies = 0

    def get(self, key: str | None = None) -> Any:
        if key is None:
            CountingState.copies += 1
        return super().get(key)


def test_an_unchanged_large_state_is_neither_copied_nor_rewritten(
    new_manager: Make, factory: MongoDBSessionManagerFactory
) -> None:
    agent = _windowed(new_manager(), 12)
    agent.state = CountingState({"big": "x" * 63 * 1024})
    agent("first")  # the state is written once, with the first message
    CountingState.copies = 0
    with factory.pool.command_stats.capture() as log:
        for turn in range(5):
            agent(f"turn {turn}")
    assert CountingState.copies == 0
    assert log.bytes_sent < 5 * 8 * 1024  # ten messages; the 63 KiB state is not sent again
    agent.state.set("step", 1)
    agent("changed")
    assert CountingState.copies == 1
    assert _windowed(new_manager(), 0).state.get("step") == 1


def test_a_failed_after_turn_write_takes_the_reply_back(
    new_manager: Make, factory: MongoDBSessionManagerFactory, raw: ReadRaw
) -> None:
    agent = _windowed(new_manager(), 3)
    agent("warm up")
    stored = agent.messages[:]
    real_append = factory.repository.store.append
    prompts_seen: list[str] = []

    async def failing_append(session_id: str, agent_id: str, message: Any, **kw: Any) -> None:
        if message["role"] == "assistant":
            raise StoreUnavailableError("MongoDB went away")
        prompts_seen.append(message["content"][0]["text"])
        await real_append(session_id, agent_id, message, **kw)

    factory.repository.store.append = failing_append  # type: ignore[method-assign]
    try:
        with pytest.raises(StoreUnavailableError):
            agent("lost reply")
    finally:
        factory.repository.store.append = real_append  # type: ignore[method-assign]
    assert prompts_seen == ["lost reply"]
    assert agent.messages == [*stored, agent.messages[-1]]  # the prompt stays: it is stored
    assert agent.messages[-1]["role"] == "user"
    document = raw("session-1")
    assert document is not None
    assert len(document["agents"]["default"]["messages"]) == len(agent.messages)


class BrokenWindow(SlidingWindowConversationManager):
    """A conversation manager that fails once, after the reply: the turn ends without
    Strands' after-invocation event."""

    fail_next = False

    def apply_management(self, agent: Any, **kwargs: Any) -> None:
        if BrokenWindow.fail_next:
            BrokenWindow.fail_next = False
            raise RuntimeError("conversation manager failed")
        super().apply_management(agent, **kwargs)


def test_a_reply_held_by_a_turn_that_never_ended_is_written_next_or_at_close(
    new_manager: Make, raw: ReadRaw
) -> None:
    def stored_texts(session_id: str) -> list[str]:
        document = raw(session_id)
        assert document is not None
        return [m["content"][0]["text"] for m in document["agents"]["default"]["messages"]]

    for session_id, then in (("held-next", "next turn"), ("held-close", "close")):
        manager = new_manager(session_id)
        agent = Agent(
            model=ScriptedModel(["first reply", "second reply"]),
            session_manager=manager,
            conversation_manager=BrokenWindow(window_size=WINDOW),
            callback_handler=None,
        )
        BrokenWindow.fail_next = True
        with pytest.raises(RuntimeError, match="conversation manager failed"):
            agent("first")
        assert stored_texts(session_id) == ["first"]  # the reply waits for the turn's end
        if then == "next turn":
            agent("second")
            assert stored_texts(session_id) == ["first", "first reply", "second", "second reply"]
        else:
            manager.close()
            assert stored_texts(session_id) == ["first", "first reply"]
        assert manager.latest_message_id("default") == len(stored_texts(session_id)) - 1
