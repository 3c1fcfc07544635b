"""Metrics: per-message usage, $inc totals, per-tool counters, the summary, two processes."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from typing import Any

import pytest
from strands import Agent, tool
from strands.types.content import Message

from mongodb_session_manager import (
    MongoDBSessionManager,
    MongoDBSessionManagerFactory,
    SessionNotFoundError,
)
from mongodb_session_manager.models import storage_key
from mongodb_session_manager.testing import MongoBackend, ScriptedModel
from tests.helpers.types import MakeManager as Make
from tests.helpers.types import ReadRaw as Raw


@tool
def lookup(order: str) -> str:
    """Look an order up."""
    return f"order {order}: shipped"


@tool
def refund(order: str) -> str:
    """Refund an order."""
    raise RuntimeError("refunds are closed today")


@tool
def slow(ms: int) -> str:
    """Take a while."""
    time.sleep(ms / 1000)
    return "done"


def stored_usage(manager: MongoDBSessionManager) -> dict[str, int]:
    """Sum of the usage stored on every message of every agent of the manager's session."""
    sums = {"messages": 0, "model_calls": 0, "input_tokens": 0, "output_tokens": 0, "latency_ms": 0}
    for agent in manager.list_agents():
        for message in manager.repository.list_messages(manager.session_id, agent["agent_id"]):
            sums["messages"] += 1
            metadata = message.message.get("metadata") or {}
            if metadata:
                sums["model_calls"] += 1
                sums["input_tokens"] += metadata["usage"]["inputTokens"]
                sums["output_tokens"] += metadata["usage"]["outputTokens"]
                sums["latency_ms"] += metadata["metrics"]["latencyMs"]
    return sums


def test_totals_are_the_sum_of_per_message_usage(new_manager: Make) -> None:
    manager = new_manager()
    agent = Agent(
        model=ScriptedModel(["first answer", "a second, longer answer"], latency_ms=40),
        session_manager=manager,
        callback_handler=None,
    )
    agent("hello")
    agent("tell me more about it")
    summary = manager.get_metrics_summary()
    sums = stored_usage(manager)
    totals = summary.totals
    assert (totals.messages, totals.model_calls) == (4, 2)
    assert totals.input_tokens == sums["input_tokens"] > 0
    assert totals.output_tokens == sums["output_tokens"] > 0
    assert totals.total_tokens == totals.input_tokens + totals.output_tokens
    assert totals.latency_ms == 80
    assert totals.time_to_first_byte_ms == 20  # ScriptedModel reports 25% of the latency
    assert summary.averages.latency_ms_per_call == 40
    assert summary.averages.output_tokens_per_call == totals.output_tokens / 2
    assert summary.agents["default"].totals == totals
    assert summary.agents["default"].message_count == 4
    assert summary.agents["default"].model == "scripted-model"


def test_tool_calls_successes_errors_and_time_are_counted(new_manager: Make, raw: Raw) -> None:
    manager = new_manager()
    script: list[str | dict[str, Any]] = [
        {"tool": "lookup", "input": {"order": "1"}},
        {
            "tools": [
                {"tool": "lookup", "input": {"order": "2"}},
                {"tool": "refund", "input": {"order": "2"}},
            ]
        },
        {"tool": "slow", "input": {"ms": 40}},
        {"tool": "no_such_tool", "input": {}},
        "All done.",
    ]
    agent = Agent(
        model=ScriptedModel(script),
        tools=[lookup, refund, slow],
        session_manager=manager,
        callback_handler=None,
    )
    agent("do things")
    tools = manager.get_metrics_summary().tools
    assert {name: (t.calls, t.successes, t.errors) for name, t in tools.items()} == {
        "lookup": (2, 2, 0),
        "refund": (1, 0, 1),
        "slow": (1, 1, 0),
        "no_such_tool": (1, 0, 1),
    }
    assert tools["slow"].time_ms >= 35
    assert tools["slow"].average_time_ms == tools["slow"].time_ms
    assert tools["refund"].error_rate == 1.0
    strands_time = agent.event_loop_metrics.tool_metrics["lookup"].total_time * 1000
    assert tools["lookup"].time_ms == pytest.approx(strands_time, abs=0.01)
    stored = raw("session-1")
    assert stored is not None
    assert stored["agents"]["default"]["totals"]["tools"]["lookup"]["calls"] == 2
    assert stored["totals"]["tools"]["slow"]["name"] == "slow"


def test_a_hostile_tool_name_is_stored_under_a_safe_key(new_manager: Make, raw: Raw) -> None:
    name = "evil.$name"
    manager = new_manager()
    agent = Agent(
        model=ScriptedModel([{"tool": name, "input": {}}, "ok"]),
        session_manager=manager,
        callback_handler=None,
    )
    agent("go")
    stored = raw("session-1")
    assert stored is not None
    entry = stored["totals"]["tools"][storage_key(name)]
    assert storage_key(name).startswith("~")
    assert (entry["name"], entry["calls"], entry["errors"]) == (name, 1, 1)
    assert manager.get_metrics_summary().tools[name].calls == 1


def test_a_resumed_manager_matches_results_to_uses_written_by_the_previous_one(
    new_manager: Make,
) -> None:
    first = new_manager()
    agent = Agent(model=ScriptedModel(), session_manager=first, callback_handler=None)
    use: Message = {
        "role": "assistant",
        "content": [{"toolUse": {"toolUseId": "t-1", "name": "lookup", "input": {}}}],
    }
    agent.messages.append(use)
    first.append_message(use, agent)  # the process stops before the tool result is written
    second = new_manager()
    resumed = Agent(model=ScriptedModel(), session_manager=second, callback_handler=None)
    result: Message = {
        "role": "user",
        "content": [{"toolResult": {"toolUseId": "t-1", "status": "success", "content": []}}],
    }
    resumed.messages.append(result)
    second.append_message(result, resumed)
    assert second.get_metrics_summary().tools["lookup"].calls == 1


def test_seeded_history_with_tool_results_is_counted_once(new_manager: Make) -> None:
    seed: list[Message] = [
        {"role": "user", "content": [{"text": "q"}]},
        {
            "role": "assistant",
            "content": [{"toolUse": {"toolUseId": "s", "name": "lookup", "input": {}}}],
        },
        {
            "role": "user",
            "content": [{"toolResult": {"toolUseId": "s", "status": "error", "content": []}}],
        },
    ]
    manager = new_manager()
    Agent(model=ScriptedModel(), messages=seed, session_manager=manager, callback_handler=None)
    summary = manager.get_metrics_summary()
    assert (summary.tools["lookup"].calls, summary.tools["lookup"].errors) == (1, 1)
    assert summary.agents["default"].tools["lookup"].calls == 1
    assert summary.totals.messages == 3


async def test_async_agents_count_tools_in_a_deferred_first_write(
    factory: MongoDBSessionManagerFactory,
) -> None:
    manager = await factory.create_session_manager_async("async-metrics")
    agent = Agent(
        model=ScriptedModel([{"tool": "lookup", "input": {"order": "9"}}, "shipped"]),
        tools=[lookup],
        session_manager=manager,
        callback_handler=None,
    )
    await agent.invoke_async("where is 9?")
    summary = await manager.get_metrics_summary_async()
    assert summary.tools["lookup"].calls == 1
    assert summary.totals.messages == 4


def test_summary_of_several_agents(new_manager: Make) -> None:
    manager = new_manager()
    for agent_id, replies in (("a", ["x"]), ("b", ["y", "z"])):
        agent = Agent(
            agent_id=agent_id,
            model=ScriptedModel(replies, latency_ms=10),
            session_manager=manager,
            callback_handler=None,
        )
        for reply in replies:
            agent(f"to {reply}")
    summary = manager.get_metrics_summary()
    assert sorted(summary.agents) == ["a", "b"]
    assert summary.agents["a"].totals.model_calls == 1
    assert summary.agents["b"].totals.model_calls == 2
    assert summary.totals.model_calls == 3
    assert summary.totals.input_tokens == sum(
        a.totals.input_tokens for a in summary.agents.values()
    )


def test_summary_of_a_missing_session_is_an_error(
    new_manager: Make, factory: MongoDBSessionManagerFactory
) -> None:
    manager = new_manager("gone")
    factory.repository.delete_session("gone")
    with pytest.raises(SessionNotFoundError):
        manager.get_metrics_summary()


CHILD = textwrap.dedent(
    """
    import sys
    from strands import Agent, tool
    from mongodb_session_manager import MongoDBSessionManager
    from mongodb_session_manager.testing import ScriptedModel

    @tool
    def lookup(order: str) -> str:
        "Look an order up."
        return "shipped"

    manager = MongoDBSessionManager("two-procs", sys.argv[1], sys.argv[2])
    agent = Agent(
        model=ScriptedModel(
            [{"tool": "lookup", "input": {"order": "1"}}, "child says hi"], latency_ms=7
        ),
        tools=[lookup], session_manager=manager, callback_handler=None,
    )
    agent("child turn")
    manager.close()
    """
)


def test_totals_after_two_processes_turns_add_up_exactly(
    factory: MongoDBSessionManagerFactory,
    new_manager: Make,
    msm_backend: MongoBackend,
    msm_options: dict[str, Any],
) -> None:
    def parent_turn(prompt: str) -> None:
        manager = factory.create_session_manager("two-procs")
        try:
            agent = Agent(
                model=ScriptedModel(
                    [{"tool": "lookup", "input": {"order": "2"}}, f"answer to {prompt}"],
                    latency_ms=5,
                ),
                tools=[lookup],
                session_manager=manager,
                callback_handler=None,
            )
            agent(prompt)
        finally:
            manager.close()

    parent_turn("first parent turn")
    if msm_backend.uri is not None:  # another process (the wire server or a real MongoDB)
        env = {**os.environ, "PYTHONPATH": os.getcwd()}
        done = subprocess.run(
            [sys.executable, "-c", CHILD, msm_backend.uri, msm_options["database_name"]],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
        )
        assert done.returncode == 0, done.stderr[-3000:]
    else:  # mongomock lives in this process only: a second, separate manager stands in
        parent_turn("stand-in for the child")
    parent_turn("last parent turn")

    reader = new_manager("two-procs")
    summary = reader.get_metrics_summary()
    sums = stored_usage(reader)
    assert summary.totals.messages == sums["messages"] == 12
    assert summary.totals.model_calls == sums["model_calls"] == 6
    assert summary.totals.input_tokens == sums["input_tokens"]
    assert summary.totals.output_tokens == sums["output_tokens"]
    assert summary.totals.latency_ms == sums["latency_ms"]
    assert summary.tools["lookup"].calls == 3
    assert summary.tools["lookup"].successes == 3
