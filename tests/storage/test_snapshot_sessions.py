"""Strands' own ``SnapshotSessionManager`` on ``MongoDBStorage``, with the offline model."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from strands import Agent
from strands.session import SnapshotSessionManager

from mongodb_session_manager import MongoDBStorage
from mongodb_session_manager.testing import ScriptedModel
from tests.storage.storage_fixtures import make_storage, storage

__all__ = ["make_storage", "storage"]

LATEST = "session/chat-1/scopes/agent/default/snapshots/snapshot_latest.json"


def _texts(agent: Agent) -> list[str]:
    return ["".join(b.get("text", "") for b in m["content"]) for m in agent.messages]


def _always(**kwargs: Any) -> bool:
    return True


def _agent(storage: MongoDBStorage, script: list[Any] | None = None, **kwargs: Any) -> Agent:
    manager = SnapshotSessionManager("chat-1", storage=storage, **kwargs)
    return Agent(model=ScriptedModel(script or []), session_manager=manager, callback_handler=None)


def test_a_sync_agent_saves_checkpoints_restores_and_resumes(storage: MongoDBStorage) -> None:
    agent = _agent(storage, ["first answer", "second answer"], snapshot_trigger=_always)
    agent("first question")
    agent("second question")
    manager = agent._session_manager
    assert isinstance(manager, SnapshotSessionManager)

    ids = asyncio.run(manager.list_snapshot_ids(agent))
    assert len(ids) == 2
    assert LATEST in asyncio.run(storage.list("session/chat-1/"))

    # Time travel: back to the first checkpoint.
    assert asyncio.run(manager.restore_snapshot(agent, snapshot_id=ids[0]))
    assert _texts(agent) == ["first question", "first answer"]

    # Resume in a new manager instance (a new process would do the same): the latest state.
    resumed = _agent(storage, ["third answer"])
    assert _texts(resumed) == [
        "first question",
        "first answer",
        "second question",
        "second answer",
    ]
    resumed("third question")
    assert _texts(_agent(storage))[-1] == "third answer"


async def test_an_async_agent_persists_through_invoke_async(storage: MongoDBStorage) -> None:
    agent = _agent(storage, ["async answer"])

    await agent.invoke_async("async question")

    data = await storage.read(LATEST)
    assert data is not None and b"async answer" in data
    resumed = _agent(storage)
    assert _texts(resumed) == ["async question", "async answer"]


async def test_a_forced_checkpoint_and_delete_session(storage: MongoDBStorage) -> None:
    agent = _agent(storage, ["kept"])
    await agent.invoke_async("remember this")
    manager = agent._session_manager
    assert isinstance(manager, SnapshotSessionManager)

    snapshot_id = await manager.save_snapshot(agent, is_latest=False)

    assert snapshot_id is not None
    assert await manager.list_snapshot_ids(agent) == [snapshot_id]
    await manager.delete_session()
    assert await storage.list("") == []


def test_sessions_of_two_applications_do_not_mix(
    make_storage: Callable[..., MongoDBStorage],
) -> None:
    billing = _agent(make_storage(namespace="billing"), ["billing answer"])
    support = _agent(make_storage(namespace="support"), ["support answer"])
    billing("billing question")
    support("support question")

    assert _texts(_agent(make_storage(namespace="billing")))[-1] == "billing answer"
    assert _texts(_agent(make_storage(namespace="support")))[-1] == "support answer"
    assert _texts(_agent(make_storage())) == []


def test_a_graph_is_persisted_latest_only(storage: MongoDBStorage) -> None:
    from strands.multiagent import GraphBuilder

    builder = GraphBuilder()
    builder.add_node(Agent(model=ScriptedModel(["researched"]), callback_handler=None), "research")
    builder.add_node(Agent(model=ScriptedModel(["written"]), callback_handler=None), "write")
    builder.add_edge("research", "write")
    builder.set_max_node_executions(4)
    builder.set_session_manager(SnapshotSessionManager("graph-1", storage=storage))
    graph = builder.build()

    result = graph("a topic")

    assert str(result.status).endswith("COMPLETED")
    keys = asyncio.run(storage.list("session/graph-1/"))
    assert any(key.startswith("session/graph-1/scopes/multiAgent/") for key in keys), keys
