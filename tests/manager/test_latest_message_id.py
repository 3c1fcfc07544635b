"""``latest_message_id``: the id to tie feedback to, known without a database read."""

from __future__ import annotations

from collections.abc import Callable

from strands import Agent

from mongodb_session_manager import MongoDBSessionManager, MongoDBSessionManagerFactory
from mongodb_session_manager.testing import ScriptedModel


def test_it_follows_the_conversation_and_survives_a_resume(
    new_manager: Callable[..., MongoDBSessionManager],
) -> None:
    manager = new_manager("latest-1")
    assert manager.latest_message_id("default") is None  # no such agent yet
    agent = Agent(
        model=ScriptedModel(["one", "two"]), session_manager=manager, callback_handler=None
    )
    assert manager.latest_message_id("default") is None  # an agent without messages
    agent("first")
    assert manager.latest_message_id("default") == 1
    agent("second")
    assert manager.latest_message_id("default") == 3
    assert manager.latest_message_id("someone-else") is None

    resumed_manager = new_manager("latest-1")
    Agent(model=ScriptedModel([]), session_manager=resumed_manager, callback_handler=None)
    assert resumed_manager.latest_message_id("default") == 3
    assert resumed_manager.get_message_count("default") == 4


async def test_async_apps_get_it_without_blocking(factory: MongoDBSessionManagerFactory) -> None:
    manager = await factory.create_session_manager_async("latest-2", preload_agents=["bot"])
    agent = Agent(
        model=ScriptedModel([{"tool": "noop", "input": {}}, "done"]),
        agent_id="bot",
        session_manager=manager,
        callback_handler=None,
    )
    await agent.invoke_async("go")  # user, tool use, tool result (unknown tool), answer
    assert manager.latest_message_id("bot") == 3
    stored = await factory.repository.read_message_async("latest-2", "bot", 3)
    assert stored is not None and stored.message["role"] == "assistant"
    await manager.close_async()
