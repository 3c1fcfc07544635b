"""``MongoDBSessionRepository``: Strands' ``SessionRepository`` on one document per session.

A thin adapter: Strands' dataclasses are translated by :mod:`~.store.codec` and
every read and write is one :class:`~mongodb_session_manager.store.sessions.SessionStore`
coroutine (the document layout is described there). Every method has a blocking
form (what Strands calls) and an ``*_async`` one (for async applications); both
run the same coroutine on the store loop.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from strands.session.session_repository import SessionRepository
from strands.types.session import Session, SessionAgent, SessionMessage

from mongodb_session_manager._twins import awaiting, blocking
from mongodb_session_manager.errors import SessionConflictError
from mongodb_session_manager.models import (
    DEFAULT_COLLECTION,
    DEFAULT_DATABASE,
    storage_key,
    validate_id,
)
from mongodb_session_manager.models.limits import (
    DEFAULT_MAX_DOCUMENT_BYTES,
    MONGODB_MAX_DOCUMENT_BYTES,
    check_max_document_bytes,
    check_position,
    check_ttl,
)
from mongodb_session_manager.repository.multi_agent_sizes import MultiAgentSizes
from mongodb_session_manager.repository.reference_api import ReferenceRepositoryAPI
from mongodb_session_manager.repository.store_backed import StoreBacked
from mongodb_session_manager.store.codec import (
    SESSION_HEADER_PROJECTION,
    agent_document,
    agent_state_fields,
    check_schema_version,
    multi_agent_size,
    raw_to_session,
    raw_to_session_agent,
    raw_to_session_message,
    updated_agent_fields,
)
from mongodb_session_manager.store.failures import message_id_error
from mongodb_session_manager.store.message_documents import message_document
from mongodb_session_manager.store.pool import MongoDBConnectionPool
from mongodb_session_manager.store.settings import StoreSettings
from mongodb_session_manager.store.updates import merge_update
from mongodb_session_manager.store.viewer_secrets import session_password

if TYPE_CHECKING:
    from strands.multiagent.base import MultiAgentBase

__all__ = [
    "DEFAULT_MAX_DOCUMENT_BYTES",
    "MONGODB_MAX_DOCUMENT_BYTES",
    "SESSION_HEADER_PROJECTION",
    "MongoDBSessionRepository",
    "agent_document",
    "agent_state_fields",
    "check_max_document_bytes",
    "check_position",
    "check_schema_version",
    "check_ttl",
    "merge_update",
]


class MongoDBSessionRepository(StoreBacked, ReferenceRepositoryAPI, SessionRepository):
    """Stores Strands sessions, agents, messages and multi-agent state in MongoDB.

    Args:
        connection_string: MongoDB URI (ignored when ``client`` or ``pool`` is given).
        database_name: Database holding the sessions.
        collection_name: Collection holding the sessions.
        client: A ``pymongo.MongoClient`` (never closed by the library), a
            ``pymongo.AsyncMongoClient`` or a :class:`MongoDBConnectionPool`.
        metadata_fields: Metadata fields to index (created once per process).
        application_name: Stored on sessions this repository creates.
        pool: A shared :class:`MongoDBConnectionPool` (what the factory passes).
        max_document_bytes: Refuse writes that would grow a session past this size.
        ttl: Delete a session this long after its last write (MongoDB's TTL monitor
            removes it; every write moves ``expires_at`` to now + ttl). ``None``: never.
        **pool_options: PyMongo client options when a pool is created here.

    The reference library's repository API is here too: ``.client``,
    ``.database``, ``.collection`` (synchronous PyMongo handles, created lazily) and
    ``update_metadata`` / ``get_metadata`` / ``delete_metadata`` / ``add_feedback``
    / ``get_feedbacks`` / ``get_application_name`` by session id. ``.store`` is the
    :class:`SessionStore` every call goes through.
    """

    def __init__(
        self,
        connection_string: str | None = None,
        database_name: str = DEFAULT_DATABASE,
        collection_name: str = DEFAULT_COLLECTION,
        client: Any | None = None,
        metadata_fields: list[str] | tuple[str, ...] | None = None,
        application_name: str | None = None,
        *,
        pool: MongoDBConnectionPool | None = None,
        max_document_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES,
        ttl: timedelta | None = None,
        **pool_options: Any,
    ) -> None:
        # Checked (ttl, size limit, metadata field paths) before any pool is acquired.
        settings = StoreSettings.from_arguments(locals())
        self._attach(settings, pool)

    def _attach(self, settings: StoreSettings, pool: MongoDBConnectionPool | None) -> None:
        super()._attach(settings, pool)
        # Sizes of stored multi-agent states, to keep the document size estimate right.
        self._multi_agent_bytes = MultiAgentSizes()

    # ---------------------------------------------------------------- sessions

    async def _create_session(self, /, session: Session, **kwargs: Any) -> Session:
        """Create the session document; an existing one is kept as it is."""
        await self.store.create_session(session)
        return session

    create_session = blocking(_create_session)
    create_session_async = awaiting(_create_session)

    async def _get_session_viewer_password(self, session_id: str) -> str | None:
        """The session's viewer password (stable everywhere); ``None`` if it has none."""
        validate_id(session_id, "session_id")
        store = self.store
        return await session_password(
            self.pool, store.database_name, store.collection_name, session_id
        )

    get_session_viewer_password = blocking(_get_session_viewer_password)
    get_session_viewer_password_async = awaiting(_get_session_viewer_password)

    async def _read_session(self, /, session_id: str, **kwargs: Any) -> Session | None:
        """Read the session header (no agents, messages or metadata are transferred)."""
        raw = await self.store.read_header(session_id)
        return raw_to_session(raw, session_id) if raw is not None else None

    read_session = blocking(_read_session)
    read_session_async = awaiting(_read_session)

    async def _delete_session(self, /, session_id: str, **kwargs: Any) -> bool:
        """Delete the whole session document. True if it existed."""
        return await self.store.delete_session(session_id)

    delete_session = blocking(_delete_session)
    delete_session_async = awaiting(_delete_session)

    # ---------------------------------------------------------------- agents

    async def _create_agent(
        self, /, session_id: str, session_agent: SessionAgent, **kwargs: Any
    ) -> None:
        """Create an agent record (with no messages) in the session."""
        await self.store.create_agent(session_id, agent_document(session_agent))

    create_agent = blocking(_create_agent)
    create_agent_async = awaiting(_create_agent)

    async def _read_agent(
        self, /, session_id: str, agent_id: str, **kwargs: Any
    ) -> SessionAgent | None:
        """Read an agent's state (its messages are not transferred)."""
        raw = await self.store.read_agent(session_id, agent_id)
        return raw_to_session_agent(raw) if raw is not None else None

    read_agent = blocking(_read_agent, here=True)
    read_agent_async = awaiting(_read_agent)

    async def _read_agent_record(self, session_id: str, agent_id: str) -> dict[str, Any] | None:
        """The stored agent fields but messages, as a dict (model, counters, totals...)."""
        return await self.store.read_agent(session_id, agent_id)

    read_agent_record = blocking(_read_agent_record, here=True)
    read_agent_record_async = awaiting(_read_agent_record)

    async def _update_agent(
        self, /, session_id: str, session_agent: SessionAgent, **kwargs: Any
    ) -> None:
        """Update an agent's state fields and ``updated_at`` (config and messages are kept)."""
        fields = updated_agent_fields(session_agent)
        await self.store.update_agent(session_id, session_agent.agent_id, fields)

    update_agent = blocking(_update_agent, here=True)
    update_agent_async = awaiting(_update_agent)

    # ---------------------------------------------------------------- messages

    async def _create_message(
        self, /, session_id: str, agent_id: str, session_message: SessionMessage, **kwargs: Any
    ) -> None:
        """Append a message; its ``message_id`` must be the agent's next one.

        Raises:
            MessageIdError: ``message_id`` is not the agent's next position (a
                ``ValueError``; nothing was written).
        """
        try:
            document = message_document(session_message)
            await self.store.append(session_id, agent_id, document)
        except SessionConflictError as exc:
            if (error := message_id_error(exc)) is None:
                raise
            raise error from exc

    create_message = blocking(_create_message, here=True)
    create_message_async = awaiting(_create_message)

    async def _read_message(
        self, /, session_id: str, agent_id: str, message_id: int, **kwargs: Any
    ) -> SessionMessage | None:
        """Read one message by id (one small read)."""
        check_position(message_id, "message_id")
        found = await self.store.read_messages(session_id, agent_id, message_id, 1)
        if not found or int(found[0]["message_id"]) != message_id:
            return None
        return raw_to_session_message(found[0])

    read_message = blocking(_read_message, here=True)
    read_message_async = awaiting(_read_message)

    async def _update_message(
        self, /, session_id: str, agent_id: str, session_message: SessionMessage, **kwargs: Any
    ) -> None:
        """Store a message's redaction (its content, metrics and id are kept)."""
        message_id, redact = session_message.message_id, session_message.redact_message
        await self.store.update_message(session_id, agent_id, message_id, redact, None)

    update_message = blocking(_update_message, here=True)
    update_message_async = awaiting(_update_message)

    async def _list_messages(
        self,
        /,
        session_id: str,
        agent_id: str,
        limit: int | None = None,
        offset: int = 0,
        **kwargs: Any,
    ) -> list[SessionMessage]:
        """Messages ``offset`` to ``offset + limit`` in order (only those are read)."""
        raws = await self.store.read_messages(session_id, agent_id, offset, limit)
        return [raw_to_session_message(raw) for raw in raws]

    list_messages = blocking(_list_messages, here=True)
    list_messages_async = awaiting(_list_messages)

    # ---------------------------------------------------------------- multi-agent

    async def _create_multi_agent(
        self, /, session_id: str, multi_agent: MultiAgentBase, **kwargs: Any
    ) -> None:
        """Store a Graph / Swarm's state (creating and updating are the same upsert)."""
        await self._write_multi_agent(session_id, multi_agent.id, multi_agent.serialize_state())

    create_multi_agent = blocking(_create_multi_agent)
    create_multi_agent_async = awaiting(_create_multi_agent)
    update_multi_agent = create_multi_agent
    update_multi_agent_async = create_multi_agent_async

    async def _read_multi_agent(
        self, /, session_id: str, multi_agent_id: str, **kwargs: Any
    ) -> dict[str, Any] | None:
        """The stored state of a Graph / Swarm, or ``None``."""
        state = await self.store.read_multi_agent(session_id, multi_agent_id)
        if state is not None:
            key = storage_key(multi_agent_id)
            self._multi_agent_bytes.remember(session_id, key, multi_agent_size(state))
        return state

    read_multi_agent = blocking(_read_multi_agent)
    read_multi_agent_async = awaiting(_read_multi_agent)

    async def _write_multi_agent(
        self, session_id: str, multi_agent_id: str, state: dict[str, Any]
    ) -> None:
        """Upsert a multi-agent state, counting only its growth in ``size_bytes``."""
        key = storage_key(multi_agent_id)
        known = self._multi_agent_bytes.get(session_id, key)
        size = await self.store.write_multi_agent(session_id, multi_agent_id, state, known)
        self._multi_agent_bytes.remember(session_id, key, size)
