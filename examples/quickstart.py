"""Quickstart: an agent talks, is persisted in MongoDB, and a new manager resumes it.

Runs offline: an embedded MongoDB-compatible server (unless MONGODB_URI is set)
and a scripted model (no API key). Run it with::

    uv run python examples/quickstart.py
"""

from __future__ import annotations

from _support import database
from strands import Agent, tool

from mongodb_session_manager import MongoDBSessionManager
from mongodb_session_manager.testing import ScriptedModel


@tool
def multiply(a: float, b: float) -> float:
    """Multiply two numbers."""
    return a * b


def main() -> None:
    with database() as uri:
        # 1. A support agent has a conversation; every message is stored as it happens.
        manager = MongoDBSessionManager("quickstart-session", uri, "quickstart")
        manager.repository.delete_session("quickstart-session")  # start the story afresh
        manager.close()
        manager = MongoDBSessionManager("quickstart-session", uri, "quickstart")
        model = ScriptedModel(
            [
                "Hello Ana! How can I help you today?",
                {"tool": "multiply", "input": {"a": 12, "b": 7.5}},
                "12 licences at 7.50 cost 90.00 in total.",
            ]
        )
        agent = Agent(
            model=model,
            tools=[multiply],
            session_manager=manager,
            system_prompt="You are a friendly billing assistant.",
            callback_handler=None,
        )
        agent("Hi, I'm Ana.")
        agent("How much are 12 licences at 7.50 each?")
        manager.close()

        # 2. Later (another request, another process): a new manager resumes it.
        resumed_manager = MongoDBSessionManager("quickstart-session", uri, "quickstart")
        resumed = Agent(
            model=ScriptedModel(["You asked about 12 licences, Ana."]),
            tools=[multiply],
            session_manager=resumed_manager,
            callback_handler=None,
        )
        print(f"Restored {len(resumed.messages)} messages from MongoDB:")
        for message in resumed.messages:
            for block in message["content"]:
                if "text" in block:
                    shown = block["text"]
                elif "toolUse" in block:
                    shown = f"[tool call] {block['toolUse']['name']}({block['toolUse']['input']})"
                elif "toolResult" in block:
                    shown = f"[tool result] {block['toolResult']['content'][0].get('text')}"
                else:
                    shown = f"[{next(iter(block))}]"
                print(f"  {message['role']:>9}: {shown}")

        reply = resumed("What did I ask about?")
        print(f"\nThe conversation continues: {reply}")
        record = resumed_manager.repository.read_agent_record("quickstart-session", "default")
        assert record is not None
        totals = record["totals"]
        print(
            f"Stored: {record['message_count']} messages, {totals['total_tokens']} tokens, "
            f"{totals['model_calls']} model calls, model {record['model']!r}."
        )
        resumed_manager.close()


if __name__ == "__main__":
    main()
