"""The metadata tool: the agent keeps facts about the conversation, and so can your code.

Part 1, agent-driven: an agent gets ``manager.get_metadata_tool(...)`` (a Strands
tool named ``manage_metadata``) and decides itself to store, read and delete
facts. Part 2, direct: the same tool called from code, with the JSON strings an
LLM sends, and the key rules (protected keys, read-only keys) enforced.

Offline by default (embedded database, scripted model)::

    uv run python examples/metadata_tool.py
"""

from __future__ import annotations

import json
from typing import Any

from _support import database, model
from strands import Agent

from mongodb_session_manager import MongoDBSessionManager

DATABASE = "examples"
SESSION = "metadata-tool-example"

SCRIPT: list[Any] = [
    {
        "tool": "manage_metadata",
        "input": {"action": "set", "metadata": {"language": "es", "topic": "billing"}},
    },
    "¡Hola! I'll answer in Spanish from now on.",
    {"tool": "manage_metadata", "input": {"action": "get", "keys": ["language", "topic"]}},
    "You asked me to answer in Spanish, about billing.",
    {"tool": "manage_metadata", "input": {"action": "delete", "keys": ["topic"]}},
    "Done, I forgot the topic.",
    {"tool": "manage_metadata", "input": {"action": "set", "metadata": {"customer_id": "x"}}},
    "Sorry, I am not allowed to change the customer id.",
]
PROMPTS = [
    "Hi! Please answer in Spanish, I have a billing question.",
    "What do you remember about me?",
    "Forget the topic.",
    "Set my customer id to x.",
]


def main() -> None:
    with database() as uri:
        MongoDBSessionManager(SESSION, uri, DATABASE).repository.delete_session(SESSION)
        manager = MongoDBSessionManager(SESSION, uri, DATABASE)
        manager.update_metadata({"customer_id": "c-42"})  # owned by the application

        print("1. Agent-driven")
        agent = Agent(
            model=model(SCRIPT),
            tools=[manager.get_metadata_tool(protected_keys=["customer_id"])],
            system_prompt="Record the user's preferences with manage_metadata.",
            session_manager=manager,
            callback_handler=None,
        )
        for prompt in PROMPTS:
            start = len(agent.messages)
            reply = agent(prompt)
            for message in agent.messages[start:]:
                for block in message["content"]:
                    if "toolUse" in block:
                        print(f"  tool call: {json.dumps(block['toolUse']['input'])}")
                    elif "toolResult" in block:
                        result = block["toolResult"]
                        print(f"  tool {result['status']}: {result['content'][0]['text']}")
            print(f"  agent: {str(reply).strip()}")
        print(f"  stored metadata: {manager.get_session_metadata().model_dump()}")

        print("2. Direct calls")
        tool = manager.get_metadata_tool(
            readable_keys=["language", "preferences"],
            writable_keys=["preferences"],
            protected_keys=["customer_id"],
        )
        calls: list[dict[str, Any]] = [
            {"action": "set", "metadata": '{"preferences.units": "metric"}'},  # a JSON string
            {"action": "get"},
            {"action": "get", "keys": '["customer_id"]'},
            {"action": "set", "metadata": {"language": "fr"}},
            {"action": "delete", "keys": "preferences.units"},
            {"action": "purge"},
        ]
        for arguments in calls:
            answer = tool(**arguments)  # called directly, the tool answers with a text
            print(f"  {json.dumps(arguments)} -> {answer}")
        print(f"  stored metadata: {manager.get_session_metadata().model_dump()}")
        manager.close()


if __name__ == "__main__":
    main()
