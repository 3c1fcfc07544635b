"""Round trips and bytes of the session features, counted with PyMongo command monitoring."""

from __future__ import annotations

import pytest
from strands import Agent, tool

from mongodb_session_manager import MongoDBSessionManagerFactory
from mongodb_session_manager.testing import ScriptedModel
from tests.helpers.types import MakeManager as Make

pytestmark = pytest.mark.usefixtures("needs_command_monitoring")


@tool
def lookup(order: str) -> str:
    """Look an order up."""
    return f"order {order}: shipped"


def test_each_metadata_operation_is_one_round_trip(
    new_manager: Make, factory: MongoDBSessionManagerFactory
) -> None:
    manager = new_manager()
    stats = factory.pool.command_stats
    with stats.capture() as log:
        manager.update_metadata({"a": 1, "b.c": 2})
    assert log.commands == ["findAndModify"]
    with stats.capture() as log:
        manager.update_metadata({"a": 2})  # rewriting a key: still one
    assert log.commands == ["findAndModify"]
    with stats.capture() as log:
        manager.get_metadata()["metadata"]
    assert log.commands == ["find"]
    with stats.capture() as log:
        manager.delete_metadata(["a"])
    assert log.commands == ["findAndModify"]
    with stats.capture() as log:
        manager.get_metadata_tool()(action="set", metadata={"x": 1})
    assert log.commands == ["findAndModify"]


def test_reading_selected_keys_transfers_only_those(
    new_manager: Make, factory: MongoDBSessionManagerFactory
) -> None:
    manager = new_manager()
    manager.update_metadata({"big": "x" * 200_000, "small": 1})
    with factory.pool.command_stats.capture() as log:
        assert manager.get_metadata(["small"])["metadata"] == {"small": 1}
    assert log.commands == ["find"]
    assert log.bytes_received < 2_000


def test_a_metadata_write_does_not_send_the_document_back(
    new_manager: Make, factory: MongoDBSessionManagerFactory
) -> None:
    manager = new_manager()
    manager.update_metadata({"big": "x" * 200_000, "note": "a" * 100})
    with factory.pool.command_stats.capture() as log:
        manager.update_metadata({"note": "b" * 100})
    assert log.bytes_received < 2_000  # only the replaced value comes back
    assert log.bytes_sent < 2_000


def test_feedback_is_one_round_trip(
    new_manager: Make, factory: MongoDBSessionManagerFactory
) -> None:
    manager = new_manager()
    with factory.pool.command_stats.capture() as log:
        manager.add_feedback({"rating": "up", "comment": "good"})
    assert log.commands == ["update"]
    with factory.pool.command_stats.capture() as log:
        assert len(manager.get_feedbacks()) == 1
    assert log.commands == ["find"]


def test_agent_config_and_listing_are_one_round_trip_and_skip_messages(
    new_manager: Make, factory: MongoDBSessionManagerFactory
) -> None:
    manager = new_manager()
    agent = Agent(
        model=ScriptedModel(["y" * 50_000] * 4),
        session_manager=manager,
        callback_handler=None,
        system_prompt="p",
    )
    for i in range(4):
        agent(f"message {i}")  # ~200 KB of messages in the document
    stats = factory.pool.command_stats
    with stats.capture() as log:
        manager.update_agent_config("default", system_prompt="p2", prompt_metadata={"v": 2})
    assert log.commands == ["findAndModify"]
    with stats.capture() as log:
        manager.sync_agent(agent)  # unchanged agent: no write, config kept
    assert log.commands == []
    with stats.capture() as log:
        assert manager.get_agent_config("default")["system_prompt"] == "p2"  # type: ignore[index]
    assert log.commands == ["find"]
    with stats.capture() as log:
        assert manager.get_message_count("default") == 8
    assert log.commands == ["find"]
    with stats.capture() as log:
        assert len(manager.list_agents()) == 1
    assert log.commands == ["aggregate"]
    assert log.bytes_received < 2_000
    with stats.capture() as log:
        summary = manager.get_metrics_summary()
    assert summary.totals.messages == 8
    assert log.commands == ["aggregate"]
    assert log.bytes_received < 2_000


def test_tool_counters_ride_along_with_the_message_write(
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
    assert log.commands == ["update"] * 4  # user, toolUse, toolResult (+ counters), answer
