"""``SessionStore``: the one gateway to the session documents.

Layout (see ``docs/architecture.md``)::

    {_id: session_id, session_id, session_type, schema_version, created_at, updated_at,
     application_name, metadata: {}, feedbacks: [], totals: {}, size_bytes,
     agents: {<key>: {agent_id, state, conversation_manager_state, internal_state,
                      model, system_prompt, prompt_metadata, message_count, totals,
                      state_bytes, messages: [{message_id, role, content, ...}], ...}},
     multi_agents: {<key>: {multi_agent_id, state, ...}}}

``message_id`` equals the message's position in ``messages``: appends are guarded
by ``message_count``, so reads slice by position and redaction sets by position.
Every write is one guarded update (:meth:`SessionStore.update_session`); a write
that matches nothing costs one more read, to raise the right typed error.
Everything here is a coroutine for the store loop; results are plain dicts.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pymongo.errors import DuplicateKeyError
from strands.types.session import Session

from mongodb_session_manager.models import (
    AGENT_HEADER_FIELDS,
    MultiAgentRecord,
    Totals,
    storage_key,
    utcnow,
    validate_id,
)
from mongodb_session_manager.models.limits import ARRAY_ITEM_OVERHEAD, MAX_POSITION, check_position
from mongodb_session_manager.store.codec import (
    SESSION_HEADER_PROJECTION,
    agent_from,
    check_schema_version,
    encoded_size,
    multi_agent_size,
    session_document,
)
from mongodb_session_manager.store.guarded import GuardedGateway
from mongodb_session_manager.store.indexes import ensure_session_indexes
from mongodb_session_manager.store.updates import (
    UpdateSpec,
    agent_fields_update,
    append_update,
    create_agent_update,
    merge_update,
    multi_agent_update,
    redaction_write,
)
from mongodb_session_manager.store.viewer_secrets import new_viewer_access

__all__ = ["RawMessage", "SessionStore"]

logger = logging.getLogger(__name__)

RawMessage = dict[str, Any]
"""A message document as stored (``message_id``, ``role``, ``content``...)."""


class SessionStore(GuardedGateway):
    """Reads and guarded writes of session documents, on one pool.

    The guarded write itself (:meth:`update_session`) is :class:`GuardedGateway`'s.

    Args:
        pool: The connection pool (its client lives on the store loop).
        settings: Database, collection, size limit, ttl, application name and
            indexed metadata fields (the connection fields are the pool's business).
    """

    def with_settings(self, **changes: Any) -> SessionStore:
        """A store on the same pool with some settings replaced (``ttl=...``)."""
        return SessionStore(self.pool, self.settings.with_overrides(**changes))

    # ---------------------------------------------------------------- sessions

    async def ensure_indexes(self) -> bool:
        """Create the collection's indexes if this process has not yet. True if it did."""
        return await ensure_session_indexes(
            self.pool, self.database_name, self.collection_name, self.settings.metadata_fields
        )

    async def create_session(self, session: Session, application_name: str | None = None) -> bool:
        """Insert a new session document (indexes first, once per process).

        Args:
            session: Strands' session (id, type, timestamps).
            application_name: Stored on it (default: the settings' one).

        Returns:
            False if the session existed already (it is kept as it is).
        """
        session_id = validate_id(session.session_id, "session_id")
        await self.ensure_indexes()
        document = session_document(
            session,
            application_name or self.settings.application_name,
            new_viewer_access(),
            **self._expires_at(),
        )
        document["size_bytes"] = encoded_size(document, f"session {session_id!r}") + 64
        try:
            await self.collection().insert_one(document)
        except DuplicateKeyError:
            logger.info("session.create.exists | session_id=%s", session_id)
            return False
        logger.debug("session.created | session_id=%s", session_id)
        return True

    async def read_header(
        self, session_id: str, agent_ids: Sequence[str] = ()
    ) -> dict[str, Any] | None:
        """The session header, plus the header fields of ``agent_ids`` (one read).

        Returns:
            The raw document (``None``: no such session); the agents are under
            ``agents.<storage key>`` (see :func:`~.codec.agent_from`).

        Raises:
            SchemaVersionError: The stored session needs ``msm migrate up`` first.
        """
        validate_id(session_id, "session_id")
        projection: dict[str, Any] = dict(SESSION_HEADER_PROJECTION)
        for agent_id in agent_ids:
            key = storage_key(validate_id(agent_id, "agent_id"))
            projection.update({f"agents.{key}.{name}": 1 for name in AGENT_HEADER_FIELDS})
        raw = await self.collection().find_one({"_id": session_id}, projection)
        if raw is None:
            return None
        check_schema_version(raw)
        return dict(raw)

    async def read_fields(
        self, session_id: str, projection: Mapping[str, Any]
    ) -> dict[str, Any] | None:
        """The session's fields selected by ``projection`` (``None``: no such session)."""
        return await self.find_one({"_id": session_id}, projection)

    async def read_document(self, session_id: str) -> dict[str, Any] | None:
        """The whole session document, schema-checked (``None``: no such session)."""
        validate_id(session_id, "session_id")
        document = await self.find_one({"_id": session_id})
        if document is not None:
            check_schema_version(document)
        return document

    async def replace_session(self, session_id: str, document: Mapping[str, Any]) -> bool:
        """Replace (or insert) the whole document of ``session_id``. True if one existed."""
        result = await self.collection().replace_one(
            {"_id": session_id}, dict(document), upsert=True
        )
        return bool(result.matched_count)

    async def delete_session(self, session_id: str) -> bool:
        """Delete the whole session document. True if it existed."""
        validate_id(session_id, "session_id")
        result = await self.collection().delete_one({"_id": session_id})
        existed = bool(result.deleted_count)
        logger.info("session.deleted | session_id=%s existed=%s", session_id, existed)
        return existed

    async def delete_sessions(self, filter: Mapping[str, Any]) -> int:
        """Delete every session matching ``filter``; how many were deleted."""
        return await self.delete_many(filter)

    # ---------------------------------------------------------------- agents and messages

    async def read_agent(self, session_id: str, agent_id: str) -> dict[str, Any] | None:
        """The stored agent fields but messages (``None``: no such session or agent)."""
        validate_id(session_id, "session_id")
        key = storage_key(validate_id(agent_id, "agent_id"))
        projection = {f"agents.{key}.{name}": 1 for name in AGENT_HEADER_FIELDS}
        raw = await self.collection().find_one({"_id": session_id}, projection)
        return agent_from(raw, key, agent_id)

    async def read_messages(
        self, session_id: str, agent_id: str, offset: int = 0, limit: int | None = None
    ) -> list[RawMessage]:
        """Messages ``offset`` to ``offset + limit`` of an agent, in order (only those are read)."""
        validate_id(session_id, "session_id")
        key = storage_key(validate_id(agent_id, "agent_id"))
        offset = max(0, check_position(offset, "offset") or 0)
        limit = check_position(limit, "limit")
        if limit is not None and limit <= 0:
            return []
        count = MAX_POSITION if limit is None else limit
        slices = self.backend.slices_nested_arrays
        projection: dict[str, Any] = (
            {f"agents.{key}.agent_id": 1, f"agents.{key}.messages": {"$slice": [offset, count]}}
            if slices
            else {f"agents.{key}": 1}  # no $slice on a nested path: read all, slice here
        )
        raw = await self.collection().find_one({"_id": session_id}, projection)
        agent = agent_from(raw, key, agent_id)
        if agent is None:
            return []
        messages: list[RawMessage] = agent.get("messages") or []
        return messages if slices else messages[offset : offset + count]

    async def _write_merged(
        self,
        session_id: str,
        agent_id: str,
        update: dict[str, Any],
        extra: UpdateSpec | None,
        *,
        condition: Mapping[str, Any],
        expected_count: int | None = None,
        creating: bool = False,
    ) -> None:
        """``update`` with ``extra`` folded in, as one guarded write of the agent.

        ``update["$inc"]["size_bytes"]`` (after the merge) is what the write adds.
        """
        merge_update(update, extra)
        await self.update_session(
            session_id,
            update,
            added_bytes=int(update["$inc"]["size_bytes"]),
            agent_id=agent_id,
            condition=condition,
            expected_count=expected_count,
            creating=creating,
        )

    async def create_agent(
        self,
        session_id: str,
        document: dict[str, Any],
        *,
        increments: Mapping[str, int] | None = None,
        extra: UpdateSpec | None = None,
    ) -> None:
        """Store a new agent (with any messages already in ``document``): one guarded write.

        Args:
            session_id: The session.
            document: The agent document (see :func:`~.codec.agent_document`).
            increments: Usage totals its messages add to the session's.
            extra: More of the same write (tool usage, guardrail events).

        Raises:
            SessionConflictError: Another writer created this agent first.
        """
        agent_id = document["agent_id"]
        key = storage_key(agent_id)
        added = encoded_size(document, f"agent {agent_id!r}") + ARRAY_ITEM_OVERHEAD
        update = create_agent_update(key, document, added, increments, utcnow())
        await self._write_merged(
            session_id,
            agent_id,
            update,
            extra,
            condition={f"agents.{key}": {"$exists": False}},
            creating=True,
        )

    async def append(
        self,
        session_id: str,
        agent_id: str,
        message: RawMessage,
        *,
        agent_fields: Mapping[str, Any] | None = None,
        added_state_bytes: int = 0,
        extra: UpdateSpec | None = None,
    ) -> None:
        """One write: the message, counters, totals, any agent field changes, ``updated_at``.

        Args:
            session_id: The session.
            agent_id: The agent.
            message: The message document; its ``message_id`` must be the agent's count.
            agent_fields: Agent fields changed since the last write.
            added_state_bytes: How much those fields grow the session.
            extra: Folded into the same write (``$inc`` amounts on one path add up).

        Raises:
            SessionConflictError: The agent's ``message_count`` is not ``message_id``.
        """
        key = storage_key(validate_id(agent_id, "agent_id"))
        message_id = message["message_id"]
        added = encoded_size(message, f"message {message_id} of agent {agent_id!r}")
        added += ARRAY_ITEM_OVERHEAD + added_state_bytes
        increments = Totals.increments(message.get("metadata"))
        update = append_update(key, message, added, increments, agent_fields, utcnow())
        await self._write_merged(
            session_id,
            agent_id,
            update,
            extra,
            condition={f"agents.{key}.message_count": message_id},
            expected_count=message_id,
        )

    async def update_agent(
        self, session_id: str, agent_id: str, fields: Mapping[str, Any], added_bytes: int = 0
    ) -> None:
        """Set agent fields (``updated_at`` too, unless ``fields`` has its own)."""
        key = storage_key(validate_id(agent_id, "agent_id"))
        await self.update_session(
            session_id,
            agent_fields_update(key, fields, added_bytes, utcnow()),
            added_bytes=added_bytes,
            agent_id=agent_id,
            condition={f"agents.{key}.agent_id": agent_id},
        )

    async def update_message(
        self,
        session_id: str,
        agent_id: str,
        message_id: int,
        redact: Mapping[str, Any] | None,
        extra: Callable[[str], UpdateSpec] | None = None,
    ) -> None:
        """Store a message's redaction, and whatever ``extra(message_path)`` adds, in one write.

        (The guardrail event and the erasure of the original come through ``extra``.)
        """
        key = storage_key(validate_id(agent_id, "agent_id"))
        path = f"agents.{key}.messages.{message_id}"
        added = encoded_size({"r": redact}, f"redaction of message {message_id}") if redact else 0
        update = redaction_write(key, path, redact, added, utcnow())
        more = extra(path) if extra is not None else None
        await self._write_merged(
            session_id, agent_id, update, more, condition={f"{path}.message_id": message_id}
        )

    # ---------------------------------------------------------------- multi-agent

    async def read_multi_agent(self, session_id: str, multi_agent_id: str) -> dict[str, Any] | None:
        """The stored state of a Graph / Swarm, or ``None``."""
        validate_id(session_id, "session_id")
        key = storage_key(validate_id(multi_agent_id, "multi_agent_id"))
        raw = await self.collection().find_one({"_id": session_id}, {f"multi_agents.{key}": 1})
        record = ((raw or {}).get("multi_agents") or {}).get(key)
        if record is None or record.get("multi_agent_id") != multi_agent_id:
            return None
        state: dict[str, Any] = record.get("state") or {}
        return state

    async def write_multi_agent(
        self, session_id: str, multi_agent_id: str, state: dict[str, Any], known_bytes: int = 0
    ) -> int:
        """Upsert a Graph / Swarm state; returns its size (pass it as ``known_bytes`` next time).

        ``known_bytes`` is the size of the state stored before (0 if unknown: then
        ``size_bytes`` counts it twice, the safe side).
        """
        key = storage_key(validate_id(multi_agent_id, "multi_agent_id"))
        size = multi_agent_size(state, f"state of multi-agent {multi_agent_id!r}")
        added = size - known_bytes
        now = utcnow()
        record = MultiAgentRecord(
            multi_agent_id=multi_agent_id, state=state, created_at=now, updated_at=now
        )
        update = multi_agent_update(key, multi_agent_id, record.state, added, now)
        await self.update_session(session_id, update, added_bytes=added)
        return size
