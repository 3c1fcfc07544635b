"""Strands' ``MemoryManager`` driving ``MongoDBMemoryStore``, with the offline model."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from strands import Agent
from strands.memory import ExtractionConfig, IntervalTrigger, MemoryManager

from mongodb_session_manager import MongoDBMemoryStore, MongoDBSessionManager
from mongodb_session_manager.testing import ScriptedModel
from tests.memory.memory_support import memory_store

__all__ = ["memory_store"]

Make = Callable[..., MongoDBMemoryStore]


def _tool_results(agent: Agent) -> list[str]:
    """The text of every tool result in the agent's conversation."""
    texts = []
    for message in agent.messages:
        for block in message["content"]:
            result: Any = block.get("toolResult")
            if result is not None:
                for part in result["content"]:
                    texts.append(part.get("text") or json.dumps(part.get("json")))
    return texts


def test_a_fact_stored_in_one_session_is_recalled_in_another(
    memory_store: Make, new_manager: Callable[..., MongoDBSessionManager]
) -> None:
    store = memory_store(name="user-facts").scoped(user_id="alice")
    writer = Agent(
        model=ScriptedModel(
            [
                {"tool": "add_memory", "input": {"entries": ["Alice's favourite city is Lisbon"]}},
                "I will remember that.",
            ]
        ),
        memory_manager=MemoryManager(stores=[store], add_tool_config=True, injection=False),
        session_manager=new_manager("session-monday"),
        callback_handler=None,
    )
    writer("My favourite city is Lisbon, remember it.")
    assert asyncio.run(store.count()) == 1

    # another session, another agent, the same user's memory
    reader = Agent(
        model=ScriptedModel(
            [
                {"tool": "search_memory", "input": {"query": "favourite city"}},
                "Your favourite city is Lisbon.",
            ]
        ),
        memory_manager=MemoryManager(
            stores=[memory_store(name="user-facts").scoped(user_id="alice")]
        ),
        session_manager=new_manager("session-friday"),
        callback_handler=None,
    )
    reader("Which city do I like best?")
    assert any("Lisbon" in text for text in _tool_results(reader))

    # another user sees nothing
    stranger = memory_store(name="user-facts").scoped(user_id="bob")
    assert asyncio.run(stranger.search("favourite city")) == []


async def test_extraction_goes_through_add_messages_and_is_searchable(
    memory_store: Make, new_manager: Callable[..., MongoDBSessionManager]
) -> None:
    store = memory_store(
        name="extracted", extraction=ExtractionConfig(trigger=IntervalTrigger(turns=1))
    )
    manager = MemoryManager(stores=[store], injection=False)
    agent = Agent(
        model=ScriptedModel(["Noted, you take your tea with lemon."]),
        memory_manager=manager,
        session_manager=new_manager("session-tea"),
        callback_handler=None,
    )
    await agent.invoke_async("I always take my tea with lemon.")
    await manager.flush()
    await manager.flush()  # a second drain (at-least-once) writes nothing new

    assert await store.count() == 2  # the user's message and the assistant's reply
    found = {e.content: e.metadata["role"] for e in await store.search("tea lemon") if e.metadata}
    assert found == {
        "I always take my tea with lemon.": "user",
        "Noted, you take your tea with lemon.": "assistant",
    }
