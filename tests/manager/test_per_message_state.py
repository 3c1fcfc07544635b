"""The manager keeps nothing per message: its memory does not grow with the conversation."""

from __future__ import annotations

from typing import Any

from strands import Agent
from strands.types.content import Message

from mongodb_session_manager import MongoDBSessionManager
from mongodb_session_manager.testing import ScriptedModel
from tests.helpers.types import MakeManager as Make

_SHARED = ("_repo", "session_repository", "session", "_services", "_writer")


def _sizes(value: Any, seen: set[int], depth: int = 0) -> int:
    """Number of container items reachable from ``value`` (not through shared objects)."""
    if id(value) in seen or depth > 6:
        return 0
    seen.add(id(value))
    if isinstance(value, dict):
        return len(value) + sum(_sizes(v, seen, depth + 1) for v in value.values())
    if isinstance(value, list | tuple | set):
        return len(value) + sum(_sizes(v, seen, depth + 1) for v in value)
    if hasattr(value, "__dict__") and not isinstance(value, type):
        return _sizes(vars(value), seen, depth + 1)
    return 0


def _manager_state(manager: MongoDBSessionManager, agent: Agent) -> dict[str, int]:
    seen = {id(agent), id(agent.messages)}
    return {
        name: _sizes(value, seen)
        for name, value in vars(manager).items()
        if name not in _SHARED and not callable(value)
    }


def test_no_manager_attribute_grows_with_the_number_of_messages(new_manager: Make) -> None:
    manager = new_manager("per-message-state")
    agent = Agent(model=ScriptedModel([]), session_manager=manager, callback_handler=None)

    def say(index: int) -> None:
        message: Message = {"role": "user", "content": [{"text": f"message {index}"}]}
        agent.messages.append(message)
        manager.append_message(message, agent)

    for index in range(10):
        say(index)
    after_ten = _manager_state(manager, agent)
    for index in range(10, 200):
        say(index)
    assert _manager_state(manager, agent) == after_ten
    assert manager.latest_message_id(agent.agent_id) == 199
    assert manager.get_message_count(agent.agent_id) == 200


def test_strands_per_message_attributes_are_gone(new_manager: Make) -> None:
    manager = new_manager("no-strands-records")
    agent = Agent(model=ScriptedModel(["Hi."]), session_manager=manager, callback_handler=None)
    agent("Hello")
    for name in ("_latest_agent_message", "_last_synced_internal_state", "_held_records"):
        assert not hasattr(manager, name)
