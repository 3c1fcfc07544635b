"""Agent configuration: captured on sync, updated on purpose, never silently lost."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from strands import Agent

from mongodb_session_manager import (
    InvalidInputError,
    MongoDBSessionManager,
    MongoDBSessionManagerFactory,
    SessionNotFoundError,
)
from mongodb_session_manager.testing import ScriptedModel
from tests.helpers.types import MakeManager as Make


def make_agent(manager: MongoDBSessionManager, **kwargs: Any) -> Agent:
    kwargs.setdefault("model", ScriptedModel(model_id="model-a"))
    return Agent(session_manager=manager, callback_handler=None, **kwargs)


def test_model_and_system_prompt_are_captured(new_manager: Make) -> None:
    manager = new_manager()
    agent = make_agent(manager, agent_id="support", system_prompt="Be kind.")
    agent("hi")
    assert manager.get_agent_config("support") == {
        "agent_id": "support",
        "model": "model-a",
        "system_prompt": "Be kind.",
        "prompt_metadata": None,
    }
    assert manager.get_agent_config("nobody") is None


def test_updated_config_survives_later_syncs_and_turns_of_the_unchanged_agent(
    new_manager: Make,
) -> None:
    manager = new_manager()
    agent = make_agent(manager, system_prompt="v1 prompt")
    agent("hi")
    manager.update_agent_config(
        "default",
        model="model-b",
        system_prompt="v2 prompt",
        prompt_metadata={"version": 2, "experiment": {"arm": "B"}},
    )
    manager.sync_agent(agent)
    agent.state.set("touched", True)  # a real change: the sync writes state, not config
    manager.sync_agent(agent)
    agent("another turn")
    expected = {
        "agent_id": "default",
        "model": "model-b",
        "system_prompt": "v2 prompt",
        "prompt_metadata": {"version": 2, "experiment": {"arm": "B"}},
    }
    assert manager.get_agent_config("default") == expected
    assert new_manager().get_agent_config("default") == expected


def test_prompt_metadata_is_never_wiped_by_other_updates(new_manager: Make) -> None:
    manager = new_manager()
    agent = make_agent(manager, system_prompt="p")
    agent("hi")
    manager.update_agent_config("default", prompt_metadata={"template": "t-7"})
    manager.update_agent_config("default", model="model-c")
    manager.update_agent_config("default")  # nothing to change: no-op
    agent.system_prompt = "changed live"
    agent("again")
    config = manager.get_agent_config("default")
    assert config is not None
    assert config["prompt_metadata"] == {"template": "t-7"}
    assert config["model"] == "model-c"
    # a change made to the live agent after the update is a newer decision: it is stored
    assert config["system_prompt"] == "changed live"


def test_a_resumed_agent_built_from_the_stored_config_keeps_it(new_manager: Make) -> None:
    first = new_manager()
    make_agent(first, system_prompt="default prompt")("hi")
    first.update_agent_config("default", system_prompt="tuned prompt")
    second = new_manager()
    config = second.get_agent_config("default") or {}
    resumed = make_agent(second, system_prompt=config["system_prompt"])
    resumed("hello again")
    assert second.get_agent_config("default")["system_prompt"] == "tuned prompt"  # type: ignore[index]


def test_updating_an_agent_that_does_not_exist_is_an_error(
    new_manager: Make, factory: MongoDBSessionManagerFactory
) -> None:
    manager = new_manager()
    with pytest.raises(SessionNotFoundError, match="ghost"):
        manager.update_agent_config("ghost", model="m")
    factory.repository.delete_session("session-1")
    assert manager.get_agent_config("default") is None  # the reference library's answer
    assert manager.get_message_count("default") == 0
    with pytest.raises(SessionNotFoundError):
        manager.list_agents()


@pytest.mark.parametrize(
    "kwargs",
    [
        {"model": ""},
        {"model": 42},
        {"system_prompt": ["not", "a", "str"]},
        {"prompt_metadata": "v2"},
        {"prompt_metadata": {"$where": 1}},
        {"prompt_metadata": {"a.b": 1}},
        {"prompt_metadata": {"x": object()}},
    ],
)
def test_invalid_config_is_refused(new_manager: Make, kwargs: dict[str, Any]) -> None:
    manager = new_manager()
    make_agent(manager, system_prompt="p")("hi")
    before = manager.get_agent_config("default")
    with pytest.raises(InvalidInputError):
        manager.update_agent_config("default", **kwargs)
    assert manager.get_agent_config("default") == before


def test_list_agents_and_message_counts(new_manager: Make) -> None:
    manager = new_manager()
    make_agent(manager, agent_id="support", system_prompt="S")("one")
    odd = make_agent(manager, agent_id="team.lead $1", model=ScriptedModel(model_id="m2"))
    odd("a")
    odd("b")
    listed = manager.list_agents()
    assert [a["agent_id"] for a in listed] == ["support", "team.lead $1"]
    assert listed[0]["model"] == "model-a"
    assert listed[0]["system_prompt"] == "S"
    assert [a["message_count"] for a in listed] == [2, 4]
    assert all(isinstance(a["created_at"], datetime) for a in listed)
    assert "messages" not in listed[0]
    assert manager.get_message_count("team.lead $1") == 4
    assert manager.get_message_count("nobody") == 0


async def test_async_twins(factory: MongoDBSessionManagerFactory) -> None:
    manager = await factory.create_session_manager_async("async-config")
    agent = Agent(
        model=ScriptedModel(["x"], model_id="model-a"),
        session_manager=manager,
        callback_handler=None,
        system_prompt="p1",
    )
    await agent.invoke_async("hi")
    await manager.update_agent_config_async("default", system_prompt="p2")
    await manager.sync_agent_async(agent)
    assert (await manager.get_agent_config_async("default"))["system_prompt"] == "p2"  # type: ignore[index]
    assert [a["agent_id"] for a in await manager.list_agents_async()] == ["default"]
    assert await manager.get_message_count_async("default") == 2
