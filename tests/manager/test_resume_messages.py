"""Resume builds the agent's messages straight from the stored documents.

What the restored agent holds must be exactly what Strands' own path gives
(``SessionMessage.from_dict(...).to_message()`` of every stored message), and
once the agent is restored nothing per message is kept by the manager.
"""

from __future__ import annotations

import asyncio
import gc
from typing import Any, cast

from strands import Agent, tool
from strands.types.content import ContentBlock, Message
from strands.types.session import SessionMessage

from mongodb_session_manager import MongoDBSessionManager, MongoDBSessionManagerFactory
from mongodb_session_manager.testing import ScriptedModel
from tests.helpers.types import MakeManager as Make

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))
PDF = b"%PDF-1.7\n\x00\xff\xfe binary \x80"
REDACTED: Message = {"role": "assistant", "content": [{"text": "[redacted by guardrail]"}]}


@tool
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


def rich_conversation(manager: MongoDBSessionManager) -> Agent:
    """Tool use and result, image and document bytes, metadata, a redaction, extra keys."""
    agent = Agent(
        model=ScriptedModel([{"tool": "add", "input": {"a": 2, "b": 3}}, "It is 5.", "Nice pic."]),
        tools=[add],
        session_manager=manager,
        callback_handler=None,
    )
    agent("What is 2 + 3?")
    prompt: list[ContentBlock] = [
        {"text": "Look at these"},
        {"image": {"format": "png", "source": {"bytes": PNG}}},
        {"document": {"format": "pdf", "name": "spec", "source": {"bytes": PDF}}},
    ]
    agent(prompt)
    manager.redact_latest_message(REDACTED, agent)
    extra = cast(Message, {"role": "user", "content": [{"text": "by hand"}], "x_note": {"k": 1}})
    manager.append_message(extra, agent)
    return agent


def strands_restore(factory: MongoDBSessionManagerFactory, session_id: str) -> list[Message]:
    """What Strands' own restore gives: each stored message through its dict form."""
    stored = factory.repository.list_messages(session_id, "default")
    return [SessionMessage.from_dict(message.to_dict()).to_message() for message in stored]


def test_resumed_messages_are_exactly_what_strands_own_path_gives(
    new_manager: Make, factory: MongoDBSessionManagerFactory
) -> None:
    original = rich_conversation(new_manager("rich"))
    expected = strands_restore(factory, "rich")
    kinds = {next(iter(block)) for message in expected for block in message["content"]}
    assert {"toolUse", "toolResult", "image", "document", "text"} <= kinds
    assert any("metadata" in message for message in expected)
    assert REDACTED in expected and expected[-1].get("x_note") == {"k": 1}

    resumed = Agent(
        model=ScriptedModel(), session_manager=new_manager("rich"), callback_handler=None
    )
    assert resumed.messages == expected
    (image,) = [b["image"] for m in resumed.messages for b in m["content"] if "image" in b]
    assert type(image["source"]["bytes"]) is bytes and image["source"]["bytes"] == PNG
    # Up to the redacted answer, it is the live agent's conversation.
    assert resumed.messages[:4] == original.messages[:4]


async def test_preloaded_and_reloaded_agents_get_the_same_messages(
    new_manager: Make, factory: MongoDBSessionManagerFactory
) -> None:
    rich_conversation(new_manager("rich-async"))
    expected = strands_restore(factory, "rich-async")
    manager = await factory.create_session_manager_async("rich-async")
    preloaded = Agent(model=ScriptedModel(), session_manager=manager, callback_handler=None)
    assert preloaded.messages == expected
    assert manager.latest_message_id("default") == len(expected) - 1
    preloaded.messages = []
    await manager.reload_async(preloaded)
    assert preloaded.messages == expected
    await manager.close_async()


def _alive(kind: type) -> int:
    gc.collect()
    return sum(1 for obj in gc.get_objects() if type(obj) is kind)


def _stored_documents_alive() -> int:
    """Message documents as the driver returns them: a ``message_id`` beside the content,
    dates read aware (an in-process test server keeps its own, naive, copies)."""
    gc.collect()
    return sum(
        1
        for obj in gc.get_objects()
        if type(obj) is dict
        and "message_id" in obj
        and "content" in obj
        and getattr(obj.get("created_at"), "tzinfo", None) is not None
    )


def test_nothing_per_message_is_kept_once_the_agent_is_restored(
    new_manager: Make, factory: MongoDBSessionManagerFactory
) -> None:
    messages: list[Message] = [
        {"role": "user" if i % 2 == 0 else "assistant", "content": [{"text": f"message {i}"}]}
        for i in range(300)
    ]
    Agent(model=ScriptedModel(), session_manager=new_manager("kept"), messages=messages)
    held: list[Any] = []
    before = _alive(SessionMessage)
    documents = _stored_documents_alive()  # the embedded server's own, if in this process

    manager = new_manager("kept")
    held.append(Agent(model=ScriptedModel(), session_manager=manager, callback_handler=None))
    assert len(held[0].messages) == 300
    # One SessionMessage, the latest (what redaction and latest_message_id use).
    assert _alive(SessionMessage) - before == 1
    assert manager.latest_message_id("default") == 299
    assert _stored_documents_alive() - documents == 0

    manager.reload(held[0])
    assert _alive(SessionMessage) - before == 1  # the old latest went with the old tracker
    assert _stored_documents_alive() - documents == 0


def test_a_preloaded_agent_keeps_nothing_per_message_either(
    new_manager: Make, factory: MongoDBSessionManagerFactory
) -> None:
    messages: list[Message] = [{"role": "user", "content": [{"text": f"m{i}"}]} for i in range(50)]
    Agent(model=ScriptedModel(), session_manager=new_manager("kept-async"), messages=messages)
    documents = _stored_documents_alive()
    manager = asyncio.run(factory.create_session_manager_async("kept-async"))
    assert _stored_documents_alive() - documents == 50  # read ahead, until the agent is built
    agent = Agent(model=ScriptedModel(), session_manager=manager, callback_handler=None)
    assert len(agent.messages) == 50
    assert _stored_documents_alive() - documents == 0
    manager.close()
