"""The agents of one manager: their trackers, first use (restore or create) and reload."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from strands.types.content import Message
from strands.types.exceptions import SessionException
from strands.types.session import SessionMessage

from mongodb_session_manager.errors import SessionConflictError
from mongodb_session_manager.manager._loop import running_loop, warn_if_blocking_loop
from mongodb_session_manager.manager.opening import OpenedSession
from mongodb_session_manager.manager.restore import ReloadRead, restore_agent
from mongodb_session_manager.manager.tracking import AgentTracker, is_final_reply
from mongodb_session_manager.manager.writer import AgentWriter
from mongodb_session_manager.models import validate_id
from mongodb_session_manager.repository.repository import MongoDBSessionRepository
from mongodb_session_manager.store.sessions import RawMessage

__all__ = ["AgentRegistry"]

logger = logging.getLogger("mongodb_session_manager.manager.manager")


class AgentRegistry:
    """Per-agent trackers of one manager, and what was read ahead when it opened.

    Args:
        repository: The repository (its blocking reads restore agents).
        writer: The session's writer.
        opened: What opening the session read.
        fix_broken_tool_use: Strands' repair of a dangling tool use in a history.
    """

    def __init__(
        self,
        repository: MongoDBSessionRepository,
        writer: AgentWriter,
        opened: OpenedSession,
        fix_broken_tool_use: Callable[[list[Message]], list[Message]],
    ) -> None:
        self.writer = writer
        self.repository = repository
        self.session_id = writer.session_id
        self.trackers: dict[str, AgentTracker] = {}
        self.is_new_session = opened.is_new
        self.preloaded = opened.agents
        self.preloaded_messages = opened.messages
        self.fix_broken_tool_use = fix_broken_tool_use

    def tracker(self, agent: Any) -> AgentTracker:
        """The tracker of ``agent``; :class:`SessionException` if it was never initialized."""
        tracker = self.trackers.get(agent.agent_id)
        if tracker is None:
            raise SessionException(
                f"agent {agent.agent_id!r} was not initialized with this session manager"
            )
        return tracker

    def initialize(self, agent: Any) -> None:
        """Restore ``agent`` from the session, or register it as new (see the manager)."""
        agent_id = validate_id(agent.agent_id, "agent_id")
        if agent_id in self.trackers:
            raise SessionException("The `agent_id` of an agent must be unique in a session.")
        tracker = AgentTracker(agent_id=agent_id)
        self.trackers[agent_id] = tracker
        try:
            if agent_id in self.preloaded:
                stored = self.preloaded.pop(agent_id)
            elif self.is_new_session:
                stored = None
            else:
                warn_if_blocking_loop("restoring agent %r", agent_id)
                stored = self.repository.read_agent_record(self.session_id, agent_id)
            if stored is None:
                self._register_new(agent, tracker)
            else:
                self._restore(agent, tracker, stored)
        except BaseException:
            del self.trackers[agent_id]
            raise

    def _register_new(self, agent: Any, tracker: AgentTracker) -> None:
        tracker.pending_messages = [
            SessionMessage.from_message(message, index)
            for index, message in enumerate(agent.messages)
        ]
        tracker.next_message_id = len(tracker.pending_messages)
        if running_loop() is not None:
            logger.debug(
                "agent.create.deferred | session_id=%s agent_id=%s",
                self.session_id,
                tracker.agent_id,
            )
            return
        try:
            self.writer.store.runner.run_here(self.writer.create_agent(agent, tracker, None))
        except SessionConflictError:
            # Another writer created it since this manager looked (a preload is a
            # snapshot of when the session was opened): restore it instead.
            stored = self.repository.read_agent_record(self.session_id, tracker.agent_id)
            if stored is None:
                raise
            logger.info(
                "agent.create.exists | session_id=%s agent_id=%s restoring instead",
                self.session_id,
                tracker.agent_id,
            )
            tracker.pending_messages = []
            self._restore(agent, tracker, stored)

    def _restore(self, agent: Any, tracker: AgentTracker, stored: dict[str, Any]) -> None:
        def read_messages(offset: int) -> list[RawMessage]:
            raws = self.preloaded_messages.pop((tracker.agent_id, offset), None)
            if raws is None:
                warn_if_blocking_loop("reading messages of agent %r", tracker.agent_id)
                repository = self.repository
                raws = repository.runner.run_here(
                    repository.store.read_messages(self.session_id, tracker.agent_id, offset)
                )
            return raws

        restore_agent(agent, tracker, stored, read_messages, self.fix_broken_tool_use)

    def reloaded(self, agent: Any, read: ReloadRead) -> None:
        """Restore ``agent`` from ``read`` with a fresh tracker (see the manager's ``reload``)."""
        stored, offset, messages = read
        agent_id = self.tracker(agent).agent_id
        tracker = AgentTracker(agent_id=agent_id)  # pending tool uses were this manager's
        self.trackers[agent_id] = tracker
        self.preloaded_messages[(agent_id, offset)] = messages
        self._restore(agent, tracker, stored)
        logger.info(
            "agent.reloaded | session_id=%s agent_id=%s message_count=%s",
            self.session_id,
            agent_id,
            tracker.next_message_id,
        )

    # -- the turn's final reply, held for the after-turn write (AgentWriter.after_turn)

    def begin_turn(self, agent: Any) -> None:
        """Strands' before-invocation event: a turn of ``agent`` starts."""
        tracker = self.trackers.get(agent.agent_id)
        if tracker is not None:
            tracker.in_turn = True

    def hold(self, agent: Any, message: Message) -> bool:
        """Hold ``message`` if it is the final reply of a turn in progress; whether it was."""
        tracker = self.trackers.get(agent.agent_id)
        if (
            tracker is None
            or not tracker.in_turn
            or tracker.held is not None
            or not is_final_reply(message)
        ):
            return False
        tracker.held = (message, agent)
        return True

    def holding(self) -> list[AgentTracker]:
        """The trackers holding a turn's final reply for the after-turn write."""
        return [tracker for tracker in self.trackers.values() if tracker.held is not None]

    async def flush_held(self) -> None:
        """Write every held reply (at ``close``; failures are logged, never raised)."""
        for tracker in self.holding():
            try:
                await self.writer.flush_held(tracker)
            except Exception as exc:
                logger.warning(
                    "agent.flush_failed | session_id=%s agent_id=%s error=%s",
                    self.session_id,
                    tracker.agent_id,
                    type(exc).__name__,
                )

    def latest_message_id(self, agent_id: str) -> int | None:
        """The ``message_id`` of the latest message of ``agent_id`` known here, or ``None``."""
        tracker = self.trackers.get(agent_id)
        if tracker is not None and tracker.held is not None:
            return tracker.next_message_id  # the turn's final reply, written at the turn's end
        latest = tracker.latest if tracker is not None else None
        return latest.message_id if latest is not None else None
