"""Sessions of any length through the manager: past 16 MB, thousands of messages, same cost."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from strands import Agent
from strands.agent.conversation_manager import SlidingWindowConversationManager
from strands.types.content import Message

from mongodb_session_manager import MongoDBSessionManagerFactory
from mongodb_session_manager.models import storage_key
from mongodb_session_manager.testing import ScriptedModel
from tests.helpers.types import MakeManager as Make

MB = 1024 * 1024


def tool_call(n: int) -> Message:
    return {
        "role": "assistant",
        "content": [{"toolUse": {"toolUseId": f"t{n}", "name": "read_file", "input": {"n": n}}}],
    }


def tool_output(n: int, size: int) -> Message:
    text = (f"line {n} " * (size // 7 + 1))[:size]
    return {
        "role": "user",
        "content": [
            {"toolResult": {"toolUseId": f"t{n}", "status": "success", "content": [{"text": text}]}}
        ],
    }


def test_22_turns_of_1_mb_tool_output_pass_16_mb_and_resume_whole(
    new_manager: Make, raw: Callable[[str], Any]
) -> None:
    manager = new_manager("big-tools")
    agent = Agent(model=ScriptedModel(), session_manager=manager, callback_handler=None)
    sent: list[Message] = []
    for n in range(22):
        sent += [tool_call(n), tool_output(n, MB)]
        manager.append_message(sent[-2], agent)
        manager.append_message(sent[-1], agent)
    stored = raw("big-tools")
    assert stored is not None
    assert stored["agents"][storage_key(agent.agent_id)]["message_count"] == 44
    assert stored["size_bytes"] < 4 * MB  # the session document stays small; pages hold the rest
    resumed = Agent(
        model=ScriptedModel(), session_manager=new_manager("big-tools"), callback_handler=None
    )
    assert resumed.messages == sent


@pytest.mark.usefixtures("needs_command_monitoring", "no_global_listeners")
def test_an_append_at_5000_messages_costs_what_one_at_20_does(
    new_manager: Make, factory: MongoDBSessionManagerFactory
) -> None:
    def commands_per_append(session_id: str, length: int) -> list[str]:
        history: list[Message] = [
            {"role": "user", "content": [{"text": f"m{n} " * 20}]} for n in range(length)
        ]
        # An agent that arrives with its history is stored at once (pages in bulk).
        Agent(
            model=ScriptedModel(),
            messages=history,
            session_manager=new_manager(session_id),
            callback_handler=None,
        )
        # A fresh process resumes, then appends a few more.
        manager = new_manager(session_id)
        agent = Agent(model=ScriptedModel(), session_manager=manager, callback_handler=None)
        with factory.pool.command_stats.capture() as log:
            for n in range(3):
                manager.append_message({"role": "user", "content": [{"text": f"x{n}"}]}, agent)
        return log.commands

    short = commands_per_append("short-one", 20)
    long = commands_per_append("long-one", 5000)
    assert short == long == ["update", "update", "update"]


@pytest.mark.usefixtures("needs_command_monitoring", "no_global_listeners")
def test_a_resume_of_a_long_session_reads_only_its_window_in_two_reads(
    new_manager: Make, factory: MongoDBSessionManagerFactory
) -> None:
    agent = Agent(
        model=ScriptedModel(),
        session_manager=new_manager("windowed"),
        conversation_manager=SlidingWindowConversationManager(window_size=40),
        callback_handler=None,
    )
    for i in range(150):
        agent(f"turn {i} " + "y" * 500)
    with factory.pool.command_stats.capture() as log:
        manager = new_manager("windowed")
        resumed = Agent(
            model=ScriptedModel(),
            session_manager=manager,
            conversation_manager=SlidingWindowConversationManager(window_size=40),
            callback_handler=None,
        )
    reads = [c for c in log.commands if c in ("find", "aggregate")]
    assert len(reads) <= 2, log.commands
    assert resumed.messages == agent.messages
    assert log.bytes_received < 40 * 1_200 + 20_000  # the window (~1 KB a message), not 300
