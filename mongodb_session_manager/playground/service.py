"""The playground's work: run a turn as a stream of events, read a session back, store feedback.

Every database call is awaited on the library's store loop (``*_async``
methods, ``create_session_manager_async`` with the agent preloaded), so the
web server's event loop never waits on MongoDB.

A turn runs as its own task and hands events to the HTTP response through a
queue: if the browser goes away mid-answer (a reload), the turn still finishes
and is stored whole, and the next page load shows it.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

from strands import Agent
from strands.models.model import Model
from strands.types.session import SessionMessage

from mongodb_session_manager.demo.models import parse_model_spec, resolve_model
from mongodb_session_manager.demo.tools import calculator
from mongodb_session_manager.demo.viewer_launch import viewer_session_url
from mongodb_session_manager.errors import (
    InvalidInputError,
    SessionConflictError,
    SessionNotFoundError,
    TurnInProgressError,
)
from mongodb_session_manager.manager import MongoDBSessionManager, MongoDBSessionManagerFactory
from mongodb_session_manager.models import Feedback
from mongodb_session_manager.playground.events import Event, call_figures, drain, turn_events
from mongodb_session_manager.playground.offline import offline_script
from mongodb_session_manager.playground.settings import PlaygroundSettings
from mongodb_session_manager.services.metrics import MetricsSummary

__all__ = [
    "MAX_TOOL_TEXT",
    "SESSION_ID_PATTERN",
    "TURN_SHUTDOWN_SECONDS",
    "Event",
    "PlaygroundService",
    "TurnInProgressError",
    "check_session_id",
    "page_blocks",
    "page_message",
    "stats_of",
]

logger = logging.getLogger(__name__)

SESSION_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$")
"""Session ids the playground accepts (what its page generates, and more)."""
MAX_TOOL_TEXT = 2_000
"""Tool results are cut to this many characters for the page."""
TURN_SHUTDOWN_SECONDS = 30.0
_CHUNK_SIZE = 6


def check_session_id(session_id: str) -> str:
    """``session_id`` if the playground accepts it.

    Raises:
        InvalidInputError: It is not 1-128 letters, digits, ``_ . : -``.
    """
    if not SESSION_ID_PATTERN.fullmatch(session_id):
        raise InvalidInputError(
            "session ids are 1-128 letters, digits, '_', '.', ':' or '-' (starting with a "
            "letter or digit)"
        )
    return session_id


def page_blocks(content: Sequence[Any]) -> list[dict[str, Any]]:
    """Strands content blocks as the page shows them (text, tool use, tool result)."""
    from mongodb_session_manager.models.content import (
        TextBlock,
        ToolResultBlock,
        ToolUseBlock,
        result_text,
        to_blocks,
    )

    blocks: list[dict[str, Any]] = []
    for block in to_blocks([b for b in content if isinstance(b, Mapping)]):
        if isinstance(block, TextBlock):
            blocks.append({"type": "text", "text": block.text})
        elif isinstance(block, ToolUseBlock):
            blocks.append(
                {
                    "type": "tool_use",
                    "id": block.tool_use_id or "",
                    "name": block.name,
                    "input": block.input,
                }
            )
        elif isinstance(block, ToolResultBlock):
            text = result_text(block)
            if len(text) > MAX_TOOL_TEXT:
                text = text[: MAX_TOOL_TEXT - 1] + "…"
            blocks.append(
                {
                    "type": "tool_result",
                    "id": block.tool_use_id or "",
                    "status": block.status or "",
                    "text": text,
                }
            )
    return blocks


def page_message(stored: SessionMessage, feedback: str | None) -> dict[str, Any]:
    """A stored message for the page (the redaction when a guardrail redacted it)."""
    message = stored.redact_message or stored.message
    shown: dict[str, Any] = {
        "message_id": stored.message_id,
        "role": message.get("role"),
        "blocks": page_blocks(message.get("content") or []),
        "redacted": stored.redact_message is not None,
        "feedback": feedback,
    }
    if message.get("role") == "assistant":
        shown.update(call_figures(stored.message))
    return shown


def stats_of(
    summary: MetricsSummary, agent_id: str, metadata: Mapping[str, Any], feedbacks: int
) -> dict[str, Any]:
    """The side panel's figures."""
    agent = summary.agents.get(agent_id)
    totals, averages = summary.totals, summary.averages
    return {
        "message_count": agent.message_count if agent else 0,
        "model": agent.model if agent else None,
        "model_calls": totals.model_calls,
        "input_tokens": totals.input_tokens,
        "output_tokens": totals.output_tokens,
        "total_tokens": totals.total_tokens,
        "average_latency_ms": round(averages.latency_ms_per_call),
        "total_latency_ms": totals.latency_ms,
        "average_ttfb_ms": round(averages.time_to_first_byte_ms_per_call),
        "tool_calls": sum(tool.calls for tool in summary.tools.values()),
        "feedbacks": feedbacks,
        "metadata": dict(metadata),
    }


class PlaygroundService:
    """The playground's state: one factory (one pool), one lock per session, running turns."""

    def __init__(self, settings: PlaygroundSettings) -> None:
        self.settings = settings
        self.spec = parse_model_spec(settings.model)
        # A real model client is made once; the scripted model is made per turn (its script).
        self._model: Model | None = None if self.spec.offline else resolve_model(self.spec)
        self._factory: MongoDBSessionManagerFactory | None = None
        self._busy: set[str] = set()
        """Sessions with a turn running (one event loop: a set is enough)."""
        self._turns: set[asyncio.Task[None]] = set()

    # ------------------------------------------------------------------ life cycle

    async def start(self) -> None:
        """Open the pool and create the indexes (once, without blocking the loop)."""
        settings = self.settings
        self._factory = await MongoDBSessionManagerFactory.create_async(
            settings.connection_string,
            settings.database_name,
            settings.collection_name,
            client=settings.client,
            application_name="msm-playground",
            **settings.pool_options,
        )

    async def close(self) -> None:
        """Let running turns finish (bounded), then release the pool."""
        if self._turns:
            _, pending = await asyncio.wait(set(self._turns), timeout=TURN_SHUTDOWN_SECONDS)
            for task in pending:
                task.cancel()
        if self._factory is not None:
            await self._factory.close_async()
            self._factory = None

    @property
    def factory(self) -> MongoDBSessionManagerFactory:
        """The shared factory (after :meth:`start`)."""
        if self._factory is None:
            raise RuntimeError("the playground service is not started")
        return self._factory

    # ------------------------------------------------------------------ reading

    def viewer_link(self, session_id: str) -> str | None:
        """The viewer page of ``session_id`` (``None`` when no viewer is configured)."""
        base = self.settings.viewer_url
        token = self.settings.viewer_token
        return viewer_session_url(base, session_id, token) if base else None

    async def _stats(self, manager: MongoDBSessionManager) -> dict[str, Any]:
        summary, metadata, feedbacks = await asyncio.gather(
            manager.get_metrics_summary_async(),
            manager.get_session_metadata_async(),
            manager.get_feedbacks_async(),
        )
        return stats_of(summary, self.settings.agent_id, metadata.model_dump(), len(feedbacks))

    async def history(self, session_id: str) -> dict[str, Any]:
        """The session as the page shows it; an empty one if it does not exist yet.

        Reading never creates a session (a page load must not leave empty ones).
        """
        check_session_id(session_id)
        repository = self.factory.repository
        empty = {
            "session_id": session_id,
            "exists": False,
            "messages": [],
            "stats": None,
            "viewer_url": self.viewer_link(session_id),
        }
        try:  # create=False: reading never creates the session (one read)
            manager = await self.factory.create_session_manager_async(
                session_id, preload_agents=(), create=False
            )
        except SessionNotFoundError:
            return empty
        try:
            messages, feedbacks, stats = await asyncio.gather(
                repository.list_messages_async(session_id, self.settings.agent_id),
                manager.get_feedbacks_async(),
                self._stats(manager),
            )
        except SessionNotFoundError:
            return empty  # deleted in between
        finally:
            await manager.close_async()
        ratings = _latest_ratings(feedbacks, self.settings.agent_id)
        return {
            **empty,
            "exists": True,
            "messages": [page_message(m, ratings.get(m.message_id)) for m in messages],
            "stats": stats,
        }

    # ------------------------------------------------------------------ feedback

    async def add_feedback(
        self, session_id: str, message_id: int, rating: str | None, comment: str
    ) -> dict[str, Any]:
        """Store feedback on one answer of the session; returns it and the new figures.

        Raises:
            InvalidInputError: Not an assistant message of this session, or bad feedback.
            SessionNotFoundError: The session does not exist.
        """
        check_session_id(session_id)
        agent_id = self.settings.agent_id
        stored = await self.factory.repository.read_message_async(session_id, agent_id, message_id)
        if stored is None or stored.message.get("role") != "assistant":
            raise InvalidInputError(
                f"message {message_id} is not an answer of session {session_id!r}"
            )
        manager = await self.factory.create_session_manager_async(
            session_id, preload_agents=(), create=False
        )  # deleted since the read above: SessionNotFoundError, never a new empty session
        try:
            feedback: Feedback = await manager.add_feedback_async(
                {
                    "rating": rating,
                    "comment": comment,
                    "agent_id": agent_id,
                    "message_id": message_id,
                }
            )
            stats = await self._stats(manager)
        finally:
            await manager.close_async()
        return {"feedback": feedback.model_dump(mode="json"), "stats": stats}

    # ------------------------------------------------------------------ a turn

    def _turn_model(self, prompt: str) -> Model:
        if self._model is not None:
            return self._model
        return resolve_model(
            self.spec,
            offline_script(prompt),
            latency_ms=self.settings.latency_ms,
            simulate_latency=self.settings.latency_ms > 0,
            chunk_size=_CHUNK_SIZE,
        )

    def start_turn(self, session_id: str, text: str) -> AsyncIterator[Event]:
        """Start a turn; returns the events to stream to the page.

        Raises:
            InvalidInputError: Bad session id or message.
            TurnInProgressError: A turn is already running in this session.
        """
        check_session_id(session_id)
        text = text.strip()
        if not text:
            raise InvalidInputError("the message is empty")
        if len(text) > self.settings.max_message_chars:
            raise InvalidInputError(
                f"the message is longer than {self.settings.max_message_chars} characters"
            )
        if session_id in self._busy:
            # Two writers on one agent would conflict (SessionConflictError): refuse early.
            raise TurnInProgressError("a reply is still being written in this session")
        self._busy.add(session_id)
        queue: asyncio.Queue[Event | None] = asyncio.Queue()
        task = asyncio.create_task(self._turn(session_id, text, queue))
        self._turns.add(task)
        task.add_done_callback(self._turns.discard)
        return drain(queue)

    async def _turn(self, session_id: str, text: str, queue: asyncio.Queue[Event | None]) -> None:
        agent_id = self.settings.agent_id
        manager: MongoDBSessionManager | None = None
        try:
            manager = await self.factory.create_session_manager_async(
                session_id, preload_agents=(agent_id,)
            )
            agent = Agent(
                model=self._turn_model(text),
                agent_id=agent_id,
                name=agent_id,
                system_prompt=self.settings.system_prompt,
                tools=[calculator, manager.get_metadata_tool()],
                session_manager=manager,
                callback_handler=None,
            )
            ids: list[int] = []
            try:
                async for event in turn_events(agent, manager, text, ids, page_blocks):
                    queue.put_nowait(event)
            except SessionConflictError:
                if ids:  # part of the turn is stored: report it, never store it twice
                    raise
                # Another writer went first; nothing of this turn was stored nor kept in
                # memory (docs/failures.md): reload what is stored and run the turn again.
                logger.info("playground.turn.reload | session_id=%s", session_id)
                await manager.reload_async(agent)
                async for event in turn_events(agent, manager, text, ids, page_blocks):
                    queue.put_nowait(event)
            done: dict[str, Any] = {
                "message_ids": ids,
                "stats": await self._stats(manager),
                "viewer_url": self.viewer_link(session_id),
            }
            queue.put_nowait(("done", done))
            logger.info("playground.turn.done | session_id=%s messages=%s", session_id, len(ids))
        except Exception as exc:
            logger.exception("playground.turn.failed | session_id=%s", session_id)
            queue.put_nowait(("error", {"message": f"{type(exc).__name__}: {exc}"[:500]}))
        finally:
            self._busy.discard(session_id)
            if manager is not None:
                await manager.close_async()
            queue.put_nowait(None)


def _latest_ratings(feedbacks: Sequence[Feedback], agent_id: str) -> dict[int, str | None]:
    ratings: dict[int, str | None] = {}
    for feedback in feedbacks:  # oldest first: the latest wins
        if feedback.message_id is not None and feedback.agent_id in (agent_id, None):
            ratings[feedback.message_id] = feedback.rating
    return ratings
