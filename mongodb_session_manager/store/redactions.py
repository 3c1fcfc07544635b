"""Storing a redaction wherever the message is: in the recent messages or in a page.

A recent message is redacted in one write of the session, found by its id
(``agents.<key>.messages.$``), which also moves the agent's ``rev`` so a page
snapshot taken before it is not committed. A message already in a page is
redacted there first (the part that matters for safety), then the session's
part (the guardrail event, ``updated_at``) is written.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from mongodb_session_manager.errors import SessionConflictError, SessionNotFoundError
from mongodb_session_manager.models import storage_key, utcnow, validate_id
from mongodb_session_manager.store.codec import agent_from, encoded_size
from mongodb_session_manager.store.updates import UpdateSpec, merge_update, redaction_write

if TYPE_CHECKING:
    from mongodb_session_manager.store.companions import Companions

__all__ = ["redact_message"]


async def redact_message(
    store: Companions,
    session_id: str,
    agent_id: str,
    message_id: int,
    redact: Mapping[str, Any] | None,
    extra: Callable[[str], UpdateSpec] | None,
) -> None:
    """Store ``redact`` on message ``message_id`` and ``extra(path)`` with it (see the module).

    Raises:
        SessionNotFoundError: No such session, agent or message.
    """
    key = storage_key(validate_id(agent_id, "agent_id"))
    added = encoded_size({"r": redact}, f"redaction of message {message_id}") if redact else 0

    def write_at(path: str) -> dict[str, Any]:
        update = redaction_write(key, path, redact, added, utcnow())
        merge_update(update, extra(path) if extra is not None else None)
        return update

    cursor = store.cursors.peek(session_id, key)
    missed: SessionConflictError | None = None
    if cursor is None or message_id >= cursor.paged_count:
        # By position when this store knows where the recent messages start, else
        # by id (the positional operator): either way guarded by the id.
        path = (
            f"agents.{key}.messages.$"
            if cursor is None
            else f"agents.{key}.messages.{message_id - cursor.paged_count}"
        )
        found = f"agents.{key}.messages.message_id" if cursor is None else f"{path}.message_id"
        update = write_at(path)
        erasing = f"{path}.blobs" in update.get("$unset", {})
        try:
            before = await store.update_session(
                session_id,
                {**update, "$inc": {**update.get("$inc", {}), f"agents.{key}.rev": 1}},
                added_bytes=int(update.get("$inc", {}).get("size_bytes", 0)),
                agent_id=agent_id,
                condition={found: message_id},
                # Erasing the original: the same round trip names its out-of-line values.
                before={f"agents.{key}.messages": 1} if erasing else None,
            )
        except SessionConflictError as exc:
            missed = exc  # not among the recent messages (any more): in a page, or nowhere
        else:
            if cursor is not None:
                cursor.rev += 1
            if before is not None:
                recent = ((before.get("agents") or {}).get(key) or {}).get("messages") or []
                await _erase_values(store, session_id, recent, message_id)
            return
    path = f"agents.{key}.messages.$"
    update = write_at(path)
    if await _redact_paged(store, session_id, agent_id, key, message_id, update, path):
        return
    raise missed or SessionConflictError(
        f"message {message_id} of agent {agent_id!r} of session {session_id!r} is not stored. "
        "Nothing was written",
        session_id=session_id,
        agent_id=agent_id,
    )


async def _redact_paged(
    store: Companions,
    session_id: str,
    agent_id: str,
    key: str,
    message_id: int,
    update: dict[str, Any],
    path: str,
) -> bool:
    """The redaction on the page holding the message, then the session's part; False: no such."""
    prefix = f"{path}."
    on_page: dict[str, dict[str, Any]] = {}
    on_session: dict[str, dict[str, Any]] = {}
    for operator, fields in update.items():
        for field, value in fields.items():
            if field.startswith(prefix):
                on_page.setdefault(operator, {})[f"messages.$.{field[len(prefix) :]}"] = value
            elif field != "size_bytes":  # the session does not hold this message any more
                on_session.setdefault(operator, {})[field] = value
    projection = {f"agents.{key}.{name}": 1 for name in ("agent_id", "incarnation", "paged_count")}
    agent = agent_from(await store.find_one({"_id": session_id}, projection), key, agent_id)
    if agent is None:
        raise SessionNotFoundError(session_id, agent_id)
    if message_id >= int(agent.get("paged_count") or 0):
        return False
    erasing = "messages.$.blobs" in on_page.get("$unset", {})
    found = await store.pages.redact(
        session_id, key, agent.get("incarnation"), message_id, on_page, returning=erasing
    )
    if found is None:
        return False
    await _erase_values(store, session_id, found, message_id)
    await store.update_session(session_id, on_session, added_bytes=0, agent_id=agent_id)
    return True


async def _erase_values(
    store: Companions, session_id: str, messages: list[dict[str, Any]], message_id: int
) -> None:
    """Delete the out-of-line values of an erased original (``messages`` as they were)."""
    for message in messages:
        if message.get("message_id") == message_id and message.get("blobs"):
            blob_ids = [ref.get("blob_id") for ref in message["blobs"] if isinstance(ref, dict)]
            await store.blobs.delete_blobs(session_id, [b for b in blob_ids if b])
