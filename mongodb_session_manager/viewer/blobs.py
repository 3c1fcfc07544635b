"""``GET /api/v1/sessions/{session_id}/blobs/{blob_id}``: one out-of-line value, streamed.

A value too big for its message (a 20 MB image, a huge tool result) lives in
``<sessions collection>_blobs`` as 1 MiB chunks (:mod:`~.store.blobs`). This
route streams it four chunks per round trip, so the viewer never holds more
than 4 MiB of it. The route sits under the ``/api/v1`` guard like every session
route, and the read names the path's session: a session password opens its own
session's values only, and no path reaches another session's value.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException
from fastapi import Path as PathParam
from fastapi.responses import StreamingResponse

from mongodb_session_manager.errors import StoredDataError
from mongodb_session_manager.models.pages import blobs_collection
from mongodb_session_manager.store.blobs import STREAM_BATCH_CHUNKS, BlobHead, BlobStore
from mongodb_session_manager.store.pool import MongoDBConnectionPool
from mongodb_session_manager.viewer.paths import path_session_id
from mongodb_session_manager.viewer.queries import SessionQueries
from mongodb_session_manager.viewer.schemas import ErrorResponse

__all__ = ["BLOB_ID_PATTERN", "add_blob_route"]

logger = logging.getLogger(__name__)

BLOB_ID_PATTERN = "^[0-9a-f]{24}$"
"""What a value's id looks like (``secrets.token_hex(12)``)."""

SessionId = Annotated[str, Depends(path_session_id)]
BlobId = Annotated[str, PathParam(pattern=BLOB_ID_PATTERN, description="The value's id.")]


async def _body(
    pool: MongoDBConnectionPool, store: BlobStore, session_id: str, blob_id: str, head: BlobHead
) -> AsyncIterator[bytes]:
    """The value's bytes: the chunks of the first read, then four more per round trip."""
    sent = 0
    for piece in head.data:
        sent += len(piece)
        yield piece
    n, batch = len(head.data), head.data
    while (n < head.chunks) if head.chunks is not None else len(batch) == STREAM_BATCH_CHUNKS:
        batch = await pool.call(store.read_chunks(session_id, blob_id, n, STREAM_BATCH_CHUNKS))
        if not batch:
            break
        for piece in batch:
            sent += len(piece)
            yield piece
        n += len(batch)
    if head.size is not None and sent != head.size:
        logger.warning(
            "viewer.blob.truncated | session_id=%s blob_id=%s sent=%d size=%d",
            session_id,
            blob_id,
            sent,
            head.size,
        )
        raise StoredDataError(
            session_id, None, blob_id, f"{sent} bytes were found, {head.size} recorded"
        )


def _disposition(blob_id: str, head: BlobHead) -> str:
    """Images show in place; anything else downloads (stored content never renders here)."""
    if head.media_type.startswith("image/"):
        return "inline"
    extension = "txt" if head.kind == "text" else "bin"
    return f'attachment; filename="value-{blob_id}.{extension}"'


def add_blob_route(router: APIRouter, queries: SessionQueries) -> None:
    """Register the value route on the ``/api/v1`` router (so its guard applies).

    Args:
        router: The guarded API router.
        queries: The viewer's query layer (its pool and settings name the collection).
    """
    settings = queries.settings
    store = BlobStore(
        queries.pool, settings.database_name, blobs_collection(settings.collection_name)
    )

    @router.get(
        "/sessions/{session_id}/blobs/{blob_id}",
        response_class=StreamingResponse,
        responses={
            200: {
                "content": {"application/octet-stream": {}},
                "description": "The value's bytes (``Content-Length`` set).",
            },
            404: {"model": ErrorResponse, "description": "The session has no such value."},
        },
        tags=["sessions"],
    )
    async def blob(session_id: SessionId, blob_id: BlobId) -> StreamingResponse:
        """Download one value a message keeps out of line (its ``blobs`` list names it)."""
        head = await queries.pool.call(store.open_blob(session_id, blob_id))
        if head is None:
            raise HTTPException(
                status_code=404,
                detail=f"session {session_id!r} has no stored value {blob_id!r}",
            )
        headers = {"Content-Disposition": _disposition(blob_id, head)}
        if head.size is not None:
            headers["Content-Length"] = str(head.size)
        return StreamingResponse(
            _body(queries.pool, store, session_id, blob_id, head),
            media_type=head.media_type,
            headers=headers,
        )
