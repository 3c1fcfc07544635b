"""``MongoDBSessionRepository``: Strands' ``SessionRepository`` on one document per session.

Every method has a blocking form (what Strands calls) and an ``*_async`` twin
(for async applications); both run the same coroutine on the store loop.

Layout (see ``docs/architecture.md``)::

    {_id: session_id, session_id, session_type, schema_version, created_at, updated_at,
     application_name, metadata: {}, feedbacks: [], totals: {}, size_bytes,
     agents: {<key>: {agent_id, state, conversation_manager_state, internal_state,
                      model, system_prompt, prompt_metadata, message_count, totals,
                      state_bytes, messages: [{message_id, role, content, ...}], ...}},
     multi_agents: {<key>: {multi_agent_id, state, ...}}}

``message_id`` equals the message's position in ``messages``: appends are guarded
by ``message_count``, so reads slice by position and redaction sets by position.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any, NoReturn

from pymongo import ReturnDocument
from pymongo.errors import DocumentTooLarge, DuplicateKeyError, OperationFailure
from strands.session.session_repository import SessionRepository
from strands.types.session import Session, SessionAgent, SessionMessage

from mongodb_session_manager.errors import (
    InvalidInputError,
    MessageIdError,
    SchemaVersionError,
    SessionConflictError,
    SessionNotFoundError,
    SessionTooLargeError,
)
from mongodb_session_manager.features.keys import validate_key
from mongodb_session_manager.features.viewer_password import new_viewer_access, session_password
from mongodb_session_manager.models import (
    AGENT_HEADER_FIELDS,
    DEFAULT_COLLECTION,
    DEFAULT_DATABASE,
    SCHEMA_VERSION,
    AgentRecord,
    MultiAgentRecord,
    SessionRecord,
    Totals,
    storage_key,
    utcnow,
    validate_id,
)
from mongodb_session_manager.models.agent import STAMP_FIELDS
from mongodb_session_manager.repository.codec import (
    encoded_size,
    message_to_record,
    parse_timestamp,
    raw_to_session_agent,
    raw_to_session_message,
    read_stamp,
    record_to_document,
    session_type_of,
    stamp_fields,
)
from mongodb_session_manager.repository.reference_api import ReferenceRepositoryAPI
from mongodb_session_manager.store.pool import MongoDBConnectionPool

if TYPE_CHECKING:
    from strands.multiagent.base import MultiAgentBase

logger = logging.getLogger(__name__)

MONGODB_MAX_DOCUMENT_BYTES = 16 * 1024 * 1024
"""MongoDB's own document limit: ``max_document_bytes`` may not exceed it."""
DEFAULT_MAX_DOCUMENT_BYTES = MONGODB_MAX_DOCUMENT_BYTES - 256 * 1024
"""Refuse writes past this estimated session size: MongoDB's 16 MiB limit less headroom."""

_SLICE_ALL = 2**31 - 1
_ARRAY_ITEM_OVERHEAD = 12  # type byte, index key and NUL of one array element
_TOO_LARGE_CODES = frozenset({10334, 17419, 17420, 13})  # BSONObjectTooLarge & co.

SESSION_HEADER_PROJECTION: dict[str, int] = {
    "session_id": 1,
    "session_type": 1,
    "schema_version": 1,
    "created_at": 1,
    "updated_at": 1,
    "application_name": 1,
    **dict.fromkeys(STAMP_FIELDS, 1),
}


class MongoDBSessionRepository(ReferenceRepositoryAPI, SessionRepository):
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
    / ``get_feedbacks`` / ``get_application_name`` by session id.
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
        self.ttl = check_ttl(ttl)
        check_max_document_bytes(max_document_bytes)
        # Field names become index paths: refuse `$`, empty segments... before any I/O.
        self.metadata_fields = tuple(
            ".".join(validate_key(field, "metadata_fields entry"))
            for field in metadata_fields or ()
        )
        if pool is None:
            pool = MongoDBConnectionPool.acquire(connection_string, client=client, **pool_options)
            self._owns_pool = True
        else:
            self._owns_pool = False
        self.pool = pool
        self.database_name = database_name
        self.collection_name = collection_name
        self.application_name = application_name
        self.max_document_bytes = max_document_bytes
        self._closed = False
        # Size of stored multi-agent states, to keep the document size estimate right.
        self._multi_agent_bytes: dict[tuple[str, str], int] = {}

    # ---------------------------------------------------------------- plumbing

    def _collection(self) -> Any:
        return self.pool.collection(self.database_name, self.collection_name)

    async def ensure_indexes_async(self) -> bool:
        """Create the collection's indexes if this process has not yet. True if it did."""
        return await self.pool.call(self._ensure_indexes())

    def ensure_indexes(self) -> bool:
        """Blocking form of :meth:`ensure_indexes_async`."""
        return self.pool.run(self._ensure_indexes())

    async def _ensure_indexes(self) -> bool:
        return await self.pool.ensure_indexes(
            self.database_name, self.collection_name, self.metadata_fields
        )

    def with_ttl(self, ttl: timedelta | None) -> MongoDBSessionRepository:
        """This repository (same pool, not owned) with another ``ttl``."""
        clone = copy.copy(self)
        clone.ttl = check_ttl(ttl)
        clone._owns_pool = False
        return clone

    def _expires_at(self) -> dict[str, Any]:
        """The ``expires_at`` a write sets (empty without a ttl); aware UTC, never naive."""
        return {} if self.ttl is None else {"expires_at": utcnow() + self.ttl}

    def close(self) -> None:
        """Release the pool if this repository acquired it."""
        if self._closed:
            return
        self._closed = True
        if self._owns_pool:
            self.pool.release()

    # ---------------------------------------------------------------- sessions

    def create_session(self, session: Session, **kwargs: Any) -> Session:
        """Create the session document; an existing one is kept as it is."""
        self.pool.run(self._create_session(session))
        return session

    async def create_session_async(self, session: Session, **kwargs: Any) -> Session:
        """Async twin of :meth:`create_session`."""
        await self.pool.call(self._create_session(session))
        return session

    async def _create_session(self, session: Session, application_name: str | None = None) -> bool:
        session_id = validate_id(session.session_id, "session_id")
        await self._ensure_indexes()
        record = SessionRecord(
            _id=session_id,
            session_id=session_id,
            session_type=str(getattr(session.session_type, "value", session.session_type)),
            application_name=application_name or self.application_name,
            created_at=parse_timestamp(session.created_at),
            updated_at=parse_timestamp(session.updated_at),
            viewer_access=new_viewer_access(),  # a flag only: the password is derived
            **self._expires_at(),
            **stamp_fields("created_at", session.created_at),
            **stamp_fields("updated_at", session.updated_at),
        )
        document = record.model_dump(by_alias=True)
        document["size_bytes"] = encoded_size(document, f"session {session_id!r}") + 64
        try:
            await self._collection().insert_one(document)
        except DuplicateKeyError:
            logger.info("session.create.exists | session_id=%s", session_id)
            return False
        logger.debug("session.created | session_id=%s", session_id)
        return True

    def get_session_viewer_password(self, session_id: str) -> str | None:
        """The session's viewer password (stable everywhere); ``None`` if it has none."""
        return self.pool.run(self._session_viewer_password(session_id))

    async def get_session_viewer_password_async(self, session_id: str) -> str | None:
        """Async twin of :meth:`get_session_viewer_password`."""
        return await self.pool.call(self._session_viewer_password(session_id))

    async def _session_viewer_password(self, session_id: str) -> str | None:
        """The coroutine behind both forms (run it on the store loop)."""
        validate_id(session_id, "session_id")
        return await session_password(
            self.pool, self.database_name, self.collection_name, session_id
        )

    def read_session(self, session_id: str, **kwargs: Any) -> Session | None:
        """Read the session header (no agents, messages or metadata are transferred)."""
        return self.pool.run(self._read_session(session_id))

    async def read_session_async(self, session_id: str, **kwargs: Any) -> Session | None:
        """Async twin of :meth:`read_session`."""
        return await self.pool.call(self._read_session(session_id))

    async def _read_session(self, session_id: str) -> Session | None:
        validate_id(session_id, "session_id")
        raw = await self._collection().find_one({"_id": session_id}, SESSION_HEADER_PROJECTION)
        if raw is None:
            return None
        check_schema_version(raw)
        return Session(
            session_id=raw.get("session_id", session_id),
            session_type=session_type_of(raw.get("session_type")),
            created_at=read_stamp(raw, "created_at"),
            updated_at=read_stamp(raw, "updated_at"),
        )

    def delete_session(self, session_id: str, **kwargs: Any) -> bool:
        """Delete the whole session document. True if it existed."""
        return self.pool.run(self._delete_session(session_id))

    async def delete_session_async(self, session_id: str, **kwargs: Any) -> bool:
        """Async twin of :meth:`delete_session`."""
        return await self.pool.call(self._delete_session(session_id))

    async def _delete_session(self, session_id: str) -> bool:
        validate_id(session_id, "session_id")
        result = await self._collection().delete_one({"_id": session_id})
        logger.info(
            "session.deleted | session_id=%s existed=%s", session_id, bool(result.deleted_count)
        )
        return bool(result.deleted_count)

    # ---------------------------------------------------------------- agents

    def create_agent(self, session_id: str, session_agent: SessionAgent, **kwargs: Any) -> None:
        """Create an agent record (with no messages) in the session."""
        self.pool.run(self._create_agent(session_id, agent_document(session_agent)))

    async def create_agent_async(
        self, session_id: str, session_agent: SessionAgent, **kwargs: Any
    ) -> None:
        """Async twin of :meth:`create_agent`."""
        await self.pool.call(self._create_agent(session_id, agent_document(session_agent)))

    async def _create_agent(
        self,
        session_id: str,
        document: dict[str, Any],
        totals: Mapping[str, int] | None = None,
        extra_update: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        agent_id = document["agent_id"]
        key = storage_key(agent_id)
        added = encoded_size(document, f"agent {agent_id!r}") + _ARRAY_ITEM_OVERHEAD
        update: dict[str, Any] = {
            "$set": {f"agents.{key}": document, "updated_at": utcnow()},
            "$inc": {"size_bytes": added, **{f"totals.{k}": v for k, v in (totals or {}).items()}},
        }
        merge_update(update, extra_update)
        added = int(update["$inc"]["size_bytes"])
        await self._guarded_update(
            session_id,
            agent_id,
            {f"agents.{key}": {"$exists": False}},
            update,
            added,
            creating=True,
        )

    def read_agent(self, session_id: str, agent_id: str, **kwargs: Any) -> SessionAgent | None:
        """Read an agent's state (its messages are not transferred)."""
        raw = self.pool.run(self._read_agent_header(session_id, agent_id))
        return raw_to_session_agent(raw) if raw is not None else None

    async def read_agent_async(
        self, session_id: str, agent_id: str, **kwargs: Any
    ) -> SessionAgent | None:
        """Async twin of :meth:`read_agent`."""
        raw = await self.pool.call(self._read_agent_header(session_id, agent_id))
        return raw_to_session_agent(raw) if raw is not None else None

    def read_agent_record(self, session_id: str, agent_id: str) -> dict[str, Any] | None:
        """The stored agent fields but messages, as a dict (model, counters, totals...)."""
        return self.pool.run(self._read_agent_header(session_id, agent_id))

    async def read_agent_record_async(
        self, session_id: str, agent_id: str
    ) -> dict[str, Any] | None:
        """Async twin of :meth:`read_agent_record`."""
        return await self.pool.call(self._read_agent_header(session_id, agent_id))

    async def _read_agent_header(self, session_id: str, agent_id: str) -> dict[str, Any] | None:
        validate_id(session_id, "session_id")
        validate_id(agent_id, "agent_id")
        key = storage_key(agent_id)
        projection = {f"agents.{key}.{name}": 1 for name in AGENT_HEADER_FIELDS}
        raw = await self._collection().find_one({"_id": session_id}, projection)
        return _agent_from(raw, key, agent_id)

    def update_agent(self, session_id: str, session_agent: SessionAgent, **kwargs: Any) -> None:
        """Update an agent's state fields and ``updated_at`` (config and messages are kept)."""
        self.pool.run(
            self._update_agent_fields(
                session_id, session_agent.agent_id, _updated_agent_fields(session_agent)
            )
        )

    async def update_agent_async(
        self, session_id: str, session_agent: SessionAgent, **kwargs: Any
    ) -> None:
        """Async twin of :meth:`update_agent`."""
        await self.pool.call(
            self._update_agent_fields(
                session_id, session_agent.agent_id, _updated_agent_fields(session_agent)
            )
        )

    async def _update_agent_fields(
        self, session_id: str, agent_id: str, fields: Mapping[str, Any], added_bytes: int = 0
    ) -> None:
        key = storage_key(validate_id(agent_id, "agent_id"))
        now = utcnow()
        update: dict[str, Any] = {
            "$set": {
                f"agents.{key}.updated_at": now,  # unless the caller gave its own (Strands)
                **{f"agents.{key}.{name}": value for name, value in fields.items()},
                "updated_at": now,
            }
        }
        if added_bytes:
            update["$inc"] = {"size_bytes": added_bytes}
        await self._guarded_update(
            session_id, agent_id, {f"agents.{key}.agent_id": agent_id}, update, max(added_bytes, 0)
        )

    # ---------------------------------------------------------------- messages

    def create_message(
        self, session_id: str, agent_id: str, session_message: SessionMessage, **kwargs: Any
    ) -> None:
        """Append a message; its ``message_id`` must be the agent's next one.

        Raises:
            MessageIdError: ``message_id`` is not the agent's next position (a
                ``ValueError``; nothing was written).
        """
        self.pool.run(self._create_message(session_id, agent_id, session_message))

    async def create_message_async(
        self, session_id: str, agent_id: str, session_message: SessionMessage, **kwargs: Any
    ) -> None:
        """Async twin of :meth:`create_message`."""
        await self.pool.call(self._create_message(session_id, agent_id, session_message))

    async def _create_message(
        self, session_id: str, agent_id: str, session_message: SessionMessage
    ) -> None:
        try:
            await self._append(session_id, agent_id, session_message)
        except SessionConflictError as exc:
            if exc.expected is None or exc.actual is None:
                raise
            raise MessageIdError(
                f"message_id {exc.expected} cannot be stored for agent {agent_id!r} of "
                f"session {session_id!r}: its next message_id is {exc.actual} (messages "
                "are stored by position; another writer may also have added one). "
                "Nothing was written",
                session_id=session_id,
                agent_id=agent_id,
                expected=exc.expected,
                actual=exc.actual,
            ) from exc

    async def _append(
        self,
        session_id: str,
        agent_id: str,
        session_message: SessionMessage,
        agent_fields: Mapping[str, Any] | None = None,
        state_bytes_delta: int = 0,
        extra_update: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        """One write: the message, counters, totals, any agent field changes, ``updated_at``.

        ``extra_update`` (operator -> path -> value) is folded into the same write;
        ``$inc`` amounts on a path already incremented are added (the tool usage
        counters and their ``size_bytes`` estimate come this way).
        """
        key = storage_key(validate_id(agent_id, "agent_id"))
        record = message_to_record(session_message)
        document = record_to_document(record)
        added = encoded_size(document, f"message {record.message_id} of agent {agent_id!r}")
        added += _ARRAY_ITEM_OVERHEAD + state_bytes_delta
        inc = Totals.increments(record.metadata)
        now = utcnow()
        update: dict[str, Any] = {
            "$push": {f"agents.{key}.messages": document},
            "$inc": {
                f"agents.{key}.message_count": 1,
                "size_bytes": added,
                **{f"totals.{k}": v for k, v in inc.items()},
                **{f"agents.{key}.totals.{k}": v for k, v in inc.items()},
            },
            "$set": {
                **{f"agents.{key}.{name}": value for name, value in (agent_fields or {}).items()},
                f"agents.{key}.updated_at": now,
                "updated_at": now,
            },
        }
        merge_update(update, extra_update)
        added = int(update["$inc"]["size_bytes"])
        await self._guarded_update(
            session_id,
            agent_id,
            {f"agents.{key}.message_count": record.message_id},
            update,
            max(added, 0),
            expected_count=record.message_id,
        )

    def read_message(
        self, session_id: str, agent_id: str, message_id: int, **kwargs: Any
    ) -> SessionMessage | None:
        """Read one message by id (one small read)."""
        check_position(message_id, "message_id")
        found = self.pool.run(self._read_messages(session_id, agent_id, message_id, 1))
        return found[0] if found and found[0].message_id == message_id else None

    async def read_message_async(
        self, session_id: str, agent_id: str, message_id: int, **kwargs: Any
    ) -> SessionMessage | None:
        """Async twin of :meth:`read_message`."""
        check_position(message_id, "message_id")
        found = await self.pool.call(self._read_messages(session_id, agent_id, message_id, 1))
        return found[0] if found and found[0].message_id == message_id else None

    def update_message(
        self, session_id: str, agent_id: str, session_message: SessionMessage, **kwargs: Any
    ) -> None:
        """Store a message's redaction (its content, metrics and id are kept)."""
        self.pool.run(self._update_message(session_id, agent_id, session_message))

    async def update_message_async(
        self, session_id: str, agent_id: str, session_message: SessionMessage, **kwargs: Any
    ) -> None:
        """Async twin of :meth:`update_message`."""
        await self.pool.call(self._update_message(session_id, agent_id, session_message))

    async def _update_message(
        self,
        session_id: str,
        agent_id: str,
        session_message: SessionMessage,
        extra_update: Callable[[str], Mapping[str, Mapping[str, Any]]] | None = None,
    ) -> None:
        """One write: the redaction, and whatever ``extra_update(message_path)`` adds
        (the guardrail event, the erasure of the original)."""
        key = storage_key(validate_id(agent_id, "agent_id"))
        message_id = session_message.message_id
        path = f"agents.{key}.messages.{message_id}"
        redact = session_message.redact_message
        added = encoded_size({"r": redact}, f"redaction of message {message_id}") if redact else 0
        now = utcnow()
        update: dict[str, Any] = {
            "$set": {
                f"{path}.redact_message": redact,
                f"{path}.updated_at": now,
                f"agents.{key}.updated_at": now,
                "updated_at": now,
            },
            "$inc": {"size_bytes": added},
        }
        merge_update(update, extra_update(path) if extra_update is not None else None)
        added = int(update["$inc"]["size_bytes"])
        await self._guarded_update(
            session_id, agent_id, {f"{path}.message_id": message_id}, update, max(added, 0)
        )

    def list_messages(
        self,
        session_id: str,
        agent_id: str,
        limit: int | None = None,
        offset: int = 0,
        **kwargs: Any,
    ) -> list[SessionMessage]:
        """Messages ``offset`` to ``offset + limit`` in order (only those are read)."""
        return self.pool.run(self._read_messages(session_id, agent_id, offset, limit))

    async def list_messages_async(
        self,
        session_id: str,
        agent_id: str,
        limit: int | None = None,
        offset: int = 0,
        **kwargs: Any,
    ) -> list[SessionMessage]:
        """Async twin of :meth:`list_messages`."""
        return await self.pool.call(self._read_messages(session_id, agent_id, offset, limit))

    async def _read_messages(
        self, session_id: str, agent_id: str, offset: int, limit: int | None
    ) -> list[SessionMessage]:
        raws = await self._read_raw_messages(session_id, agent_id, offset, limit)
        return [raw_to_session_message(raw) for raw in raws]

    async def _read_raw_messages(
        self, session_id: str, agent_id: str, offset: int, limit: int | None
    ) -> list[dict[str, Any]]:
        validate_id(session_id, "session_id")
        key = storage_key(validate_id(agent_id, "agent_id"))
        offset = max(0, check_position(offset, "offset") or 0)
        limit = check_position(limit, "limit")
        if limit is not None and limit <= 0:
            return []
        count = _SLICE_ALL if limit is None else limit
        if self.pool.is_mock:
            # mongomock ignores $slice on a nested path: read the array, slice here.
            projection: dict[str, Any] = {f"agents.{key}": 1}
        else:
            projection = {
                f"agents.{key}.agent_id": 1,
                f"agents.{key}.messages": {"$slice": [offset, count]},
            }
        raw = await self._collection().find_one({"_id": session_id}, projection)
        agent = _agent_from(raw, key, agent_id)
        if agent is None:
            return []
        messages: list[dict[str, Any]] = agent.get("messages") or []
        if self.pool.is_mock:
            messages = messages[offset : offset + count]
        return messages

    # ---------------------------------------------------------------- multi-agent

    def create_multi_agent(
        self, session_id: str, multi_agent: MultiAgentBase, **kwargs: Any
    ) -> None:
        """Store a Graph / Swarm's state (creating and updating are the same upsert)."""
        self.pool.run(
            self._write_multi_agent(session_id, multi_agent.id, multi_agent.serialize_state())
        )

    async def create_multi_agent_async(
        self, session_id: str, multi_agent: MultiAgentBase, **kwargs: Any
    ) -> None:
        """Async twin of :meth:`create_multi_agent`."""
        await self.pool.call(
            self._write_multi_agent(session_id, multi_agent.id, multi_agent.serialize_state())
        )

    update_multi_agent = create_multi_agent
    update_multi_agent_async = create_multi_agent_async

    def read_multi_agent(
        self, session_id: str, multi_agent_id: str, **kwargs: Any
    ) -> dict[str, Any] | None:
        """The stored state of a Graph / Swarm, or ``None``."""
        return self.pool.run(self._read_multi_agent(session_id, multi_agent_id))

    async def read_multi_agent_async(
        self, session_id: str, multi_agent_id: str, **kwargs: Any
    ) -> dict[str, Any] | None:
        """Async twin of :meth:`read_multi_agent`."""
        return await self.pool.call(self._read_multi_agent(session_id, multi_agent_id))

    async def _read_multi_agent(
        self, session_id: str, multi_agent_id: str
    ) -> dict[str, Any] | None:
        validate_id(session_id, "session_id")
        key = storage_key(validate_id(multi_agent_id, "multi_agent_id"))
        raw = await self._collection().find_one({"_id": session_id}, {f"multi_agents.{key}": 1})
        record = ((raw or {}).get("multi_agents") or {}).get(key)
        if record is None or record.get("multi_agent_id") != multi_agent_id:
            return None
        state: dict[str, Any] = record.get("state") or {}
        self._multi_agent_bytes[(session_id, key)] = encoded_size({"s": state}, "multi-agent state")
        return state

    async def _write_multi_agent(
        self, session_id: str, multi_agent_id: str, state: dict[str, Any]
    ) -> None:
        key = storage_key(validate_id(multi_agent_id, "multi_agent_id"))
        size = encoded_size({"s": state}, f"state of multi-agent {multi_agent_id!r}")
        added = size - self._multi_agent_bytes.get((session_id, key), 0)
        now = utcnow()
        record = MultiAgentRecord(
            multi_agent_id=multi_agent_id, state=state, created_at=now, updated_at=now
        )
        update: dict[str, Any] = {
            "$set": {
                f"multi_agents.{key}.multi_agent_id": multi_agent_id,
                f"multi_agents.{key}.state": record.state,
                f"multi_agents.{key}.updated_at": now,
                "updated_at": now,
            },
            "$inc": {"size_bytes": added},
        }
        await self._guarded_update(session_id, None, {}, update, max(added, 0))
        self._multi_agent_bytes[(session_id, key)] = size

    # ---------------------------------------------------------------- the guarded write

    async def _guarded_update(
        self,
        session_id: str,
        agent_id: str | None,
        condition: Mapping[str, Any],
        update: dict[str, Any],
        added_bytes: int,
        *,
        expected_count: int | None = None,
        creating: bool = False,
        before: Mapping[str, Any] | None = None,
    ) -> dict[str, Any] | None:
        """``update_one`` on the session if ``condition`` holds and the size stays in bounds.

        When nothing matched, one extra read tells why, and a typed error says it:
        missing session / agent, size limit, or a concurrent writer. Nothing was
        written in any of those cases.

        With ``before`` (a projection), the write is a ``findAndModify`` that also
        returns those fields as they were before the update, still one round trip
        (the metadata and configuration writes use it to keep ``size_bytes`` right).
        """
        validate_id(session_id, "session_id")
        if self.ttl is not None:  # expiry after inactivity: refreshed in the same write
            update.setdefault("$set", {}).update(self._expires_at())
        query: dict[str, Any] = {"_id": session_id, **condition}
        if added_bytes > 0:
            query["size_bytes"] = {"$lte": self.max_document_bytes - added_bytes}
        try:
            if before is not None:
                previous = await self._collection().find_one_and_update(
                    query,
                    update,
                    projection={"_id": 1, **before},
                    return_document=ReturnDocument.BEFORE,
                )
                if previous is not None:
                    return dict(previous)
                result = None
            else:
                result = await self._collection().update_one(query, update)
        except DocumentTooLarge as exc:
            raise SessionTooLargeError(
                session_id, -1, added_bytes, self.max_document_bytes
            ) from exc
        except OperationFailure as exc:  # WriteError, or findAndModify's OperationFailure
            if exc.code in _TOO_LARGE_CODES or "too large" in str(exc).lower():
                raise SessionTooLargeError(
                    session_id, -1, added_bytes, self.max_document_bytes
                ) from exc
            raise
        if result is not None and result.matched_count:
            return None
        await self._explain_miss(session_id, agent_id, added_bytes, expected_count, creating)

    async def _explain_miss(
        self,
        session_id: str,
        agent_id: str | None,
        added_bytes: int,
        expected_count: int | None,
        creating: bool,
    ) -> NoReturn:
        key = storage_key(agent_id) if agent_id is not None else None
        projection: dict[str, Any] = {"size_bytes": 1}
        if key is not None:
            projection[f"agents.{key}.agent_id"] = 1
            projection[f"agents.{key}.message_count"] = 1
        raw = await self._collection().find_one({"_id": session_id}, projection)
        if raw is None:
            raise SessionNotFoundError(session_id)
        size = int(raw.get("size_bytes") or 0)
        if added_bytes > 0 and size + added_bytes > self.max_document_bytes:
            raise SessionTooLargeError(session_id, size, added_bytes, self.max_document_bytes)
        agent = (
            _agent_from(raw, key, agent_id) if key is not None and agent_id is not None else None
        )
        if creating:
            raise SessionConflictError(
                f"agent {agent_id!r} already exists in session {session_id!r}; "
                "another writer created it first. Nothing was written",
                session_id=session_id,
                agent_id=agent_id,
            )
        if agent_id is not None and agent is None:
            raise SessionNotFoundError(session_id, agent_id)
        actual = int(agent.get("message_count", 0)) if agent is not None else None
        raise SessionConflictError(
            f"concurrent write on agent {agent_id!r} of session {session_id!r}: this manager "
            f"expected message_id {expected_count}, the stored agent has {actual} messages. "
            "Nothing was written; reload the session and retry",
            session_id=session_id,
            agent_id=agent_id,
            expected=expected_count,
            actual=actual,
        )


# -------------------------------------------------------------------- helpers


def check_ttl(ttl: timedelta | None) -> timedelta | None:
    """``ttl`` if it is a positive ``timedelta`` (or ``None``); else :class:`InvalidInputError`."""
    if ttl is None:
        return None
    if not isinstance(ttl, timedelta) or ttl <= timedelta(0):
        raise InvalidInputError(f"ttl must be a positive datetime.timedelta, got {ttl!r}")
    return ttl


def check_max_document_bytes(value: int) -> int:
    """``value`` if it is a positive int no larger than MongoDB's 16 MiB; else an error.

    A larger limit would let the embedded test server store what production refuses.
    """
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise InvalidInputError(f"max_document_bytes must be a positive int, got {value!r}")
    if value > MONGODB_MAX_DOCUMENT_BYTES:
        raise InvalidInputError(
            f"max_document_bytes={value} is above MongoDB's document limit of "
            f"{MONGODB_MAX_DOCUMENT_BYTES} bytes (16 MiB)"
        )
    return value


def check_position(value: int | None, name: str) -> int | None:
    """A message position (``message_id``, ``offset``, ``limit``) as BSON can send it."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInputError(f"{name} must be an int, got {value!r}")
    if value > _SLICE_ALL:
        raise InvalidInputError(f"{name}={value} is beyond the largest message position")
    return value


def merge_update(update: dict[str, Any], extra: Mapping[str, Mapping[str, Any]] | None) -> None:
    """Fold ``extra`` (operator -> path -> value) into ``update``; ``$inc`` amounts add up."""
    for operator, fields in (extra or {}).items():
        target = update.setdefault(operator, {})
        for path, value in fields.items():
            if operator == "$inc" and path in target:
                target[path] += value
            else:
                target[path] = value


def check_schema_version(raw: Mapping[str, Any]) -> None:
    """Raise :class:`SchemaVersionError` unless the stored document is of our version."""
    found = raw.get("schema_version")
    if found != SCHEMA_VERSION:
        # Missing (the reference implementation's layout) or unreadable: version 0.
        version = found if isinstance(found, int) and not isinstance(found, bool) else 0
        raise SchemaVersionError(str(raw.get("_id")), version, SCHEMA_VERSION)


def _agent_from(
    raw: Mapping[str, Any] | None, key: str | None, agent_id: str | None
) -> dict[str, Any] | None:
    if raw is None or key is None:
        return None
    agent = (raw.get("agents") or {}).get(key)
    if agent is None or agent.get("agent_id") != agent_id:
        return None
    return dict(agent)


def _updated_agent_fields(session_agent: SessionAgent) -> dict[str, Any]:
    """State fields plus the ``updated_at`` Strands set, kept exactly (see ``stamp_fields``)."""
    updated = parse_timestamp(session_agent.updated_at)
    return {
        **agent_state_fields(session_agent),
        "updated_at": updated,
        "updated_at_us": updated.microsecond % 1000,
        **stamp_fields("updated_at", session_agent.updated_at),
    }


def agent_state_fields(session_agent: SessionAgent) -> dict[str, Any]:
    """The state fields of a Strands agent as stored."""
    return {
        "state": session_agent.state,
        "conversation_manager_state": session_agent.conversation_manager_state,
        "internal_state": session_agent._internal_state,
    }


def agent_document(
    session_agent: SessionAgent,
    *,
    model: str | None = None,
    system_prompt: str | None = None,
    messages: list[dict[str, Any]] | None = None,
    totals: Totals | None = None,
) -> dict[str, Any]:
    """A new agent record as a BSON-ready dict."""
    fields = agent_state_fields(session_agent)
    record = AgentRecord(
        agent_id=validate_id(session_agent.agent_id, "agent_id"),
        model=model,
        system_prompt=system_prompt,
        message_count=len(messages or []),
        state_bytes=encoded_size(fields, f"state of agent {session_agent.agent_id!r}"),
        totals=totals or Totals(),
        created_at=parse_timestamp(session_agent.created_at),
        updated_at=parse_timestamp(session_agent.updated_at),
        **fields,
        **stamp_fields("created_at", session_agent.created_at),
        **stamp_fields("updated_at", session_agent.updated_at),
    )
    document = record.model_dump(exclude={"messages"})
    document["messages"] = messages or []
    return document
