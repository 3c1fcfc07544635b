"""A playground turn as page events: Strands' stream translated, and handed over by a queue.

:func:`turn_events` turns ``agent.stream_async`` events into what the page
shows (``user``, ``token``, ``tool_start``, ``tool_call``, ``tool_result``,
``assistant``, ``metadata``) and collects the ids of the stored messages;
:func:`drain` reads a running turn's queue until it ends.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from strands import Agent

from mongodb_session_manager.manager import MongoDBSessionManager

__all__ = ["BlockRenderer", "Event", "call_figures", "drain", "turn_events"]

Event = tuple[str, dict[str, Any]]
"""An event for the page: its name and its JSON data."""

BlockRenderer = Callable[[Sequence[Any]], list[dict[str, Any]]]
"""Strands content blocks → the page's blocks (``playground.service.page_blocks``)."""

METADATA_TOOL = "manage_metadata"
_BLOCK_EVENTS = {"tool_use": "tool_call", "tool_result": "tool_result"}
"""Page block type → the event announcing it."""


def call_figures(message: Mapping[str, Any]) -> dict[str, Any]:
    """Tokens and latency of one model call, from an assistant message's metadata.

    Args:
        message: A Strands message (its ``metadata`` holds ``usage`` and ``metrics``).

    Returns:
        ``input_tokens``, ``output_tokens`` and ``latency_ms`` (0 when unknown).
    """
    metadata = message.get("metadata") or {}
    usage = metadata.get("usage") or {}
    metrics = metadata.get("metrics") or {}
    return {
        "input_tokens": int(usage.get("inputTokens") or 0),
        "output_tokens": int(usage.get("outputTokens") or 0),
        "latency_ms": int(metrics.get("latencyMs") or 0),
    }


async def drain(queue: asyncio.Queue[Event | None]) -> AsyncIterator[Event]:
    """Yield a turn's events until its end marker (``None``).

    Args:
        queue: Where the running turn puts its events.

    Yields:
        The page events, in order.
    """
    while (event := await queue.get()) is not None:
        yield event


@dataclass
class _TurnState:
    """What one turn has announced so far."""

    agent: Agent
    manager: MongoDBSessionManager
    ids: list[int]
    render: BlockRenderer
    before: int | None
    announced_user: bool = False
    started_tools: set[str] = field(default_factory=set)

    def user_event(self) -> Event | None:
        """The ``user`` event, once the user's message is stored (a new latest id)."""
        if self.announced_user:
            return None
        user_id = self.manager.latest_message_id(self.agent.agent_id)
        if user_id is None or user_id == self.before:
            return None
        self.ids.append(user_id)
        self.announced_user = True
        return "user", {"message_id": user_id}

    def tool_start_event(self, use: Mapping[str, Any]) -> Event | None:
        """The ``tool_start`` event, the first time a tool use id streams in."""
        use_id = str(use.get("toolUseId", ""))
        if not use_id or use_id in self.started_tools:
            return None
        self.started_tools.add(use_id)
        return "tool_start", {"id": use_id, "name": str(use.get("name", ""))}

    async def message_events(self, message: Mapping[str, Any]) -> AsyncIterator[Event]:
        """Events of one stored message: its tool blocks, the answer, new metadata."""
        message_id = self.manager.latest_message_id(self.agent.agent_id)
        if message_id is not None:
            self.ids.append(message_id)
        blocks = self.render(message.get("content") or [])
        for block in blocks:
            if block["type"] in _BLOCK_EVENTS:
                yield _BLOCK_EVENTS[block["type"]], block
        if message.get("role") == "assistant":
            yield (
                "assistant",
                {"message_id": message_id, "blocks": blocks, **call_figures(message)},
            )
        metadata_ids = _metadata_tool_ids(self.agent)
        if any(b["type"] == "tool_result" and b["id"] in metadata_ids for b in blocks):
            metadata = await self.manager.get_session_metadata_async()
            yield "metadata", {"metadata": metadata.model_dump()}


async def turn_events(
    agent: Agent,
    manager: MongoDBSessionManager,
    text: str,
    ids: list[int],
    render: BlockRenderer,
) -> AsyncIterator[Event]:
    """Strands' stream events as page events; collects the ids of the stored messages.

    Args:
        agent: The agent answering (its session manager is ``manager``).
        manager: The session manager storing the turn.
        text: What the user wrote.
        ids: Receives the id of every message stored during the turn.
        render: Renders content blocks for the page.

    Yields:
        The page events, as the turn happens.
    """
    state = _TurnState(agent, manager, ids, render, manager.latest_message_id(agent.agent_id))
    async for event in agent.stream_async(text):
        user = state.user_event()
        if user is not None:
            yield user
        if "data" in event and isinstance(event["data"], str):
            yield "token", {"text": event["data"]}
        elif isinstance(event.get("current_tool_use"), Mapping):
            started = state.tool_start_event(event["current_tool_use"])
            if started is not None:
                yield started
        elif isinstance(event.get("message"), Mapping):
            async for page_event in state.message_events(event["message"]):
                yield page_event


def _metadata_tool_ids(agent: Agent) -> set[str]:
    """Tool-use ids of the metadata tool in the agent's latest assistant message."""
    for message in reversed(agent.messages):
        if message.get("role") == "assistant":
            return {
                str(block["toolUse"].get("toolUseId"))
                for block in message.get("content", [])
                if "toolUse" in block and block["toolUse"].get("name") == METADATA_TOOL
            }
    return set()
