"""Graph and Swarm state persist and resume."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from strands import Agent
from strands.multiagent import GraphBuilder, Swarm
from strands.multiagent.base import Status

from mongodb_session_manager import MongoDBSessionManager, MongoDBSessionManagerFactory
from mongodb_session_manager.testing import ScriptedModel
from tests.helpers.types import MakeManager as Make


def build_graph(manager: MongoDBSessionManager, replies: dict[str, str]) -> Any:
    builder = GraphBuilder()
    for name in ("research", "write"):
        builder.add_node(
            Agent(
                name=name,
                agent_id=name,
                model=ScriptedModel([replies[name]]),
                callback_handler=None,
            ),
            name,
        )
    builder.add_edge("research", "write")
    builder.set_entry_point("research")
    builder.set_session_manager(manager)
    builder.set_max_node_executions(10)
    return builder.build()


def test_graph_state_is_stored_and_restored(
    new_manager: Make, factory: MongoDBSessionManagerFactory, raw: Callable[[str], Any]
) -> None:
    graph = build_graph(new_manager("g"), {"research": "facts", "write": "essay"})
    result = graph("write about otters")
    assert result.status == Status.COMPLETED

    stored = factory.repository.read_multi_agent("g", graph.id)
    assert stored is not None
    assert stored["status"] == "completed"
    assert set(stored["completed_nodes"]) == {"research", "write"}
    assert stored["node_results"]["write"]["result"]["message"]["content"][0]["text"] == "essay"
    assert raw("g")["multi_agents"]

    restored = build_graph(new_manager("g"), {"research": "again", "write": "again"})
    assert (
        restored.state.status == Status.PENDING
    )  # completed runs reset, so the graph can run again
    assert (factory.repository.read_multi_agent("g", restored.id) or {})["status"] == "completed"


def test_swarm_state_is_stored_and_restored(
    new_manager: Make, factory: MongoDBSessionManagerFactory
) -> None:
    agents = [
        Agent(name=n, agent_id=n, model=ScriptedModel([f"{n} done"]), callback_handler=None)
        for n in ("lead", "helper")
    ]
    swarm = Swarm(agents, session_manager=new_manager("sw"))
    result = swarm("plan a trip")
    assert result.status == Status.COMPLETED
    stored = factory.repository.read_multi_agent("sw", swarm.id)
    assert stored is not None and stored["type"] == "swarm"
    assert stored["status"] == "completed"

    again = Swarm(
        [
            Agent(name=n, agent_id=n, model=ScriptedModel(["x"]), callback_handler=None)
            for n in ("lead", "helper")
        ],
        session_manager=new_manager("sw"),
    )
    assert again.id == swarm.id
    assert (factory.repository.read_multi_agent("sw", again.id) or {})["node_history"] == stored[
        "node_history"
    ]


def test_interrupted_graph_resumes_from_where_it_stopped(
    new_manager: Make, factory: MongoDBSessionManagerFactory
) -> None:
    graph = build_graph(new_manager("gi"), {"research": "facts", "write": "essay"})
    state = graph.serialize_state()
    state.update(
        status="executing",
        completed_nodes=["research"],
        next_nodes_to_execute=["write"],
        node_results={},
        current_task="write about otters",
    )
    factory.repository.pool.run(factory.repository._write_multi_agent("gi", graph.id, state))
    resumed = build_graph(new_manager("gi"), {"research": "never", "write": "essay"})
    assert [n.node_id for n in resumed.state.completed_nodes] == ["research"]
    result = resumed("write about otters")
    assert result.status == Status.COMPLETED
    assert "write" in result.results
