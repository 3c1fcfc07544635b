"""``BlobStore``: values too big for a message, stored as 1 MiB chunks beside the session.

A message whose encoded size is above ``PagePolicy.inline_message_bytes`` (a
20 MB image, a huge tool result) has its largest ``bytes`` / ``str`` leaves
(16 KiB or more) moved to ``<sessions collection>_blobs``, largest first, until
it fits. Each value becomes chunk documents (``BlobChunkRecord``)::

    {_id: "<blob_id>/<n:06d>", session_id, blob_id, n, data: Binary, expires_at?}

chunk 0 also carries ``size``, ``chunks``, ``kind`` and ``media_type`` (so a
download knows its length from its first read). The message keeps the leaf empty
(``b""`` / ``""``) and lists where each value went in ``blobs`` (``BlobRef``:
path, blob_id, kind, size, sha256, chunks). Every query names ``session_id``:
a session can never reach another session's values. See ``docs/architecture.md``.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple

import bson
from bson import Binary
from pydantic import ValidationError
from pymongo.errors import PyMongoError

from mongodb_session_manager.errors import InvalidInputError, StoredDataError
from mongodb_session_manager.models.pages import (
    BLOB_CHUNK_BYTES,
    BlobChunkRecord,
    BlobRef,
    PagePolicy,
    blob_chunk_id,
)
from mongodb_session_manager.store.blob_values import (
    MIN_OUT_OF_LINE_BYTES,
    Leaf,
    copy_tree,
    large_leaves,
    media_type_of,
    set_at,
    split_chunks,
)
from mongodb_session_manager.store.codec import encoded_size
from mongodb_session_manager.store.per_session import PerSessionGateway

__all__ = ["STREAM_BATCH_CHUNKS", "BlobHead", "BlobStore"]

logger = logging.getLogger(__name__)

STREAM_BATCH_CHUNKS = 4
"""Chunks read per round trip when a value is streamed (4 MiB in memory at most)."""

_REFS_KEY_BYTES = 12
"""What the ``blobs`` array itself adds to a message (type, key, length, terminator)."""


class BlobHead(NamedTuple):
    """The first read of a value being streamed.

    Attributes:
        size: Its length in bytes (``None``: chunks written without it).
        chunks: How many chunks hold it (``None``: unknown, read to the end).
        kind: ``"bytes"`` or ``"text"``.
        media_type: The type to serve it with.
        data: The first chunks' bytes, in order.
    """

    size: int | None
    chunks: int | None
    kind: str
    media_type: str
    data: list[bytes]


def _what(message: dict[str, Any]) -> str:
    return f"message {message.get('message_id')!r}"


class BlobStore(PerSessionGateway):
    """The chunk collection of a sessions collection (``models.pages.blobs_collection``).

    Every method is a coroutine for the store loop (or inline, on a sync
    caller's thread: only the gateway's own collection is used).
    """

    # ------------------------------------------------------------------ writing

    async def externalise(
        self,
        session_id: str,
        message: dict[str, Any],
        policy: PagePolicy,
        expires_at: datetime | None = None,
        *,
        size: int | None = None,
    ) -> tuple[dict[str, Any], list[str]]:
        """Move a big message's largest values out of line, so it fits ``policy``.

        Args:
            session_id: The session the message belongs to.
            message: The message document (not modified).
            policy: ``inline_message_bytes`` is the largest message kept whole.
            expires_at: The chunks' TTL lease (``None``: no expiry).
            size: The message's encoded size if the caller measured it already.

        Returns:
            ``(message, blob_ids)``: under the limit, ``message`` itself and ``[]``
            (no command sent); else a new message whose moved leaves are empty and
            whose ``blobs`` lists them, and the ids of the values written (one
            ``insert_many``).

        Raises:
            InvalidInputError: The message cannot be stored, or still weighs more
                than the limit once every value of 16 KiB or more is out of line
                (nothing was written).
        """
        what = _what(message)
        limit = policy.inline_message_bytes
        measured = size if size is not None else encoded_size(message, what)
        if measured <= limit:
            return message, []
        moved = _plan(message, measured, limit, f"{what} of session {session_id!r}")
        result = copy_tree(message)
        refs: list[dict[str, Any]] = list(result.get("blobs") or [])
        documents: list[dict[str, Any]] = []
        blob_ids: list[str] = []
        for leaf in moved:
            blob_id = secrets.token_hex(12)
            pieces = split_chunks(leaf.data, BLOB_CHUNK_BYTES)
            ref = _ref(leaf, blob_id, len(pieces), hashlib.sha256(leaf.data).hexdigest())
            refs.append(ref.model_dump(exclude_none=True))
            set_at(result, leaf.path, "" if leaf.kind == "text" else b"")
            head = {
                "size": ref.size,
                "chunks": ref.chunks,
                "kind": ref.kind,
                "media_type": media_type_of(message, leaf),
            }
            documents.extend(
                _chunk(session_id, blob_id, n, piece, expires_at, head if n == 0 else {})
                for n, piece in enumerate(pieces)
            )
            blob_ids.append(blob_id)
        result["blobs"] = refs
        final = len(bson.encode(result))
        if final > limit:  # the plan's estimate is an upper bound: not expected
            raise _too_big(f"{what} of session {session_id!r}", final, limit)
        await self._insert(session_id, documents, blob_ids)
        logger.debug(
            "blobs.written | session_id=%s message_id=%s blobs=%d bytes=%d",
            session_id,
            message.get("message_id"),
            len(blob_ids),
            sum(len(leaf.data) for leaf in moved),
        )
        return result, blob_ids

    async def _insert(
        self, session_id: str, documents: list[dict[str, Any]], blob_ids: list[str]
    ) -> None:
        """Insert the chunks (PyMongo splits past 48 MB); on failure remove what landed."""
        try:
            await self.collection().insert_many(documents, ordered=True)
        except PyMongoError:
            await self.delete_blobs(session_id, blob_ids)
            raise

    # ------------------------------------------------------------------ reading

    async def resolve(self, session_id: str, messages: list[dict[str, Any]]) -> None:
        """Put every out-of-line value of ``messages`` back in place (one ``find``).

        Messages with ``blobs`` get each value at its path and lose the ``blobs``
        key; the others are left alone. No command when none has ``blobs``.

        Raises:
            StoredDataError: A value's chunks are missing, or their size or SHA-256
                differ from what the message recorded.
        """
        wanted = [
            (message, _refs(session_id, message)) for message in messages if message.get("blobs")
        ]
        if not wanted:
            return
        ids = sorted({ref.blob_id for _, refs in wanted for ref in refs})
        cursor = self.collection().find(
            {"session_id": session_id, "blob_id": {"$in": ids}}, {"blob_id": 1, "n": 1, "data": 1}
        )
        rows = await cursor.sort([("blob_id", 1), ("n", 1)]).to_list(None)
        chunks: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            chunks.setdefault(row["blob_id"], []).append(row)
        for message, refs in wanted:
            for ref in refs:
                value = _reassemble(session_id, message, ref, chunks.get(ref.blob_id, []))
                if not set_at(message, ref.path, value):
                    raise StoredDataError(
                        session_id,
                        message.get("message_id"),
                        ref.blob_id,
                        f"its path {ref.path} is not in the message",
                    )
            del message["blobs"]

    async def read_chunks(
        self, session_id: str, blob_id: str, start: int, count: int
    ) -> list[bytes]:
        """Chunks ``start`` to ``start + count - 1`` of one value of one session, in order.

        Fewer (or none) past the end, or when the session has no such value.
        """
        cursor = self.collection().find(
            {
                "session_id": session_id,
                "blob_id": blob_id,
                "n": {"$gte": start, "$lt": start + count},
            },
            {"data": 1, "n": 1},
        )
        rows = await cursor.sort([("n", 1)]).to_list(None)
        return [bytes(row["data"]) for row in rows]

    async def open_blob(
        self, session_id: str, blob_id: str, count: int = STREAM_BATCH_CHUNKS
    ) -> BlobHead | None:
        """The length, type and first ``count`` chunks of a value (one ``find``).

        ``None`` when the session has no such value.
        """
        cursor = self.collection().find(
            {"session_id": session_id, "blob_id": blob_id, "n": {"$gte": 0, "$lt": count}}
        )
        rows = await cursor.sort([("n", 1)]).to_list(None)
        if not rows or rows[0].get("n") != 0:
            return None
        first = rows[0]
        size, chunks = first.get("size"), first.get("chunks")
        return BlobHead(
            size=int(size) if isinstance(size, int) else None,
            chunks=int(chunks) if isinstance(chunks, int) else None,
            kind=str(first.get("kind", "bytes")),
            media_type=str(first.get("media_type", "application/octet-stream")),
            data=[bytes(row["data"]) for row in rows],
        )

    # ------------------------------------------------------------------ deleting

    async def delete_blobs(self, session_id: str, blob_ids: Sequence[str]) -> int:
        """Best-effort removal of values written for an append that then failed.

        A failure here is logged (``blobs.cleanup.failed``) and 0 returned: the
        caller is already raising the append's own error, and leftover chunks are
        unreachable (no message refers to their fresh ``blob_id``).
        """
        if not blob_ids:
            return 0
        try:
            return await self.delete_many(
                {"session_id": session_id, "blob_id": {"$in": list(blob_ids)}}
            )
        except PyMongoError as exc:
            logger.warning(
                "blobs.cleanup.failed | session_id=%s blobs=%d error=%s",
                session_id,
                len(blob_ids),
                type(exc).__name__,
            )
            return 0


def _plan(message: dict[str, Any], size: int, limit: int, what: str) -> list[Leaf]:
    """The leaves to move, largest first, until the message fits ``limit`` (pure)."""
    moved: list[Leaf] = []
    estimate = size if message.get("blobs") else size + _REFS_KEY_BYTES
    for leaf in large_leaves(message):
        if estimate <= limit:
            break
        ref = _ref(leaf, "0" * 24, -(-len(leaf.data) // BLOB_CHUNK_BYTES), "0" * 64)
        estimate += len(bson.encode(ref.model_dump(exclude_none=True))) + 8 - len(leaf.data)
        moved.append(leaf)
    if estimate > limit:
        raise _too_big(what, estimate, limit)
    return moved


def _refs(session_id: str, message: dict[str, Any]) -> list[BlobRef]:
    """The references of a message, validated."""
    refs: list[BlobRef] = []
    for raw in message["blobs"]:
        try:
            refs.append(BlobRef.model_validate(raw))
        except ValidationError as exc:
            blob_id = str(raw.get("blob_id")) if isinstance(raw, dict) else "?"
            raise StoredDataError(
                session_id, message.get("message_id"), blob_id, "its reference is malformed"
            ) from exc
    return refs


def _too_big(what: str, size: int, limit: int) -> InvalidInputError:
    return InvalidInputError(
        f"{what} cannot be stored: it weighs {size} bytes with every value of at least "
        f"{MIN_OUT_OF_LINE_BYTES} bytes out of line, above the {limit} bytes a message may "
        "keep (too many small values); nothing was written"
    )


def _ref(leaf: Leaf, blob_id: str, chunks: int, sha256: str) -> BlobRef:
    extra = {"binary_subtype": leaf.subtype} if leaf.subtype else {}
    return BlobRef(
        path=list(leaf.path),
        blob_id=blob_id,
        kind="text" if leaf.kind == "text" else "bytes",
        size=len(leaf.data),
        sha256=sha256,
        chunks=chunks,
        **extra,
    )


def _chunk(
    session_id: str,
    blob_id: str,
    n: int,
    data: bytes,
    expires_at: datetime | None,
    head: dict[str, Any],
) -> dict[str, Any]:
    record = BlobChunkRecord(
        id=blob_chunk_id(blob_id, n),
        session_id=session_id,
        blob_id=blob_id,
        n=n,
        data=data,
        expires_at=expires_at,
        **head,
    )
    return record.model_dump(by_alias=True, exclude_none=True)


def _reassemble(
    session_id: str, message: dict[str, Any], ref: BlobRef, rows: list[dict[str, Any]]
) -> Any:
    """The value of ``ref`` from its chunk rows (sorted by ``n``), checked."""

    def fail(problem: str) -> StoredDataError:
        return StoredDataError(session_id, message.get("message_id"), ref.blob_id, problem)

    numbers = [row.get("n") for row in rows]
    if numbers != list(range(ref.chunks)):
        raise fail(f"{len(rows)} of its {ref.chunks} chunks were found in order")
    data = b"".join(bytes(row["data"]) for row in rows)
    if len(data) != ref.size:
        raise fail(f"its chunks hold {len(data)} bytes, the message recorded {ref.size}")
    if hashlib.sha256(data).hexdigest() != ref.sha256:
        raise fail("its SHA-256 differs from the one the message recorded")
    if ref.kind == "text":
        return data.decode("utf-8")
    subtype = (ref.model_extra or {}).get("binary_subtype")
    return Binary(data, int(subtype)) if subtype else data
