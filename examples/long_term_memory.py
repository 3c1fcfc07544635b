"""Long-term memory: what an agent learns in one session, another session recalls.

Strands' ``MemoryManager`` over a ``MongoDBMemoryStore`` that shares the session
factory's pool. Monday, the agent stores a fact with its ``add_memory`` tool;
Friday, in a new session, it finds it with ``search_memory``. Then automatic
extraction: every turn's messages go to the store through ``add_messages``
(idempotent: a retried batch stores nothing twice). Finally, the search strategy
the deployment ran and the per-user scoping.

Offline by default (embedded database, scripted model)::

    uv run python examples/long_term_memory.py
"""

from __future__ import annotations

import asyncio
from typing import Any

from _support import database, model
from strands import Agent
from strands.memory import ExtractionConfig, IntervalTrigger, MemoryManager

from mongodb_session_manager import MongoDBMemoryStore, MongoDBSessionManagerFactory

DATABASE = "examples"

MONDAY: list[Any] = [
    {"tool": "add_memory", "input": {"entries": ["Ana's favourite city is Lisbon"]}},
    "Lovely, I'll remember that Lisbon is your favourite.",
]
FRIDAY: list[Any] = [
    {"tool": "search_memory", "input": {"query": "favourite city"}},
    "You told me Lisbon is your favourite city.",
]


def _tool_results(agent: Agent) -> list[Any]:
    """What the agent's tool calls returned (the text or JSON of each result)."""
    found = []
    for message in agent.messages:
        for block in message["content"]:
            result: Any = block.get("toolResult")
            for part in result["content"] if result else []:
                found.append(part.get("json", part.get("text")))
    return found


def main() -> None:
    with database() as uri:
        factory = MongoDBSessionManagerFactory(uri, DATABASE)
        users = MongoDBMemoryStore.from_pool(
            factory, database_name=DATABASE, name="user-facts", description="Facts about users"
        )
        ana = users.scoped(user_id="ana")
        asyncio.run(ana.delete())  # start the example from a clean slate

        print("1. Monday: the agent stores a fact")
        monday = Agent(
            model=model(MONDAY),
            memory_manager=MemoryManager(stores=[ana], add_tool_config=True, injection=False),
            session_manager=factory.create_session_manager("ana-monday"),
            callback_handler=None,
        )
        print(f"  assistant: {monday('My favourite city is Lisbon.')}".rstrip())
        print(f"  entries for ana: {asyncio.run(ana.count())}")

        print("2. Friday: a new session recalls it")
        friday = Agent(
            model=model(FRIDAY),
            memory_manager=MemoryManager(stores=[ana], injection=False),
            session_manager=factory.create_session_manager("ana-friday"),
            callback_handler=None,
        )
        print(f"  assistant: {friday('Which city do I like best?')}".rstrip())
        print(f"  search_memory found: {_tool_results(friday)}")

        print("3. Extraction: every turn is stored through add_messages")
        notes = users.scoped(user_id="ana-notes")
        asyncio.run(notes.delete())
        extracting = MongoDBMemoryStore.from_pool(
            factory,
            database_name=DATABASE,
            name="user-facts",
            user_id="ana-notes",
            extraction=ExtractionConfig(trigger=IntervalTrigger(turns=1)),
        )
        manager = MemoryManager(stores=[extracting], injection=False)
        agent = Agent(
            model=model(["Noted: tea with lemon, no sugar."]),
            memory_manager=manager,
            session_manager=factory.create_session_manager("ana-tea"),
            callback_handler=None,
        )
        agent("I take my tea with lemon, no sugar.")
        asyncio.run(manager.flush())
        print(f"  entries after extraction: {asyncio.run(notes.count())}")
        for entry in asyncio.run(notes.search("tea lemon")):
            meta = entry.metadata or {}
            print(f"  [{meta['role']}] {entry.content} (ranked by {meta['_searchStrategy']})")

        print("4. Scoping: another user sees none of it")
        print(f"  bob's results: {asyncio.run(users.scoped(user_id='bob').search('Lisbon'))}")

        for store in (extracting, users):
            store.close()
        factory.close()


if __name__ == "__main__":
    main()
