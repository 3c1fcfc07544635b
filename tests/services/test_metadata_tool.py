"""The ``manage_metadata`` tool: called directly, and driven by an agent."""

from __future__ import annotations

import json
from typing import Any

import pytest
from strands import Agent

from mongodb_session_manager.testing import ScriptedModel
from tests.helpers.types import MakeManager as Make


def is_error(text: str) -> bool:
    """Whether a tool answer is one of the reference library's error texts."""
    return text.startswith("Error")


def test_tool_is_named_manage_metadata_with_a_schema_an_llm_can_follow(new_manager: Make) -> None:
    tool = new_manager().get_metadata_tool()
    assert tool.tool_name == "manage_metadata"
    schema = tool.tool_spec["inputSchema"]["json"]
    assert set(schema["properties"]) == {"action", "metadata", "keys"}
    assert schema["required"] == ["action"]
    assert "delete" in tool.tool_spec["description"] or "delete" in json.dumps(schema)


def test_direct_calls_get_set_update_delete(new_manager: Make) -> None:
    manager = new_manager()
    tool = manager.get_metadata_tool()
    assert tool(action="get") == "No metadata stored in session"
    assert (
        tool(action="set", metadata={"lang": "es", "plan": "pro"})
        == "Successfully updated metadata fields: ['lang', 'plan']"
    )
    assert tool(action="update", metadata={"lang": "fr"}) == (
        "Successfully updated metadata fields: ['lang']"
    )
    assert tool(action="GET", keys=["lang"]) == 'Metadata retrieved: {"lang": "fr"}'
    assert tool(action="get", keys=["nope"]) == "No metadata found for keys: ['nope']"
    assert tool(action="delete", keys=["plan"]) == "Successfully deleted metadata fields: ['plan']"
    assert tool(action="get") == 'All metadata: {"lang": "fr"}'
    assert manager.get_metadata()["metadata"] == {"lang": "fr"}


def test_json_strings_from_an_llm_are_accepted(new_manager: Make) -> None:
    manager = new_manager()
    tool = manager.get_metadata_tool()
    assert not is_error(tool(action="set", metadata='{"a": 1, "b": {"c": 2}}'))
    assert tool(action="get", keys='["a"]') == 'Metadata retrieved: {"a": 1}'
    assert tool(action="get", keys="b.c") == 'Metadata retrieved: {"b.c": 2}'
    assert not is_error(tool(action="delete", keys="a, b"))
    assert manager.get_metadata()["metadata"] == {}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"action": "explode"},
            "Error: Unknown action 'explode'. Use 'get', 'set', 'update', or 'delete'",
        ),
        ({"action": "set", "metadata": "{not json"}, "could not parse"),
        ({"action": "set", "metadata": "[1, 2]"}, "must be an object"),
        ({"action": "set", "metadata": {}}, "Error: metadata dictionary required"),
        ({"action": "set", "metadata": {"$where": "1"}}, "may not start with"),
        ({"action": "set", "metadata": {"a": {"b.c": 1}}}, "contains '.'"),
        ({"action": "delete"}, "Error: keys list required for delete action"),
        ({"action": "get", "keys": [1, 2]}, "list of key names"),
    ],
)
def test_bad_input_becomes_a_tool_error_never_an_exception(
    new_manager: Make, kwargs: dict[str, Any], message: str
) -> None:
    manager = new_manager()
    manager.update_metadata({"keep": 1})
    result = manager.get_metadata_tool()(**kwargs)
    assert is_error(result)
    assert message in result
    assert manager.get_metadata()["metadata"] == {"keep": 1}


def test_key_restrictions_protect_application_fields(new_manager: Make) -> None:
    manager = new_manager()
    manager.update_metadata(
        {"user_id": "u1", "billing": {"plan": "pro", "note": ""}, "prefs": {"theme": "dark"}}
    )
    tool = manager.get_metadata_tool(
        readable_keys=["prefs", "billing.plan"],
        writable_keys=["prefs", "billing"],
        protected_keys=["billing.plan"],
    )
    answer = tool(action="get")
    assert answer.startswith("All metadata: ")
    assert json.loads(answer.removeprefix("All metadata: ")) == {
        "prefs": {"theme": "dark"},
        "billing": {"plan": "pro"},
    }
    assert "not allowed to read: user_id" in tool(action="get", keys=["user_id"])
    assert not is_error(tool(action="set", metadata={"prefs.theme": "light"}))
    assert not is_error(tool(action="set", metadata={"billing.note": "hi"}))
    for attempt in (
        {"action": "set", "metadata": {"user_id": "evil"}},
        {"action": "set", "metadata": {"billing.plan": "free"}},
        {"action": "set", "metadata": {"billing": {"plan": "free"}}},  # a parent of a protected key
        {"action": "delete", "keys": ["billing"]},
        {"action": "delete", "keys": ["user_id"]},
    ):
        result = tool(**attempt)
        assert is_error(result), attempt
        assert "not allowed" in result
    assert manager.get_metadata()["metadata"] == {
        "user_id": "u1",
        "billing": {"plan": "pro", "note": "hi"},
        "prefs": {"theme": "light"},
    }


def test_delete_can_be_switched_off(new_manager: Make) -> None:
    manager = new_manager()
    manager.update_metadata({"a": 1})
    result = manager.get_metadata_tool(allow_delete=False)(action="delete", keys=["a"])
    assert result == "Error: Unknown action 'delete'. Use 'get', 'set', or 'update'"
    assert manager.get_metadata()["metadata"] == {"a": 1}


def test_an_agent_drives_the_tool(new_manager: Make) -> None:
    manager = new_manager()
    manager.update_metadata({"customer_id": "c-1"})
    tool = manager.get_metadata_tool(protected_keys=["customer_id"])
    model = ScriptedModel(
        [
            {"tool": "manage_metadata", "input": {"action": "set", "metadata": {"language": "es"}}},
            {
                "tool": "manage_metadata",
                "input": {"action": "set", "metadata": '{"customer_id": "x"}'},
            },
            {"tool": "manage_metadata", "input": {"action": "get", "keys": ["language"]}},
            "Noted: you prefer Spanish.",
        ]
    )
    agent = Agent(model=model, tools=[tool], session_manager=manager, callback_handler=None)
    reply = agent("Please answer in Spanish from now on.")
    assert str(reply).strip() == "Noted: you prefer Spanish."
    assert manager.get_metadata()["metadata"] == {"customer_id": "c-1", "language": "es"}
    results = [
        block["toolResult"]
        for message in agent.messages
        for block in message["content"]
        if "toolResult" in block
    ]
    assert [r["status"] for r in results] == ["success", "error", "success"]
    texts = [r["content"][0]["text"] for r in results]
    assert texts[0] == "Successfully updated metadata fields: ['language']"
    assert texts[1] == "Error managing metadata: not allowed to write: customer_id"
    assert texts[2] == 'Metadata retrieved: {"language": "es"}'


async def test_an_async_agent_drives_the_tool(new_manager: Make) -> None:
    manager = new_manager("async-tool")
    model = ScriptedModel(
        [
            {"tool": "manage_metadata", "input": {"action": "set", "metadata": {"mood": "ok"}}},
            "done",
        ]
    )
    agent = Agent(
        model=model,
        tools=[manager.get_metadata_tool()],
        session_manager=manager,
        callback_handler=None,
    )
    await agent.invoke_async("note my mood")
    assert (await manager.get_metadata_async())["metadata"] == {"mood": "ok"}
