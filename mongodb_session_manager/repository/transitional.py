"""The repository's private methods the manager and the features call today.

Transitional: each is a one-line delegation to the :class:`SessionStore`
(``repository.store``); they are removed at the merge, once the manager and the
services call the store themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from strands.types.session import Session, SessionMessage

from mongodb_session_manager.store.codec import (
    message_to_record,
    raw_to_session_message,
    record_to_document,
)
from mongodb_session_manager.store.sessions import SessionStore
from mongodb_session_manager.store.updates import UpdateSpec

__all__ = ["TransitionalPrivates"]


class TransitionalPrivates:
    """The old private names, over ``self.store`` (transitional: removed at merge)."""

    store: SessionStore

    def _collection(self) -> Any:  # transitional: removed at merge
        return self.store.collection()

    async def _create_session(  # transitional: removed at merge
        self, session: Session, application_name: str | None = None
    ) -> bool:
        return await self.store.create_session(session, application_name)

    async def _read_agent_header(  # transitional: removed at merge
        self, session_id: str, agent_id: str
    ) -> dict[str, Any] | None:
        return await self.store.read_agent(session_id, agent_id)

    async def _read_raw_messages(  # transitional: removed at merge
        self, session_id: str, agent_id: str, offset: int, limit: int | None
    ) -> list[dict[str, Any]]:
        return await self.store.read_messages(session_id, agent_id, offset, limit)

    async def _read_messages(  # transitional: removed at merge
        self, session_id: str, agent_id: str, offset: int, limit: int | None
    ) -> list[SessionMessage]:
        raws = await self.store.read_messages(session_id, agent_id, offset, limit)
        return [raw_to_session_message(raw) for raw in raws]

    async def _create_agent(  # transitional: removed at merge
        self,
        session_id: str,
        document: dict[str, Any],
        totals: Mapping[str, int] | None = None,
        extra_update: UpdateSpec | None = None,
    ) -> None:
        await self.store.create_agent(session_id, document, increments=totals, extra=extra_update)

    async def _update_agent_fields(  # transitional: removed at merge
        self, session_id: str, agent_id: str, fields: Mapping[str, Any], added_bytes: int = 0
    ) -> None:
        await self.store.update_agent(session_id, agent_id, fields, added_bytes)

    async def _append(  # transitional: removed at merge
        self,
        session_id: str,
        agent_id: str,
        session_message: SessionMessage,
        agent_fields: Mapping[str, Any] | None = None,
        state_bytes_delta: int = 0,
        extra_update: UpdateSpec | None = None,
    ) -> None:
        document = record_to_document(message_to_record(session_message))
        await self.store.append(
            session_id,
            agent_id,
            document,
            agent_fields=agent_fields,
            added_state_bytes=state_bytes_delta,
            extra=extra_update,
        )

    async def _update_message(  # transitional: removed at merge
        self,
        session_id: str,
        agent_id: str,
        session_message: SessionMessage,
        extra_update: Callable[[str], UpdateSpec] | None = None,
    ) -> None:
        message_id, redact = session_message.message_id, session_message.redact_message
        await self.store.update_message(session_id, agent_id, message_id, redact, extra_update)

    async def _guarded_update(  # transitional: removed at merge
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
        return await self.store.update_session(
            session_id,
            update,
            added_bytes=added_bytes,
            agent_id=agent_id,
            condition=condition,
            before=before,
            expected_count=expected_count,
            creating=creating,
        )
