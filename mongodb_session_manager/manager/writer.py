"""The manager's write path: create an agent, append a message, sync, redact.

Round trips: a message is one write, carrying the message, any change of agent
state or configuration, the counters and totals (tool usage included) and
``updated_at``; a sync with nothing changed is none.

The failure rule (docs/failures.md): after a failed write the live agent holds
exactly what is stored, and the caller gets the typed error.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Mapping
from typing import Any, cast

from strands.types.content import Message
from strands.types.exceptions import SessionException
from strands.types.session import SessionAgent, SessionMessage

from mongodb_session_manager.manager.tool_usage import plan_tool_usage
from mongodb_session_manager.manager.tracking import AgentTracker, Changes, snapshot_agent
from mongodb_session_manager.models import Totals, storage_key
from mongodb_session_manager.services.guardrail import plan_redaction, redaction_update
from mongodb_session_manager.store.codec import (
    agent_document,
)
from mongodb_session_manager.store.message_documents import message_document
from mongodb_session_manager.store.sessions import SessionStore

__all__ = ["AgentWriter", "RedactionRequest", "take_back"]

logger = logging.getLogger("mongodb_session_manager.manager.manager")

RedactionRequest = Mapping[str, Any]
"""``action``, ``stop_reason``, ``guardrail_trace`` of a redaction (as passed to the manager)."""


class AgentWriter:
    """Writes the agents of one session (every coroutine runs on the store loop).

    Args:
        store: What the writes go through.
        session_id: The session.
    """

    def __init__(self, store: SessionStore, session_id: str) -> None:
        self.store = store
        self.session_id = session_id

    async def create_agent(
        self, agent: Any, tracker: AgentTracker, message: SessionMessage | None
    ) -> None:
        """Create the agent record, with its initial messages and ``message`` if given."""
        snapshot = snapshot_agent(agent)
        session_agent = SessionAgent(
            agent_id=tracker.agent_id,
            state=snapshot["state"],
            conversation_manager_state=snapshot["conversation_manager_state"],
            _internal_state=snapshot["internal_state"],
        )
        pending = [*tracker.pending_messages, *([message] if message is not None else [])]
        documents = [message_document(m) for m in pending]
        redactions = [tracker.pending_redactions.get(d["message_id"]) for d in documents]
        for document, plan in zip(documents, redactions, strict=True):
            if plan is not None:
                document.update(plan.message_fields)
        increments: dict[str, int] = {}
        for document in documents:
            for name, value in Totals.increments(document.get("metadata")).items():
                increments[name] = increments.get(name, 0) + value
        tool_usage = plan_tool_usage(tracker, agent, pending)
        document = agent_document(
            session_agent,
            model=snapshot["model"],
            system_prompt=snapshot["system_prompt"],
            messages=documents,
            totals=Totals(**increments, tools=tool_usage.by_key()),
        )
        extra = tool_usage.update(None)
        events = [plan.session_event for plan in redactions if plan is not None]
        if events:
            extra = {**extra, "$push": {"guardrail_events": {"$each": events}}}
        await self.store.create_agent(self.session_id, document, increments=increments, extra=extra)
        tracker.pending_redactions = {}
        tool_usage.commit()
        tracker.stored = True
        tracker.pending_messages = []
        tracker.remember(snapshot, document["state_bytes"], snapshot)
        if pending:
            tracker.latest = pending[-1]

    async def append(self, message: Message, agent: Any, tracker: AgentTracker) -> None:
        """Store ``message``; if that fails, take it back out of ``agent.messages``.

        This runs on the store loop, which alone knows whether the write happened
        (a caller cancelled while waiting must not undo a write that went through).
        """
        try:
            session_message = SessionMessage.from_message(message, tracker.next_message_id)
            if not tracker.stored:
                await self.create_agent(agent, tracker, session_message)
            else:
                await self._append_stored(session_message, agent, tracker)
        except BaseException as exc:
            take_back(agent, message)
            logger.warning(
                "message.unsaved | session_id=%s agent_id=%s message_id=%s error=%s "
                "removed from the live agent",
                self.session_id,
                tracker.agent_id,
                tracker.next_message_id,
                type(exc).__name__,
            )
            raise
        tracker.next_message_id += 1
        tracker.latest = session_message

    async def _append_stored(
        self, session_message: SessionMessage, agent: Any, tracker: AgentTracker
    ) -> None:
        snapshot = tracker.snapshot(agent)
        changes = tracker.changes(snapshot)
        fields, state_bytes = tracker.fields_to_write(changes)
        tool_usage = plan_tool_usage(tracker, agent, [session_message])
        await self.store.append(
            self.session_id,
            tracker.agent_id,
            message_document(session_message),
            agent_fields=fields,
            added_state_bytes=state_bytes - tracker.state_bytes,
            extra=tool_usage.update(storage_key(tracker.agent_id)),
        )
        tool_usage.commit()
        tracker.remember(changes, state_bytes, snapshot)

    @staticmethod
    def pending_sync(agent: Any, tracker: AgentTracker | None) -> Changes | None:
        """The changes a sync writes, or ``None`` when there is nothing to do (no I/O)."""
        if tracker is None:
            return None
        snapshot = tracker.snapshot(agent)
        changes = tracker.changes(snapshot)
        if tracker.stored and not changes:
            return None
        return Changes(changes, snapshot)

    async def append_in_order(self, message: Message, agent: Any, tracker: AgentTracker) -> None:
        """:meth:`append`, after the reply held for the turn's end if there is one."""
        if tracker.held is not None and tracker.held[0] is not message:
            try:
                await self.flush_held(tracker)  # the older message goes first
            except BaseException:
                take_back(agent, message)  # nor is this one stored (docs/failures.md)
                raise
        await self.append(message, agent, tracker)

    async def flush_held(self, tracker: AgentTracker) -> bool:
        """Write the reply held for the end of the turn, if any (with every change since)."""
        held, tracker.held = tracker.held, None
        if held is None:
            return False
        message, agent = held
        await self.append(message, agent, tracker)
        return True

    async def after_turn(self, agent: Any, tracker: AgentTracker) -> None:
        """The after-invocation write: the held reply with the new state, or the state alone.

        Strands trims the conversation (the sliding window's offset moves) after
        the turn's final reply is added, so that reply is held until now and one
        write carries both: a plain turn costs two writes at any length, and the
        stored offset always matches the stored messages.
        """
        tracker.in_turn = False
        if await self.flush_held(tracker):
            return
        changes = self.pending_sync(agent, tracker)
        if changes is not None:
            await self.sync(agent, tracker, changes)

    async def sync(self, agent: Any, tracker: AgentTracker, changes: Changes) -> None:
        """Write ``changes`` (creating the agent if it is not stored yet)."""
        if not tracker.stored:
            await self.create_agent(agent, tracker, None)
            return
        fields, state_bytes = tracker.fields_to_write(changes.fields)
        await self.store.update_agent(
            self.session_id, tracker.agent_id, fields, state_bytes - tracker.state_bytes
        )
        tracker.remember(changes.fields, state_bytes, changes.snapshot)

    def redact_latest(
        self,
        tracker: AgentTracker,
        redact_message: Message,
        request: RedactionRequest,
        *,
        keep_original: bool,
    ) -> None:
        """Store a redaction of the tracker's latest message and its guardrail event (blocking).

        Raises:
            SessionException: The agent has no message yet.
            InvalidInputError: A bad ``action``, ``stop_reason`` or trace; nothing written.
        """
        if tracker.held is not None:  # the reply held for the turn's end is the latest
            self.store.runner.run_here(self.flush_held(tracker))
        latest = tracker.latest
        if latest is None:
            raise SessionException("No message to redact.")
        plan = plan_redaction(
            agent_id=tracker.agent_id,
            message_id=latest.message_id,
            original=cast(Mapping[str, Any], latest.message),
            redact_message=cast(Mapping[str, Any], redact_message),
            keep_original=keep_original,
            **request,
        )
        before = (latest.redact_message, latest.message)
        latest.redact_message = redact_message
        if not keep_original:  # nor kept in memory, where a later write could store it
            latest.message = cast(Message, copy.deepcopy(dict(redact_message)))
        if not tracker.stored:
            tracker.pending_redactions[latest.message_id] = plan  # written with the agent
            return
        store = self.store
        try:
            store.runner.run_here(
                store.update_message(
                    self.session_id,
                    tracker.agent_id,
                    latest.message_id,
                    latest.redact_message,
                    lambda path: redaction_update(path, plan),
                )
            )
        except BaseException:
            # The failure rule: the record says what is stored (docs/failures.md).
            latest.redact_message, latest.message = before
            raise
        logger.info(
            "guardrail.event | session_id=%s agent_id=%s message_id=%s action=%s policies=%s",
            self.session_id,
            tracker.agent_id,
            latest.message_id,
            request.get("action"),
            sorted(plan.session_event.get("policies_triggered") or {}),
        )


def take_back(agent: Any, message: Message) -> None:
    """Remove ``message`` (this very object) from the agent's memory, from the end."""
    messages = getattr(agent, "messages", None)
    if not isinstance(messages, list):
        return
    for index in range(len(messages) - 1, -1, -1):
        if messages[index] is message:
            del messages[index]
            return
