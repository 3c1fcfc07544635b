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
"""

from __future__ import annotations

import asyncio
import copy
import logging
import warnings
from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any, cast

from strands.agent.state import AgentState
from strands.hooks.events import (
    AfterInvocationEvent,
    AfterMultiAgentInvocationEvent,
    AfterNodeCallEvent,
    AgentInitializedEvent,
    MessageAddedEvent,
    MultiAgentInitializedEvent,
)
from strands.hooks.registry import HookRegistry
from strands.session.repository_session_manager import RepositorySessionManager
from strands.types.content import Message
from strands.types.exceptions import SessionException
from strands.types.session import Session, SessionAgent, SessionMessage, SessionType

from mongodb_session_manager.errors import SessionConflictError, SessionNotFoundError
from mongodb_session_manager.features import (
    AgentConfigMixin,
    FeedbackMixin,
    MetadataToolMixin,
    MetricsMixin,
)
from mongodb_session_manager.features.guardrail import plan_redaction, redaction_update
from mongodb_session_manager.features.viewer_password import ViewerPasswordMixin
from mongodb_session_manager.manager.tracking import (
    STATE_FIELDS,
    AgentTracker,
    snapshot_agent,
)
from mongodb_session_manager.models import (
    AGENT_HEADER_FIELDS,
    DEFAULT_COLLECTION,
    DEFAULT_DATABASE,
    DEFAULT_GUARDRAIL_ACTION,
    Totals,
    storage_key,
    validate_id,
)
from mongodb_session_manager.repository.codec import (
    message_to_record,
    raw_to_session_agent,
    read_stamp,
    record_to_document,
    session_type_of,
)
from mongodb_session_manager.repository.repository import (
    DEFAULT_MAX_DOCUMENT_BYTES,
    SESSION_HEADER_PROJECTION,
    MongoDBSessionRepository,
    _agent_from,
    agent_document,
    check_schema_version,
)
from mongodb_session_manager.store.clients import split_client_options

if TYPE_CHECKING:
    from strands.agent.agent import Agent
    from strands.multiagent.base import MultiAgentBase

logger = logging.getLogger(__name__)

Hook = Callable[..., Any]


class MongoDBSessionManager(
    MetadataToolMixin,  # with MetadataMixin: update/get/delete_metadata, get_metadata_tool
    FeedbackMixin,
    AgentConfigMixin,
    MetricsMixin,
    ViewerPasswordMixin,
    RepositorySessionManager,
):
    """Persists Strands agents (conversation, state, configuration) in MongoDB.

    Session features (metadata, the metadata tool, hooks, feedback, agent
    configuration, metrics) come from the mixins in
    :mod:`mongodb_session_manager.features`.

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

    def __init__(
        self,
        session_id: str,
        connection_string: str | None = None,
        database_name: str = DEFAULT_DATABASE,
        collection_name: str = DEFAULT_COLLECTION,
        client: Any | None = None,
        metadata_fields: Sequence[str] | None = None,
        metadata_hook: Hook | None = None,
        feedback_hook: Hook | None = None,
        application_name: str | None = None,
        *,
        max_document_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES,
        repository: MongoDBSessionRepository | None = None,
        preload_agents: Sequence[str] = ("default",),
        ttl: timedelta | None = None,
        keep_original: bool = True,
        create: bool = True,
        metadataHook: Hook | None = None,
        feedbackHook: Hook | None = None,
        **kwargs: Any,
    ) -> None:
        pool_options = _client_options(kwargs)
        self._setup(
            session_id,
            connection_string=connection_string,
            database_name=database_name,
            collection_name=collection_name,
            client=client,
            metadata_hook=_pick_hook(metadata_hook, metadataHook, "metadataHook"),
            feedback_hook=_pick_hook(feedback_hook, feedbackHook, "feedbackHook"),
            application_name=application_name,
            metadata_fields=metadata_fields,
            max_document_bytes=max_document_bytes,
            repository=repository,
            ttl=ttl,
            pool_options=pool_options,
        )
        self.keep_original = bool(keep_original)
        try:
            self._repo.pool.run(
                self._open(tuple(preload_agents), with_messages=False, create=create)
            )
        except BaseException:
            self.close()
            raise

    @classmethod
    async def create_async(
        cls,
        session_id: str,
        connection_string: str | None = None,
        database_name: str = DEFAULT_DATABASE,
        collection_name: str = DEFAULT_COLLECTION,
        client: Any | None = None,
        metadata_fields: Sequence[str] | None = None,
        metadata_hook: Hook | None = None,
        feedback_hook: Hook | None = None,
        application_name: str | None = None,
        *,
        max_document_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES,
        repository: MongoDBSessionRepository | None = None,
        preload_agents: Sequence[str] = ("default",),
        ttl: timedelta | None = None,
        keep_original: bool = True,
        create: bool = True,
        metadataHook: Hook | None = None,
        feedbackHook: Hook | None = None,
        **kwargs: Any,
    ) -> MongoDBSessionManager:
        """Build a manager without blocking the running event loop.

        The session is opened on the store loop and the agents named in
        ``preload_agents`` (Strands' default agent id unless told otherwise) are
        read ahead, so ``Agent(session_manager=manager, agent_id=...)`` restores
        them without touching the database from the app's loop. ``create=False``:
        a missing session raises :class:`SessionNotFoundError`, nothing is written.
        """
        self = cls.__new__(cls)
        pool_options = _client_options(kwargs)
        self._setup(
            session_id,
            connection_string=connection_string,
            database_name=database_name,
            collection_name=collection_name,
            client=client,
            metadata_hook=_pick_hook(metadata_hook, metadataHook, "metadataHook"),
            feedback_hook=_pick_hook(feedback_hook, feedbackHook, "feedbackHook"),
            application_name=application_name,
            metadata_fields=metadata_fields,
            max_document_bytes=max_document_bytes,
            repository=repository,
            ttl=ttl,
            pool_options=pool_options,
        )
        self.keep_original = bool(keep_original)
        try:
            await self._repo.pool.call(
                self._open(tuple(preload_agents), with_messages=True, create=create)
            )
        except BaseException:
            self.close()
            raise
        return self

    def _setup(
        self,
        session_id: str,
        *,
        connection_string: str | None,
        database_name: str,
        collection_name: str,
        client: Any | None,
        metadata_hook: Hook | None,
        feedback_hook: Hook | None,
        application_name: str | None,
        metadata_fields: Sequence[str] | None,
        max_document_bytes: int,
        repository: MongoDBSessionRepository | None,
        pool_options: dict[str, Any],
        ttl: timedelta | None = None,
    ) -> None:
        """Everything the constructor does but I/O."""
        self.session_id = validate_id(session_id, "session_id")
        self._owns_repository = repository is None
        if repository is not None and ttl is not None and ttl != repository.ttl:
            repository = repository.with_ttl(ttl)  # same pool, this manager's expiry
        self._repo = repository or MongoDBSessionRepository(
            connection_string,
            database_name,
            collection_name,
            client,
            application_name=application_name,
            metadata_fields=tuple(metadata_fields or ()),
            max_document_bytes=max_document_bytes,
            ttl=ttl,
            **pool_options,
        )
        self.session_repository = self._repo
        self.application_name = application_name or self._repo.application_name
        self.metadata_hook = metadata_hook
        self.feedback_hook = feedback_hook
        self._closed = False
        self._trackers: dict[str, AgentTracker] = {}
        self._preloaded: dict[str, dict[str, Any] | None] = {}
        self._preloaded_messages: dict[tuple[str, int], list[SessionMessage]] = {}
        self._is_new_session = False
        # Attributes Strands' RepositorySessionManager keeps; some of its helpers read them.
        self._latest_agent_message: dict[str, SessionMessage | None] = {}
        self._last_synced_internal_state: dict[str, dict[str, Any]] = {}
        self._held_records: dict[str, list[SessionMessage]] = {}

    # ------------------------------------------------------------------ opening

    @property
    def repository(self) -> MongoDBSessionRepository:
        """The repository (and through it the pool) this manager writes with."""
        return self._repo

    async def _open(
        self, preload_agents: tuple[str, ...], *, with_messages: bool, create: bool = True
    ) -> None:
        """One read for an existing session (with preloaded agents' fields); insert if new.

        ``with_messages`` also reads the preloaded agents' messages now (the async
        constructor does, so building the Agent on the app's loop does no I/O).
        ``create=False`` raises :class:`SessionNotFoundError` instead of inserting.
        """
        keys = {
            agent_id: storage_key(validate_id(agent_id, "agent_id")) for agent_id in preload_agents
        }
        projection: dict[str, Any] = dict(SESSION_HEADER_PROJECTION)
        for key in keys.values():
            projection.update({f"agents.{key}.{name}": 1 for name in AGENT_HEADER_FIELDS})
        collection = self._repo._collection()
        raw = await collection.find_one({"_id": self.session_id}, projection)
        if raw is None and not create:
            raise SessionNotFoundError(self.session_id)
        if raw is None:
            session = Session(session_id=self.session_id, session_type=SessionType.AGENT)
            created = await self._repo._create_session(session, self.application_name)
            if created:
                self.session = session
                self._is_new_session = True
                return
            raw = await collection.find_one({"_id": self.session_id}, projection)
            if raw is None:  # created and deleted in between: start over as new
                await self._repo._create_session(session, self.application_name)
                self.session, self._is_new_session = session, True
                return
        check_schema_version(raw)
        self.session = Session(
            session_id=self.session_id,
            session_type=session_type_of(raw.get("session_type")),
            created_at=read_stamp(raw, "created_at"),
            updated_at=read_stamp(raw, "updated_at"),
        )
        for agent_id, key in keys.items():
            agent = _agent_from(raw, key, agent_id)
            self._preloaded[agent_id] = agent
            if agent is not None and with_messages:
                offset = _removed_count(agent)
                messages = await self._repo._read_messages(self.session_id, agent_id, offset, None)
                self._preloaded_messages[(agent_id, offset)] = messages

    # ------------------------------------------------------------------ agent life cycle

    def register_hooks(self, registry: HookRegistry, **kwargs: Any) -> None:
        """Register the persistence hooks; message and sync hooks are async."""
        registry.add_callback(AgentInitializedEvent, lambda event: self.initialize(event.agent))
        registry.add_callback(MessageAddedEvent, self._on_message_added)
        registry.add_callback(AfterInvocationEvent, self._on_after_invocation)
        registry.add_callback(
            MultiAgentInitializedEvent, lambda event: self.initialize_multi_agent(event.source)
        )
        registry.add_callback(AfterNodeCallEvent, self._on_multi_agent_progress)
        registry.add_callback(AfterMultiAgentInvocationEvent, self._on_multi_agent_progress)

    async def _on_message_added(self, event: MessageAddedEvent) -> None:
        await self.append_message_async(event.message, event.agent)

    async def _on_after_invocation(self, event: AfterInvocationEvent) -> None:
        await self.sync_agent_async(event.agent)

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
        agent_id = validate_id(agent.agent_id, "agent_id")
        if agent_id in self._trackers:
            raise SessionException("The `agent_id` of an agent must be unique in a session.")
        tracker = AgentTracker(agent_id=agent_id)
        self._trackers[agent_id] = tracker
        self._latest_agent_message[agent_id] = None
        try:
            if agent_id in self._preloaded:
                stored = self._preloaded.pop(agent_id)
            elif self._is_new_session:
                stored = None
            else:
                _warn_if_blocking_loop("restoring agent %r", agent_id)
                stored = self._repo.pool.run(
                    self._repo._read_agent_header(self.session_id, agent_id)
                )
            if stored is None:
                self._register_new_agent(agent, tracker)
            else:
                self._restore_agent(agent, tracker, stored)
        except BaseException:
            del self._trackers[agent_id]
            raise

    def _register_new_agent(self, agent: Agent, tracker: AgentTracker) -> None:
        tracker.pending_messages = [
            SessionMessage.from_message(message, index)
            for index, message in enumerate(agent.messages)
        ]
        tracker.next_message_id = len(tracker.pending_messages)
        if _running_loop() is None:
            try:
                self._repo.pool.run(self._create_agent(agent, tracker, None))
            except SessionConflictError:
                # Another writer created it since this manager looked (a preload is a
                # snapshot of when the session was opened): restore it instead.
                stored = self._repo.pool.run(
                    self._repo._read_agent_header(self.session_id, tracker.agent_id)
                )
                if stored is None:
                    raise
                logger.info(
                    "agent.create.exists | session_id=%s agent_id=%s restoring instead",
                    self.session_id,
                    tracker.agent_id,
                )
                tracker.pending_messages = []
                self._restore_agent(agent, tracker, stored)
        else:
            logger.debug(
                "agent.create.deferred | session_id=%s agent_id=%s",
                self.session_id,
                tracker.agent_id,
            )

    def _restore_agent(self, agent: Agent, tracker: AgentTracker, stored: dict[str, Any]) -> None:
        from strands.agent.agent import Agent as StrandsAgent

        session_agent = raw_to_session_agent(stored)
        agent.state = AgentState(session_agent.state)
        session_agent.initialize_internal_state(agent)
        prepend: list[Message] = []
        offset = 0
        if isinstance(agent, StrandsAgent):
            prepend = (
                agent.conversation_manager.restore_from_session(
                    session_agent.conversation_manager_state
                )
                or []
            )
            offset = agent.conversation_manager.removed_message_count
        messages = self._preloaded_messages.pop((tracker.agent_id, offset), None)
        if messages is None:
            _warn_if_blocking_loop("reading messages of agent %r", tracker.agent_id)
            messages = self._repo.list_messages(self.session_id, tracker.agent_id, offset=offset)
        tracker.stored = True
        tracker.next_message_id = int(stored.get("message_count", 0))
        tracker.state_bytes = int(stored.get("state_bytes", 0))
        tracker.last = {
            name: stored.get(name) for name in (*STATE_FIELDS, "model", "system_prompt")
        }
        tracker.latest = messages[-1] if messages else None
        self._latest_agent_message[tracker.agent_id] = tracker.latest
        self._held_records[tracker.agent_id] = list(messages)
        if isinstance(agent, StrandsAgent) and agent.model.stateful:
            return
        agent.messages = prepend + [message.to_message() for message in messages]
        agent.messages = self._fix_broken_tool_use(agent.messages)

    async def _create_agent(
        self, agent: Agent, tracker: AgentTracker, message: SessionMessage | None
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
        records = [message_to_record(m) for m in pending]
        documents = [record_to_document(r) for r in records]
        redactions = [tracker.pending_redactions.get(r.message_id) for r in records]
        for document, plan in zip(documents, redactions, strict=True):
            if plan is not None:
                document.update(plan.message_fields)
        increments: dict[str, int] = {}
        for record in records:
            for name, value in Totals.increments(record.metadata).items():
                increments[name] = increments.get(name, 0) + value
        tool_usage = self._plan_tool_usage(tracker, agent, pending)
        totals = Totals(**increments, tools=tool_usage.by_key())
        document = agent_document(
            session_agent,
            model=snapshot["model"],
            system_prompt=snapshot["system_prompt"],
            messages=documents,
            totals=totals,
        )
        extra = tool_usage.update(None)
        events = [plan.session_event for plan in redactions if plan is not None]
        if events:
            extra = {**extra, "$push": {"guardrail_events": {"$each": events}}}
        await self._repo._create_agent(self.session_id, document, increments, extra)
        tracker.pending_redactions = {}
        tool_usage.commit()
        tracker.stored = True
        tracker.pending_messages = []
        tracker.remember(snapshot, document["state_bytes"])
        if pending:
            tracker.latest = pending[-1]
            self._latest_agent_message[tracker.agent_id] = tracker.latest

    # ------------------------------------------------------------------ messages

    def append_message(self, message: Message, agent: Agent, **kwargs: Any) -> None:  # type: ignore[override]
        """Store ``message`` and any agent change in one write (blocking)."""
        self._repo.pool.run(self._append(message, agent))

    async def append_message_async(self, message: Message, agent: Agent, **kwargs: Any) -> None:
        """Store ``message`` and any agent change in one write, awaiting the store loop."""
        await self._repo.pool.call(self._append(message, agent))

    async def _append(self, message: Message, agent: Agent) -> None:
        """Store ``message``; if that fails, take it back out of ``agent.messages``.

        The failure rule (docs/failures.md): after a failed write the live agent
        holds exactly what is stored, and the caller gets the typed error. This
        runs on the store loop, which alone knows whether the write happened (a
        caller cancelled while waiting must not undo a write that went through).
        """
        tracker = self._tracker(agent)
        try:
            session_message = SessionMessage.from_message(message, tracker.next_message_id)
            if not tracker.stored:
                await self._create_agent(agent, tracker, session_message)
            else:
                changes = tracker.changes(snapshot_agent(agent))
                fields, state_bytes = tracker.fields_to_write(changes)
                tool_usage = self._plan_tool_usage(tracker, agent, [session_message])
                await self._repo._append(
                    self.session_id,
                    tracker.agent_id,
                    session_message,
                    agent_fields=fields,
                    state_bytes_delta=state_bytes - tracker.state_bytes,
                    extra_update=tool_usage.update(storage_key(tracker.agent_id)),
                )
                tool_usage.commit()
                tracker.remember(changes, state_bytes)
        except BaseException as exc:
            _take_back(agent, message)
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
        self._latest_agent_message[tracker.agent_id] = session_message
        self._held_records.setdefault(tracker.agent_id, []).append(session_message)

    def latest_message_id(self, agent_id: str) -> int | None:
        """The ``message_id`` of the latest message of ``agent_id`` this manager knows (no I/O).

        What an app ties feedback to (``add_feedback({..., "message_id": ...})``)
        right after a turn. ``None`` if the agent has no message yet or was not
        initialized with this manager.
        """
        tracker = self._trackers.get(agent_id)
        latest = tracker.latest if tracker is not None else None
        return latest.message_id if latest is not None else None

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
        _warn_if_blocking_loop("reloading agent %r", agent.agent_id)
        self._reloaded(agent, self._repo.pool.run(self._read_for_reload(agent)))

    async def reload_async(self, agent: Agent) -> None:
        """Async twin of :meth:`reload` (the reads run on the store loop)."""
        self._reloaded(agent, await self._repo.pool.call(self._read_for_reload(agent)))

    async def _read_for_reload(
        self, agent: Agent
    ) -> tuple[dict[str, Any], int, list[SessionMessage]]:
        tracker = self._tracker(agent)
        stored = await self._repo._read_agent_header(self.session_id, tracker.agent_id)
        if stored is None:
            raise SessionNotFoundError(self.session_id, tracker.agent_id)
        offset = _removed_count(stored)
        messages = await self._repo._read_messages(self.session_id, tracker.agent_id, offset, None)
        return stored, offset, messages

    def _reloaded(
        self, agent: Agent, read: tuple[dict[str, Any], int, list[SessionMessage]]
    ) -> None:
        stored, offset, messages = read
        agent_id = self._tracker(agent).agent_id
        tracker = AgentTracker(agent_id=agent_id)
        self._trackers[agent_id] = tracker
        self._features().tool_usage.pop(agent_id, None)  # pending uses were this manager's
        self._preloaded_messages[(agent_id, offset)] = messages
        self._restore_agent(agent, tracker, stored)
        logger.info(
            "agent.reloaded | session_id=%s agent_id=%s message_count=%s",
            self.session_id,
            agent_id,
            tracker.next_message_id,
        )

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
        tracker = self._tracker(agent)
        latest = tracker.latest
        if latest is None:
            raise SessionException("No message to redact.")
        plan = plan_redaction(
            agent_id=tracker.agent_id,
            message_id=latest.message_id,
            original=cast(Mapping[str, Any], latest.message),
            redact_message=cast(Mapping[str, Any], redact_message),
            keep_original=self.keep_original,
            action=action,
            stop_reason=stop_reason,
            guardrail_trace=guardrail_trace,
        )
        before = (latest.redact_message, latest.message)
        latest.redact_message = redact_message
        if not self.keep_original:  # nor kept in memory, where a later write could store it
            latest.message = cast(Message, copy.deepcopy(dict(redact_message)))
        if not tracker.stored:
            tracker.pending_redactions[latest.message_id] = plan  # written with the agent
            return
        try:
            self._repo.pool.run(
                self._repo._update_message(
                    self.session_id,
                    tracker.agent_id,
                    latest,
                    extra_update=lambda path: redaction_update(path, plan),
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
            action,
            sorted(plan.session_event.get("policies_triggered") or {}),
        )

    # ------------------------------------------------------------------ agent state

    def sync_agent(self, agent: Agent, **kwargs: Any) -> None:  # type: ignore[override]
        """Write whatever changed in the agent since the last write (nothing: no I/O)."""
        pending = self._pending_sync(agent)
        if pending is not None:
            self._repo.pool.run(self._sync(agent, *pending))

    async def sync_agent_async(self, agent: Agent, **kwargs: Any) -> None:
        """Async twin of :meth:`sync_agent`."""
        pending = self._pending_sync(agent)
        if pending is not None:
            await self._repo.pool.call(self._sync(agent, *pending))

    def _pending_sync(self, agent: Agent) -> tuple[AgentTracker, dict[str, Any]] | None:
        """The tracker and the changes to write, or ``None`` when there is nothing to do."""
        tracker = self._trackers.get(agent.agent_id)
        if tracker is None:
            return None
        changes = tracker.changes(snapshot_agent(agent))
        if tracker.stored and not changes:
            return None
        return tracker, changes

    async def _sync(self, agent: Agent, tracker: AgentTracker, changes: dict[str, Any]) -> None:
        if not tracker.stored:
            await self._create_agent(agent, tracker, None)
            return
        fields, state_bytes = tracker.fields_to_write(changes)
        await self._repo._update_agent_fields(
            self.session_id, tracker.agent_id, fields, state_bytes - tracker.state_bytes
        )
        tracker.remember(changes, state_bytes)

    def _tracker(self, agent: Any) -> AgentTracker:
        tracker = self._trackers.get(agent.agent_id)
        if tracker is None:
            raise SessionException(
                f"agent {agent.agent_id!r} was not initialized with this session manager"
            )
        return tracker

    # ------------------------------------------------------------------ multi-agent

    def sync_multi_agent(self, source: MultiAgentBase, **kwargs: Any) -> None:
        """Store a Graph / Swarm's state."""
        self._repo.update_multi_agent(self.session_id, source)

    async def sync_multi_agent_async(self, source: MultiAgentBase, **kwargs: Any) -> None:
        """Async twin of :meth:`sync_multi_agent`."""
        await self._repo.update_multi_agent_async(self.session_id, source)

    # ------------------------------------------------------------------ closing

    def close(self) -> None:
        """Release this manager's pool reference (shared pools stay open for others)."""
        if getattr(self, "_closed", True):
            return
        self._closed = True
        if self._owns_repository:
            self._repo.close()

    async def close_async(self) -> None:
        """Async twin of :meth:`close`."""
        self.close()

    def __enter__(self) -> MongoDBSessionManager:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    async def __aenter__(self) -> MongoDBSessionManager:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()


def _client_options(kwargs: dict[str, Any]) -> dict[str, Any]:
    """The PyMongo client options among ``kwargs``; the rest is Strands' (ignored, logged)."""
    client_options, rest = split_client_options(kwargs)
    if rest:
        logger.info(
            "manager.kwargs.not_client_options | passed on to RepositorySessionManager: %s",
            sorted(rest),
        )
    return client_options


def _pick_hook(snake: Hook | None, camel: Hook | None, camel_name: str) -> Hook | None:
    if camel is None:
        return snake
    snake_name = "metadata_hook" if camel_name == "metadataHook" else "feedback_hook"
    warnings.warn(
        f"{camel_name}= is deprecated; use {snake_name}=",
        DeprecationWarning,
        stacklevel=3,
    )
    if snake is not None and snake is not camel:
        raise TypeError(f"pass either {snake_name}= or {camel_name}=, not both")
    return camel


def _take_back(agent: Any, message: Message) -> None:
    """Remove ``message`` (this very object) from the agent's memory, from the end."""
    messages = getattr(agent, "messages", None)
    if not isinstance(messages, list):
        return
    for index in range(len(messages) - 1, -1, -1):
        if messages[index] is message:
            del messages[index]
            return


def _removed_count(stored_agent: dict[str, Any]) -> int:
    """The conversation manager's offset, as Strands' managers store it."""
    state = stored_agent.get("conversation_manager_state") or {}
    value = state.get("removed_message_count", 0)
    return int(value) if isinstance(value, int) else 0


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _warn_if_blocking_loop(what: str, agent_id: str) -> None:
    if _running_loop() is not None:
        logger.info(
            "store.blocking_call_in_event_loop | %s; build the manager with "
            "`await MongoDBSessionManager.create_async(..., preload_agents=[...])` to avoid it",
            what % (agent_id,),
        )
