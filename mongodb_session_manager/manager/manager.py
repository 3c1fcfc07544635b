"""``MongoDBSessionManager``: a Strands session manager on MongoDB.

Round trips (proved by ``tests/manager/test_budgets.py``):

* a message: one write, carrying the message, any change of agent state or
  configuration, the counters and totals, and ``updated_at``;
* a sync with nothing changed: none;
* resuming an agent: two reads (its fields, then its messages past the
  conversation manager's offset); zero when ``create_async`` preloaded it;
* opening a manager on an existing session: one read, no index commands.

In async apps (``invoke_async`` / ``stream_async``) the writes are awaited on
the store loop from async hooks, so the app's loop never waits on the database.

The work is done by the modules next to this one (:mod:`.opening`,
:mod:`.writer`, :mod:`.restore`, :mod:`.settings`) and by the session services
(:mod:`mongodb_session_manager.services`) the manager holds; this class is
Strands' interface, the hook registration and the delegation.
"""

from __future__ import annotations

import logging
from collections.abc import Coroutine, Mapping
from typing import TYPE_CHECKING, Any

from strands.hooks.events import (
    AfterInvocationEvent,
    AfterMultiAgentInvocationEvent,
    AfterNodeCallEvent,
    AgentInitializedEvent,
    BeforeInvocationEvent,
    MessageAddedEvent,
    MultiAgentInitializedEvent,
)
from strands.hooks.registry import HookRegistry
from strands.session.repository_session_manager import RepositorySessionManager
from strands.types.agent import LocalAgent
from strands.types.content import Message

from mongodb_session_manager._twins import awaiting, blocking, takes_parameters_of
from mongodb_session_manager.manager._loop import on_sync_bridge, warn_if_blocking_loop
from mongodb_session_manager.manager.agents import AgentRegistry
from mongodb_session_manager.manager.opening import OpenedSession, open_session
from mongodb_session_manager.manager.restore import read_for_reload
from mongodb_session_manager.manager.session_api import SessionFeaturesAPI
from mongodb_session_manager.manager.settings import Hook, ManagerSettings, manager_settings
from mongodb_session_manager.manager.writer import AgentWriter
from mongodb_session_manager.models import DEFAULT_GUARDRAIL_ACTION
from mongodb_session_manager.repository.repository import MongoDBSessionRepository
from mongodb_session_manager.services import session_services

if TYPE_CHECKING:
    from strands.agent.agent import Agent
    from strands.multiagent.base import MultiAgentBase

logger = logging.getLogger(__name__)

__all__ = ["Hook", "MongoDBSessionManager"]


class MongoDBSessionManager(SessionFeaturesAPI, RepositorySessionManager):
    """Persists Strands agents (conversation, state, configuration) in MongoDB.

    Session features (metadata, the metadata tool, hooks, feedback, agent
    configuration, metrics) are the services of :mod:`mongodb_session_manager.services`,
    which the manager holds and delegates to (:class:`.SessionFeaturesAPI`).

    Args:
        session_id: The conversation's id; created if it does not exist.
        connection_string: MongoDB URI. Managers with the same URI share one pool.
        database_name: Database of the sessions collection.
        collection_name: Collection of session documents.
        client: A ``pymongo.MongoClient`` (the library reaches the same deployment
            with the same options and credentials through an async twin of it, and
            never closes it), a ``pymongo.AsyncMongoClient``, or a
            :class:`MongoDBConnectionPool`. Anything else: ``TypeError``.
        metadata_fields: Metadata fields to index (once per process).
        metadata_hook: Intercepts metadata operations (see the hooks guide).
        feedback_hook: Intercepts feedback operations (called with
            ``session_manager=`` this manager).
        application_name: Stored on the session when it is created.
        max_document_bytes: Refuse writes that would grow the session past this size.
        repository: Use this repository (and its pool) instead of building one.
        preload_agents: Agent ids whose stored fields are read in the same single
            read that opens the session, so restoring them later reads only their
            messages (Strands' ``"default"`` agent unless told otherwise).
        ttl: Expire the session this long after its last write (``expires_at`` + a
            TTL index; every write refreshes it). ``None``: the repository's setting.
        keep_original: On a guardrail redaction, keep the original message for audit
            (Strands' behaviour, the default). ``False``: the redaction write also
            erases the original content and the matched text of the guardrail trace.
        create: Create the session if it does not exist (the default). ``False``
            (read-only code: viewer links, support tools): a missing session raises
            :class:`SessionNotFoundError` and nothing is written.
        metadataHook: Deprecated camelCase alias of ``metadata_hook``.
        feedbackHook: Deprecated camelCase alias of ``feedback_hook``.
        **kwargs: PyMongo client options (``maxPoolSize``, ``w``, ``authSource`` ...)
            go to the client; any other keyword goes to Strands'
            ``RepositorySessionManager``, which ignores it (logged), as in the
            reference library.

    Raises:
        InvalidIdentifierError: ``session_id`` cannot be stored.
        SessionNotFoundError: ``create=False`` and the session does not exist.
        TypeError: ``client`` is not one of the accepted kinds.
        StoreUnavailableError: MongoDB is unreachable within the timeout.
        SchemaVersionError: the stored session needs a migration.
    """

    session_repository: MongoDBSessionRepository
    """The repository (Strands' ``SessionRepository``) this manager writes through."""

    @takes_parameters_of(manager_settings)
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        preload = self._setup(manager_settings(*args, **kwargs))
        try:
            self._opened(self.runner.run(preload(False)))
        except BaseException:
            self.close()
            raise

    @classmethod
    @takes_parameters_of(manager_settings)
    async def create_async(cls, *args: Any, **kwargs: Any) -> MongoDBSessionManager:
        """Build a manager without blocking the running event loop.

        The session is opened on the store loop and the agents named in
        ``preload_agents`` (Strands' default agent id unless told otherwise) are
        read ahead, so ``Agent(session_manager=manager, agent_id=...)`` restores
        them without touching the database from the app's loop. ``create=False``:
        a missing session raises :class:`SessionNotFoundError`, nothing is written.
        """
        self = cls.__new__(cls)
        preload = self._setup(manager_settings(*args, **kwargs))
        try:
            self._opened(await self.runner.call(preload(True)))
        except BaseException:
            self.close()
            raise
        return self

    def _setup(self, settings: ManagerSettings) -> Any:
        """Everything the constructor does but I/O; returns the opening coroutine's maker."""
        self.session_id = settings.session_id
        self._closed = True  # until the repository exists: close() has nothing to release
        self._repo, self._owns_repository = settings.build_repository()
        self._closed = False
        self.session_repository = self._repo
        self.application_name = settings.application_name or self._repo.application_name
        self.metadata_hook = settings.metadata_hook
        self.feedback_hook = settings.feedback_hook
        self.keep_original = settings.keep_original
        self._services = session_services(self._repo.store, self.session_id)
        self._writer = AgentWriter(self._repo.store, self.session_id)

        def preload(with_messages: bool) -> Any:
            return open_session(
                self._repo.store,
                self.session_id,
                self.application_name,
                settings.preload_agents,
                with_messages=with_messages,
                create=settings.create,
            )

        return preload

    def _opened(self, opened: OpenedSession) -> None:
        self.session = opened.session
        self._is_new_session = opened.is_new  # Strands' initialize_multi_agent reads it
        self._agents = AgentRegistry(self._repo, self._writer, opened, self._fix_broken_tool_use)

    @property
    def repository(self) -> MongoDBSessionRepository:
        """The repository (and through it the pool) this manager writes with."""
        return self._repo

    # ------------------------------------------------------------------ agent life cycle

    def register_hooks(self, registry: HookRegistry, **kwargs: Any) -> None:
        """Register the persistence hooks; message and sync hooks are async."""
        registry.add_callback(AgentInitializedEvent, lambda event: self.initialize(event.agent))
        registry.add_callback(BeforeInvocationEvent, self._on_before_invocation)
        registry.add_callback(MessageAddedEvent, self._on_message_added)
        registry.add_callback(AfterInvocationEvent, self._on_after_invocation)
        registry.add_callback(
            MultiAgentInitializedEvent, lambda event: self.initialize_multi_agent(event.source)
        )
        registry.add_callback(AfterNodeCallEvent, self._on_multi_agent_progress)
        registry.add_callback(AfterMultiAgentInvocationEvent, self._on_multi_agent_progress)

    # On a sync call's own loop the writes run on that thread (no hop, see
    # ``store/inline.py``); on an application's loop they are awaited on the store loop.

    def _on_before_invocation(self, event: BeforeInvocationEvent) -> None:
        self._agents.begin_turn(event.agent)

    async def _on_message_added(self, event: MessageAddedEvent) -> None:
        if self._agents.hold(event.agent, event.message):
            return  # the turn's final reply: written with the after-turn state
        await self._run_from_hook(self._append_message(event.message, event.agent))

    async def _on_after_invocation(self, event: AfterInvocationEvent) -> None:
        tracker = self._agents.trackers.get(event.agent.agent_id)
        if tracker is not None:
            await self._run_from_hook(self._writer.after_turn(event.agent, tracker))

    async def _run_from_hook(self, coro: Coroutine[Any, Any, None]) -> None:
        """Run a hook's write here on a sync call's own loop, else await it on the store loop."""
        if on_sync_bridge():
            self.runner.run_here(coro)
        else:
            await self.runner.call(coro)

    async def _on_multi_agent_progress(
        self, event: AfterNodeCallEvent | AfterMultiAgentInvocationEvent
    ) -> None:
        await self.sync_multi_agent_async(event.source)

    def initialize(self, agent: Agent, **kwargs: Any) -> None:  # type: ignore[override]
        """Restore ``agent`` from the session, or register it as new.

        Restoring reads the agent's fields and then only its messages past the
        conversation manager's offset (two reads; none if preloaded). A new agent
        is written at once in sync code; in an async app its creation is folded
        into its first write, so building an Agent never blocks the loop.
        """
        self._agents.initialize(agent)

    # ------------------------------------------------------------------ messages

    async def _append_message(self, /, message: Message, agent: LocalAgent, **kwargs: Any) -> None:
        """Store ``message`` and any agent change in one write.

        If the write fails, the message is taken back out of ``agent.messages``
        and the typed error raised (docs/failures.md).
        """
        await self._writer.append_in_order(message, agent, self._agents.tracker(agent))

    append_message = blocking(_append_message, here=True)
    append_message_async = awaiting(_append_message)

    def latest_message_id(self, agent_id: str) -> int | None:
        """The ``message_id`` of the latest message of ``agent_id`` this manager knows (no I/O).

        What an app ties feedback to (``add_feedback({..., "message_id": ...})``)
        right after a turn. ``None`` if the agent has no message yet or was not
        initialized with this manager.
        """
        return self._agents.latest_message_id(agent_id)

    def redact_latest_message(  # type: ignore[override]
        self,
        redact_message: Message,
        agent: Agent,
        *,
        action: str = DEFAULT_GUARDRAIL_ACTION,
        stop_reason: str | None = None,
        guardrail_trace: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        """Store a redaction of the agent's latest message and its guardrail event, in one write.

        Strands calls it with ``(redact_message, agent)`` when a model asks to redact
        the user's input; a guardrail hook or the application may also pass what the
        guardrail did. The message gets ``guardrail_event`` {action, timestamp,
        stop_reason?, policies_triggered?, trace?}; the session's ``guardrail_events``
        gets {message_id, agent_id, action, timestamp, stop_reason?, policies_triggered?}.
        The message's metrics are kept; with ``keep_original=False`` its original
        content is erased in the same write.

        Args:
            redact_message: The message that replaces the latest one.
            agent: The agent whose latest message is redacted.
            action: What the guardrail did (``"BLOCKED"``, ``"ANONYMIZED"``...).
            stop_reason: The model's stop reason (see ``GUARDRAIL_STOP_REASONS``).
            guardrail_trace: A Bedrock ``GuardrailTrace``; summarised by policy.
            **kwargs: Ignored (Strands' extensibility argument).

        Raises:
            SessionException: the agent has no message yet.
            InvalidInputError: a bad ``action``, ``stop_reason`` or trace; nothing written.
        """
        request = {"action": action, "stop_reason": stop_reason, "guardrail_trace": guardrail_trace}
        self._writer.redact_latest(
            self._agents.tracker(agent), redact_message, request, keep_original=self.keep_original
        )

    # ------------------------------------------------------------------ reloading

    def reload(self, agent: Agent) -> None:
        """Replace the live agent's messages and state with what is stored, and go on.

        What a manager that lost a race does (``SessionConflictError``: another
        manager wrote to the same agent first): reload, then retry the turn. Two
        reads (the agent's fields, its messages past the conversation manager's
        offset); the next message gets the next stored ``message_id``.

        Raises:
            SessionNotFoundError: the agent (or the session) is not stored.
        """
        # Hand-written pair: the sync form logs when it blocks a running loop.
        warn_if_blocking_loop("reloading agent %r", agent.agent_id)
        agent_id = self._agents.tracker(agent).agent_id
        read = self.runner.run(read_for_reload(self._repo.store, self.session_id, agent_id))
        self._agents.reloaded(agent, read)

    async def reload_async(self, agent: Agent) -> None:
        """Async twin of :meth:`reload` (the reads run on the store loop)."""
        agent_id = self._agents.tracker(agent).agent_id
        read = await self.runner.call(read_for_reload(self._repo.store, self.session_id, agent_id))
        self._agents.reloaded(agent, read)

    # ------------------------------------------------------------------ agent state

    # Hand-written pair: the changes are computed on the caller's thread, so an
    # unchanged agent costs no hop to the store loop at all.
    def sync_agent(self, agent: Agent, **kwargs: Any) -> None:  # type: ignore[override]
        """Write whatever changed in the agent since the last write (nothing: no I/O)."""
        tracker = self._agents.trackers.get(agent.agent_id)
        if tracker is not None and tracker.held is not None:
            self.runner.run_here(self._writer.flush_held(tracker))  # carries the changes
            return
        changes = self._writer.pending_sync(agent, tracker)
        if tracker is not None and changes is not None:
            self.runner.run_here(self._writer.sync(agent, tracker, changes))

    async def sync_agent_async(self, agent: Agent, **kwargs: Any) -> None:
        """Async twin of :meth:`sync_agent`."""
        tracker = self._agents.trackers.get(agent.agent_id)
        if tracker is not None and tracker.held is not None:
            await self.runner.call(self._writer.flush_held(tracker))
            return
        changes = self._writer.pending_sync(agent, tracker)
        if tracker is not None and changes is not None:
            await self.runner.call(self._writer.sync(agent, tracker, changes))

    def sync_multi_agent(self, source: MultiAgentBase, **kwargs: Any) -> None:
        """Store a Graph / Swarm's state."""
        self._repo.update_multi_agent(self.session_id, source)

    async def sync_multi_agent_async(self, source: MultiAgentBase, **kwargs: Any) -> None:
        """Async twin of :meth:`sync_multi_agent`."""
        await self._repo.update_multi_agent_async(self.session_id, source)

    # ------------------------------------------------------------------ closing

    def close(self) -> None:
        """Release this manager's pool reference (shared pools stay open for others).

        A reply still held for its turn's end (a turn that ended in an error) is written first.
        """
        if getattr(self, "_closed", True):
            return
        agents = getattr(self, "_agents", None)  # None: the constructor failed before opening
        if agents is not None and agents.holding():
            self.runner.run_here(agents.flush_held())
        self._closed = True
        if self._owns_repository:
            self._repo.close()

    async def close_async(self) -> None:
        """Async twin of :meth:`close` (a held reply is written on the store loop)."""
        agents = getattr(self, "_agents", None)
        if not getattr(self, "_closed", True) and agents is not None and agents.holding():
            await self.runner.call(agents.flush_held())
        self.close()

    def __enter__(self) -> MongoDBSessionManager:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    async def __aenter__(self) -> MongoDBSessionManager:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()
