"""Round-trip budgets, proved by counting the commands PyMongo sends."""

from __future__ import annotations

from typing import Any

import pytest
from strands import Agent, tool
from strands.agent.conversation_manager import SlidingWindowConversationManager
from strands.types.content import Message

from mongodb_session_manager import MongoDBSessionManagerFactory
from mongodb_session_manager.testing import ScriptedModel
from tests.helpers.types import MakeManager as Make

pytestmark = pytest.mark.usefixtures("needs_command_monitoring")


@tool
def lookup(order: str) -> str:
    """Look an order up."""
    return f"order {order}: shipped"


def test_appending_a_message_is_exactly_one_write(
    new_manager: Make, factory: MongoDBSessionManagerFactory
) -> None:
    manager = new_manager()
    agent = Agent(model=ScriptedModel(["a", "b"]), session_manager=manager, callback_handler=None)
    agent("first")
    agent.state.set("step", 2)  # a state change rides along with the next message
    message: Message = {"role": "user", "content": [{"text": "appended by hand"}]}
    with factory.pool.command_stats.capture() as log:
        manager.append_message(message, agent)
    assert log.commands == ["update"]
    resumed = Agent(model=ScriptedModel(), session_manager=new_manager(), callback_handler=None)
    assert resumed.state.get("step") == 2
    assert resumed.messages[-1]["content"] == [{"text": "appended by hand"}]


def test_a_chat_turn_is_one_write_per_message_and_nothing_else(
    new_manager: Make, factory: MongoDBSessionManagerFactory
) -> None:
    agent = Agent(
        model=ScriptedModel(["hello", "again"]),
        session_manager=new_manager(),
        callback_handler=None,
    )
    agent("warm up")  # the first write creates the agent
    with factory.pool.command_stats.capture() as log:
        agent("hi")
    assert log.commands == ["update", "update"]  # user message, assistant message


def test_a_tool_use_turn_is_one_write_per_message(
    new_manager: Make, factory: MongoDBSessionManagerFactory
) -> None:
    agent = Agent(
        model=ScriptedModel(["ok", {"tool": "lookup", "input": {"order": "7"}}, "It shipped."]),
        tools=[lookup],
        session_manager=new_manager(),
        callback_handler=None,
    )
    agent("warm up")
    with factory.pool.command_stats.capture() as log:
        agent("where is order 7?")
    assert log.commands == ["update"] * 4  # user, toolUse, toolResult, answer


def test_sync_with_nothing_changed_costs_no_round_trip(
    new_manager: Make, factory: MongoDBSessionManagerFactory
) -> None:
    manager = new_manager()
    agent = Agent(model=ScriptedModel(["x"]), session_manager=manager, callback_handler=None)
    agent("y")
    with factory.pool.command_stats.capture() as log:
        manager.sync_agent(agent)
        manager.sync_agent(agent)
    assert log.commands == []


def test_sync_open_then_resume_of_the_default_agent_is_two_reads_in_all(
    new_manager: Make, factory: MongoDBSessionManagerFactory
) -> None:
    Agent(model=ScriptedModel(["x"]), session_manager=new_manager(), callback_handler=None)("y")
    with factory.pool.command_stats.capture() as log:
        manager = new_manager()  # its one read also brings the default agent's fields
        restored = Agent(model=ScriptedModel(), session_manager=manager, callback_handler=None)
    assert log.commands == ["find", "find"]
    assert len(restored.messages) == 2


def test_opening_a_manager_for_an_existing_session_is_one_read(
    new_manager: Make, factory: MongoDBSessionManagerFactory
) -> None:
    Agent(model=ScriptedModel(["x"]), session_manager=new_manager(), callback_handler=None)("y")
    with factory.pool.command_stats.capture() as log:
        new_manager()
    assert log.commands == ["find"]
    assert "createIndexes" not in log.commands


async def test_async_open_with_preload_then_agent_build_does_two_reads_in_all(
    factory: MongoDBSessionManagerFactory,
) -> None:
    manager = await factory.create_session_manager_async("p")
    agent = Agent(model=ScriptedModel(["x"]), session_manager=manager, callback_handler=None)
    await agent.invoke_async("y")
    with factory.pool.command_stats.capture() as log:
        manager = await factory.create_session_manager_async("p")
        restored = Agent(model=ScriptedModel(), session_manager=manager, callback_handler=None)
    assert log.commands == ["find", "find"]  # session + agent fields, then its messages
    assert len(restored.messages) == 2


def test_resuming_reads_twice_and_bytes_grow_with_restored_messages_only(
    new_manager: Make, factory: MongoDBSessionManagerFactory
) -> None:
    manager = new_manager()
    talker = Agent(
        agent_id="talker", model=ScriptedModel(), session_manager=manager, callback_handler=None
    )
    bulky = Agent(
        agent_id="bulky", model=ScriptedModel(), session_manager=manager, callback_handler=None
    )
    for i in range(10):
        talker(f"short {i}")
    for i in range(10):
        bulky("x" * 20_000 + str(i))

    def resume_bytes(agent_id: str, window: int | None = None) -> tuple[list[str], int, int]:
        other = new_manager()
        with factory.pool.command_stats.capture() as log:
            kwargs: dict[str, Any] = (
                {"conversation_manager": SlidingWindowConversationManager(window_size=window)}
                if window
                else {}
            )
            agent = Agent(
                agent_id=agent_id,
                model=ScriptedModel(),
                session_manager=other,
                callback_handler=None,
                **kwargs,
            )
        return log.commands, log.bytes_received, len(agent.messages)

    commands, talker_bytes, restored = resume_bytes("talker")
    assert commands == ["find", "find"]
    assert restored == 20
    # The 400 KB of the other agent are never transferred.
    assert talker_bytes < 20_000


def test_resume_after_sliding_window_reads_only_the_window(
    new_manager: Make, factory: MongoDBSessionManagerFactory
) -> None:
    agent = Agent(
        model=ScriptedModel(),
        session_manager=new_manager(),
        conversation_manager=SlidingWindowConversationManager(window_size=4),
        callback_handler=None,
    )
    for i in range(20):
        agent(f"message number {i} " + "y" * 1000)
    manager = new_manager()  # its one read brought the default agent's fields and offset
    with factory.pool.command_stats.capture() as log:
        resumed = Agent(
            model=ScriptedModel(),
            session_manager=manager,
            conversation_manager=SlidingWindowConversationManager(window_size=4),
            callback_handler=None,
        )
    assert log.commands == ["find"]
    assert len(resumed.messages) == len(agent.messages) <= 4
    # 40 messages of ~1 KB are stored; only the window's few come back.
    assert log.bytes_received < 8_000


def test_indexes_are_created_once_per_process_per_collection(
    msm_options: dict[str, object],
) -> None:
    first = MongoDBSessionManagerFactory(**msm_options)  # type: ignore[arg-type]
    try:
        with first.pool.command_stats.capture() as log:
            second = MongoDBSessionManagerFactory(**msm_options)  # type: ignore[arg-type]
            manager = second.create_session_manager("fresh")
            manager.close()
            second.close()
        assert "createIndexes" not in log.commands
        assert log.commands == ["find", "insert"]  # the new session: look, then create
    finally:
        first.close()
