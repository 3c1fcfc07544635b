"""A Strands agent's whole life through the manager: talk, persist, resume."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from strands import Agent, tool
from strands.agent.conversation_manager import SlidingWindowConversationManager
from strands.types.content import ContentBlock, Message

from mongodb_session_manager import MongoDBSessionManagerFactory
from mongodb_session_manager.store.loop import StoreLoop
from mongodb_session_manager.testing import ScriptedModel
from tests.helpers.types import MakeManager as Make
from tests.helpers.types import as_message


@tool
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


def texts(agent: Agent) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for message in agent.messages:
        for block in message["content"]:
            kind = next(iter(block))
            out.append((message["role"], block["text"] if kind == "text" else kind))
    return out


def test_sync_conversation_is_restored_by_a_new_manager(new_manager: Make) -> None:
    agent = Agent(
        model=ScriptedModel(["Hello, Ana!", "Paris."]),
        session_manager=new_manager(),
        callback_handler=None,
        system_prompt="Be brief.",
    )
    agent("Hi, I am Ana")
    agent("Capital of France?")

    resumed = Agent(
        model=ScriptedModel(["You are Ana."]), session_manager=new_manager(), callback_handler=None
    )
    assert texts(resumed) == texts(agent)
    assert [m["tracking_id"] for m in resumed.messages] == [
        m["tracking_id"] for m in agent.messages
    ]
    resumed("Who am I?")
    again = Agent(model=ScriptedModel(), session_manager=new_manager(), callback_handler=None)
    assert texts(again)[-1] == ("assistant", "You are Ana.")
    assert len(again.messages) == 6


def test_assistant_usage_and_metrics_survive_the_round_trip(new_manager: Make) -> None:
    agent = Agent(
        model=ScriptedModel(["ok"], latency_ms=42),
        session_manager=new_manager(),
        callback_handler=None,
    )
    agent("hello there")
    resumed = Agent(model=ScriptedModel(), session_manager=new_manager(), callback_handler=None)
    metadata = resumed.messages[1]["metadata"]
    assert metadata["metrics"]["latencyMs"] == 42
    assert (
        metadata["usage"]["totalTokens"]
        == agent.messages[1]["metadata"]["usage"]["totalTokens"]
        > 0
    )


def test_tool_use_turn_round_trips(new_manager: Make) -> None:
    script: list[str | dict[str, Any]] = [{"tool": "add", "input": {"a": 2, "b": 3}}, "2 + 3 = 5"]
    agent = Agent(
        model=ScriptedModel(script),
        tools=[add],
        session_manager=new_manager(),
        callback_handler=None,
    )
    agent("what is 2 + 3?")
    resumed = Agent(
        model=ScriptedModel(), tools=[add], session_manager=new_manager(), callback_handler=None
    )
    assert [r for r, _ in texts(resumed)] == ["user", "assistant", "user", "assistant"]
    assert texts(resumed)[1:3] == [("assistant", "toolUse"), ("user", "toolResult")]
    assert resumed.messages[2]["content"][0]["toolResult"]["status"] == "success"
    assert resumed.messages == agent.messages


def test_several_agents_in_one_session_keep_separate_histories(new_manager: Make) -> None:
    manager = new_manager()
    support = Agent(
        agent_id="support",
        model=ScriptedModel(["support here"]),
        session_manager=manager,
        callback_handler=None,
    )
    billing = Agent(
        agent_id="billing",
        model=ScriptedModel(["billing here"]),
        session_manager=manager,
        callback_handler=None,
    )
    support("help")
    billing("invoice")
    other = new_manager()
    support2 = Agent(
        agent_id="support", model=ScriptedModel(), session_manager=other, callback_handler=None
    )
    billing2 = Agent(
        agent_id="billing", model=ScriptedModel(), session_manager=other, callback_handler=None
    )
    assert texts(support2) == [("user", "help"), ("assistant", "support here")]
    assert texts(billing2) == [("user", "invoice"), ("assistant", "billing here")]


def test_agent_state_is_restored(new_manager: Make) -> None:
    agent = Agent(
        model=ScriptedModel(["noted"]),
        session_manager=new_manager(),
        callback_handler=None,
        state={"plan": "pro", "nested": {"a.b": 1, "$x": [1, 2]}},
    )
    agent("remember")
    resumed = Agent(model=ScriptedModel(), session_manager=new_manager(), callback_handler=None)
    assert resumed.state.get("plan") == "pro"
    assert resumed.state.get("nested") == {"a.b": 1, "$x": [1, 2]}


def test_state_changed_between_turns_is_written_by_sync(new_manager: Make) -> None:
    manager = new_manager()
    agent = Agent(model=ScriptedModel(["one"]), session_manager=manager, callback_handler=None)
    agent("x")
    agent.state.set("late", True)
    manager.sync_agent(agent)
    resumed = Agent(model=ScriptedModel(), session_manager=new_manager(), callback_handler=None)
    assert resumed.state.get("late") is True


def test_sync_of_an_agent_this_manager_never_saw_is_a_no_op(new_manager: Make) -> None:
    agent = Agent(
        model=ScriptedModel(["one"]), session_manager=new_manager(), callback_handler=None
    )
    agent("x")
    stranger = new_manager("other-session")
    stranger.sync_agent(agent)
    assert stranger.repository.read_agent("other-session", "default") is None


def test_redaction_is_stored_and_metrics_kept(new_manager: Make, raw: Callable[[str], Any]) -> None:
    manager = new_manager()
    agent = Agent(model=ScriptedModel(["sure"]), session_manager=manager, callback_handler=None)
    agent("my card is 4111")
    redacted: Message = {"role": "user", "content": [{"text": "[REDACTED]"}]}
    manager.redact_latest_message(redacted, agent)  # latest is the assistant reply
    resumed = Agent(model=ScriptedModel(), session_manager=new_manager(), callback_handler=None)
    assert resumed.messages[1]["content"] == [{"text": "[REDACTED]"}]
    stored = raw("session-1")["agents"]["default"]["messages"][1]
    assert stored["content"] == [{"text": "sure"}]  # the original is kept for audit
    assert stored["metadata"]["usage"]["totalTokens"] > 0


def test_sliding_window_restores_offset_and_reads_only_the_window(
    new_manager: Make, factory: MongoDBSessionManagerFactory
) -> None:
    agent = Agent(
        model=ScriptedModel([f"reply {i}" for i in range(6)]),
        session_manager=new_manager(),
        conversation_manager=SlidingWindowConversationManager(window_size=4),
        callback_handler=None,
    )
    for i in range(6):
        agent(f"msg {i}")
    assert len(agent.messages) <= 4
    removed = agent.conversation_manager.removed_message_count
    assert removed >= 8
    resumed = Agent(
        model=ScriptedModel(),
        session_manager=new_manager(),
        conversation_manager=SlidingWindowConversationManager(window_size=4),
        callback_handler=None,
    )
    assert resumed.conversation_manager.removed_message_count == removed
    assert texts(resumed) == texts(agent)
    all_stored = factory.repository.list_messages("session-1", "default")
    assert len(all_stored) == 12


def test_images_round_trip_as_bson_binary(new_manager: Make, raw: Callable[[str], Any]) -> None:
    png = bytes(range(256)) * 40
    agent = Agent(
        model=ScriptedModel(["nice picture"]), session_manager=new_manager(), callback_handler=None
    )
    blocks: list[ContentBlock] = [
        {"text": "look"},
        {"image": {"format": "png", "source": {"bytes": png}}},
        {"document": {"format": "txt", "name": "notes", "source": {"bytes": b"\x00\xffhello"}}},
    ]
    agent(blocks)
    stored = raw("session-1")["agents"]["default"]["messages"][0]["content"]
    assert stored[1]["image"]["source"]["bytes"] == png
    assert isinstance(stored[1]["image"]["source"]["bytes"], bytes)
    resumed = Agent(model=ScriptedModel(), session_manager=new_manager(), callback_handler=None)
    assert resumed.messages[0]["content"][1]["image"]["source"]["bytes"] == png
    assert resumed.messages[0]["content"][2]["document"]["source"]["bytes"] == b"\x00\xffhello"


def test_unknown_content_blocks_survive_untouched(new_manager: Make) -> None:
    manager = new_manager()
    agent = Agent(model=ScriptedModel(), session_manager=manager, callback_handler=None)
    odd = as_message(
        {
            "role": "user",
            "content": [{"futureBlock": {"x": [1, {"y": None}], "z": "é"}}],
            "custom": 7,
        }
    )
    agent.messages.append(odd)
    manager.append_message(odd, agent)
    resumed = Agent(model=ScriptedModel(), session_manager=new_manager(), callback_handler=None)
    assert resumed.messages[-1]["content"] == odd["content"]
    assert resumed.messages[-1]["custom"] == 7  # type: ignore[typeddict-item]  # unknown key kept


async def test_invoke_async_and_stream_async_persist(factory: MongoDBSessionManagerFactory) -> None:
    manager = await factory.create_session_manager_async("async-1")
    agent = Agent(
        model=ScriptedModel(["first", "second answer streamed in chunks"]),
        session_manager=manager,
        callback_handler=None,
    )
    await agent.invoke_async("one")
    chunks = [event["data"] async for event in agent.stream_async("two") if "data" in event]
    assert "".join(chunks) == "second answer streamed in chunks"
    assert len(chunks) > 1
    resumed_manager = await factory.create_session_manager_async("async-1")
    resumed = Agent(model=ScriptedModel(), session_manager=resumed_manager, callback_handler=None)
    assert texts(resumed) == texts(agent)


async def test_app_loop_never_blocks_on_the_database(
    factory: MongoDBSessionManagerFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Inside a running app loop, nothing calls the blocking store API."""
    blocking_calls: list[str] = []
    original = StoreLoop.run

    def spy(self: StoreLoop, coro: Any, timeout: float | None = None) -> Any:
        try:
            asyncio.get_running_loop()
            blocking_calls.append(coro.__qualname__)
        except RuntimeError:
            pass
        return original(self, coro, timeout)

    monkeypatch.setattr(StoreLoop, "run", spy)
    for round_ in range(2):  # a new session, then the same one resumed
        manager = await factory.create_session_manager_async("chat-1")
        agent = Agent(
            model=ScriptedModel([{"tool": "add", "input": {"a": 1, "b": 1}}, "2", "bye"]),
            tools=[add],
            session_manager=manager,
            callback_handler=None,
        )
        async for _ in agent.stream_async(f"round {round_}"):
            pass
        await agent.invoke_async("and now?")
    assert blocking_calls == []
    stored = factory.repository.list_messages("chat-1", "default")
    assert [m.message_id for m in stored] == list(range(12))


async def test_stream_async_in_many_concurrent_sessions(
    factory: MongoDBSessionManagerFactory,
) -> None:
    async def chat(i: int) -> int:
        manager = await factory.create_session_manager_async(f"s-{i}")
        agent = Agent(
            model=ScriptedModel([f"answer {i}"]), session_manager=manager, callback_handler=None
        )
        async for _ in agent.stream_async(f"q {i}"):
            pass
        return len(agent.messages)

    assert await asyncio.gather(*(chat(i) for i in range(10))) == [2] * 10
    for i in range(10):
        assert [
            m.message["content"][0]["text"]
            for m in factory.repository.list_messages(f"s-{i}", "default")
        ] == [f"q {i}", f"answer {i}"]


def test_agent_built_with_initial_messages_stores_them(new_manager: Make) -> None:
    seed: list[Message] = [
        {"role": "user", "content": [{"text": "earlier"}]},
        {"role": "assistant", "content": [{"text": "yes"}]},
    ]
    Agent(
        model=ScriptedModel(), messages=seed, session_manager=new_manager(), callback_handler=None
    )
    resumed = Agent(model=ScriptedModel(), session_manager=new_manager(), callback_handler=None)
    assert texts(resumed) == [("user", "earlier"), ("assistant", "yes")]


def test_duplicate_agent_id_in_one_manager_is_refused(new_manager: Make) -> None:
    from strands.types.exceptions import SessionException

    manager = new_manager()
    Agent(model=ScriptedModel(), session_manager=manager, callback_handler=None)
    with pytest.raises(SessionException, match="unique"):
        Agent(model=ScriptedModel(), session_manager=manager, callback_handler=None)
