"""``SessionStore``: the one gateway to the session documents.

Layout (see ``docs/architecture.md``)::

    {_id: session_id, session_id, session_type, schema_version, created_at, updated_at,
     application_name, metadata: {}, feedbacks: [], totals: {}, size_bytes,
     agents: {<key>: {agent_id, state, conversation_manager_state, internal_state,
                      model, system_prompt, prompt_metadata, message_count, totals,
                      state_bytes, incarnation, paged_count, page_count, recent_bytes,
                      rev, messages: [the recent ones: ids paged_count..]}},
     multi_agents: {<key>: {multi_agent_id, state, ...}}}

Older messages are in pages (:mod:`~.pages`, :mod:`~.appends`); appends are
guarded by ``message_count``. Every write is one guarded update
(:meth:`SessionStore.update_session`); a write that matches nothing costs one
more read, to raise the right typed error.
Everything here is a coroutine for the store loop; results are plain dicts.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from typing import Any

from pymongo.errors import DuplicateKeyError
from strands.types.session import Session

from mongodb_session_manager.models import (
    AGENT_HEADER_FIELDS,
    Totals,
    storage_key,
    utcnow,
    validate_id,
)
from mongodb_session_manager.models.limits import ARRAY_ITEM_OVERHEAD
from mongodb_session_manager.store.appends import append_paged
from mongodb_session_manager.store.codec import (
    SESSION_HEADER_PROJECTION,
    agent_from,
    check_schema_version,
    encoded_size,
    session_document,
)
from mongodb_session_manager.store.companions import Companions
from mongodb_session_manager.store.indexes import ensure_companion_indexes, ensure_session_indexes
from mongodb_session_manager.store.message_reads import (
    read_full_document,
    read_window,
    stream_messages,
)
from mongodb_session_manager.store.multi_agents import MultiAgentStates
from mongodb_session_manager.store.pages import history_pages
from mongodb_session_manager.store.redactions import redact_message
from mongodb_session_manager.store.updates import (
    UpdateSpec,
    agent_fields_update,
    append_update,
    create_agent_update,
    merge_update,
)
from mongodb_session_manager.store.viewer_secrets import new_viewer_access

__all__ = ["RawMessage", "SessionStore"]

logger = logging.getLogger(__name__)

RawMessage = dict[str, Any]
"""A message document as stored (``message_id``, ``role``, ``content``...)."""


class SessionStore(MultiAgentStates, Companions):
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
        created = await ensure_session_indexes(
            self.pool, self.database_name, self.collection_name, self.settings.metadata_fields
        )
        companions = await ensure_companion_indexes(
            self.pool, self.database_name, self.collection_name
        )
        return created or companions

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
        for key, agent in (raw.get("agents") or {}).items():
            if isinstance(agent, dict):
                self.cursors.seed(session_id, key, agent)
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
        await self.delete_companions([session_id])
        logger.info("session.deleted | session_id=%s existed=%s", session_id, existed)
        return existed

    async def delete_sessions(self, filter: Mapping[str, Any]) -> int:
        """Delete every session matching ``filter`` and their pages; how many were deleted.

        The ids are read first (one query), so the pages of exactly those go too.
        """
        ids = await self.find_ids(filter)
        if not ids:
            return 0
        deleted = await self.delete_many({"_id": {"$in": ids}})
        await self.delete_companions([str(i) for i in ids])
        return deleted

    # ---------------------------------------------------------------- agents and messages

    async def read_agent(self, session_id: str, agent_id: str) -> dict[str, Any] | None:
        """The stored agent fields but messages (``None``: no such session or agent)."""
        validate_id(session_id, "session_id")
        key = storage_key(validate_id(agent_id, "agent_id"))
        projection = {f"agents.{key}.{name}": 1 for name in AGENT_HEADER_FIELDS}
        raw = await self.collection().find_one({"_id": session_id}, projection)
        agent = agent_from(raw, key, agent_id)
        if agent is not None:
            self.cursors.seed(session_id, key, agent)
        return agent

    async def read_messages(
        self,
        session_id: str,
        agent_id: str,
        offset: int = 0,
        limit: int | None = None,
    ) -> list[RawMessage]:
        """Messages ``offset`` to ``offset + limit`` of an agent, in order, at any length.

        One read once this store has read the agent's fields (a resume has), else
        two; see :func:`~.message_reads.read_window`. Out-of-line values are put back.
        """
        return await read_window(self, session_id, agent_id, offset, limit)

    def iter_messages(
        self, session_id: str, agent_id: str, batch: int = 200
    ) -> AsyncIterator[list[RawMessage]]:
        """Every message of an agent, in batches of about ``batch`` (bounded memory)."""
        return stream_messages(self, session_id, agent_id, batch)

    async def read_full_document(self, session_id: str) -> dict[str, Any] | None:
        """The session with every agent's whole conversation in ``messages`` (pages joined)."""
        return await read_full_document(self, session_id)

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
        if document.get("messages"):
            outs = [await self._out_of_line(session_id, agent_id, m) for m in document["messages"]]
            document = {**document, "messages": [m for m, _, _ in outs]}
        document, pages = history_pages(
            session_id, key, document, self.settings.page_policy, self.settings.ttl
        )
        if pages:
            await self.pages.insert_pages(pages)
            if self.settings.ttl is not None:
                self.cursors.note_pages(session_id, pages[0]["expires_at"])
        added = encoded_size(document, f"agent {agent_id!r}") + ARRAY_ITEM_OVERHEAD
        update = create_agent_update(key, document, added, increments, utcnow())
        merge_update(update, extra)
        await self.update_session(
            session_id,
            update,
            added_bytes=int(update["$inc"]["size_bytes"]),
            agent_id=agent_id,
            condition={f"agents.{key}": {"$exists": False}},
            creating=True,
        )
        self.cursors.seed(session_id, key, document)

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
        message, size, blob_ids = await self._out_of_line(session_id, agent_id, message)
        size += ARRAY_ITEM_OVERHEAD
        increments = Totals.increments(message.get("metadata"))
        update = append_update(
            key, message, size + added_state_bytes, increments, agent_fields, utcnow()
        )
        update["$inc"][f"agents.{key}.recent_bytes"] = size
        merge_update(update, extra)
        try:
            await append_paged(
                self,
                self.pages,
                self.cursors,
                session_id=session_id,
                agent_id=agent_id,
                key=key,
                message=message,
                size=size,
                update=update,
            )
        except BaseException:
            if blob_ids:  # the message is not stored: neither are its values
                await self.blobs.delete_blobs(session_id, blob_ids)
            raise

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
        """Store a message's redaction, and whatever ``extra(message_path)`` adds.

        A recent message: one write of the session. A paged one: its page first
        (the safety-relevant part), then the session's part (see ``store/redactions.py``).
        """
        await redact_message(self, session_id, agent_id, message_id, redact, extra)
