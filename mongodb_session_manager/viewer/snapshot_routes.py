"""The viewer's snapshot sessions: Strands' ``SnapshotSessionManager`` data, with time travel.

Routes (on the ``/api/v1`` router, behind its guard: the admin token only; the
path parameter is not ``session_id``, so a session password opens none of them):

* ``GET /snapshot-sessions``: the list, most recently saved first (one query),
  paged with ``before`` (the previous page's ``next_before``);
* ``GET /snapshot-sessions/{id}``: scopes (agents, orchestrators), each one's
  latest snapshot and checkpoints oldest first (two queries);
* ``GET /snapshot-sessions/{id}/scopes/{scope_id}/snapshots/{snapshot_id}``: the
  conversation at a checkpoint (a UUIDv7) or at ``latest``, as the same sanitised
  timeline messages the message-log sessions show (one read);
* ``GET /snapshot-sessions/{id}/export?format=json|markdown&checkpoint=``: the
  download ``msm sessions snapshots export`` writes;
* ``DELETE /snapshot-sessions/{id}``: with ``allow_delete`` only.

The reads are :class:`~mongodb_session_manager.snapshots.SnapshotSessions` on a
``MongoDBStorage`` that borrows the viewer's pool.
"""

import json
import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Path, Query, Request, Response, status

from mongodb_session_manager.lifecycle.markdown import to_markdown
from mongodb_session_manager.models import as_utc
from mongodb_session_manager.models.content import json_safe
from mongodb_session_manager.snapshots import LATEST, SnapshotSessions
from mongodb_session_manager.snapshots.records import SnapshotSessionDetail
from mongodb_session_manager.storage import MongoDBStorage
from mongodb_session_manager.store.pool import MongoDBConnectionPool
from mongodb_session_manager.viewer.export import EXTENSION, MEDIA, filename
from mongodb_session_manager.viewer.filters import MAX_TEXT_LENGTH, check_text
from mongodb_session_manager.viewer.mappers import message_from
from mongodb_session_manager.viewer.schemas import ErrorResponse
from mongodb_session_manager.viewer.settings import ViewerSettings
from mongodb_session_manager.viewer.snapshot_schemas import (
    CheckpointView,
    LatestView,
    SnapshotConversation,
    SnapshotDeleted,
    SnapshotScopeView,
    SnapshotSessionPage,
    SnapshotSessionRow,
    SnapshotSessionView,
)

__all__ = ["SnapshotQueries", "add_snapshot_routes", "session_view"]

logger = logging.getLogger(__name__)

Kind = Literal["agent", "multiAgent"]
_MAX_OFFSET = 2**31 - 1

NOT_FOUND: dict[int | str, dict[str, object]] = {
    404: {"model": ErrorResponse, "description": "No such snapshot session, scope or checkpoint."}
}


def _dict(value: Any) -> dict[str, Any]:
    safe = json_safe(value) if isinstance(value, Mapping) else {}
    return safe if isinstance(safe, dict) else {}


def _taken_at(text: str) -> datetime | None:
    try:
        return as_utc(datetime.fromisoformat(text))
    except (TypeError, ValueError):
        return None


def session_view(detail: SnapshotSessionDetail) -> SnapshotSessionView:
    """A :class:`SnapshotSessionDetail` as the API shows it."""
    return SnapshotSessionView(
        session_id=detail.session_id,
        updated_at=detail.updated_at,
        scopes=[
            SnapshotScopeView(
                kind=scope.kind,
                scope_id=scope.scope_id,
                latest=LatestView(updated_at=scope.latest.updated_at, size_bytes=scope.latest.size)
                if scope.latest is not None
                else None,
                checkpoints=[
                    CheckpointView(
                        snapshot_id=c.snapshot_id, created_at=c.created_at, size_bytes=c.size
                    )
                    for c in scope.checkpoints
                ],
            )
            for scope in detail.scopes
        ],
        stash_keys=detail.stash_keys,
        total_bytes=detail.total_bytes,
    )


class SnapshotQueries:
    """Reads snapshot sessions for the viewer (a ``MongoDBStorage`` on the viewer's pool)."""

    def __init__(self, settings: ViewerSettings, pool: MongoDBConnectionPool) -> None:
        self.settings = settings
        self.storage = MongoDBStorage(
            pool=pool,
            database_name=settings.database_name,
            collection_name=settings.storage_collection,
            namespace=settings.storage_namespace,
        )
        self.sessions = SnapshotSessions(self.storage)

    async def page(self, limit: int, before: datetime | None, prefix: str) -> SnapshotSessionPage:
        """One page of the list (one query)."""
        found = await self.sessions.list_sessions(limit=limit, before=before, prefix=prefix)
        return SnapshotSessionPage(
            collection=self.settings.storage_collection,
            items=[
                SnapshotSessionRow(
                    session_id=s.session_id,
                    updated_at=s.updated_at,
                    scopes=s.scopes,
                    size_bytes=s.size,
                )
                for s in found
            ],
            limit=limit,
            prefix=prefix,
            next_before=found[-1].updated_at if len(found) == limit else None,
        )

    async def detail(self, session_id: str) -> SnapshotSessionView:
        """Scopes and checkpoints (two queries); 404 if the session has no snapshot."""
        detail = await self.sessions.describe(session_id)
        if detail is None:
            raise HTTPException(404, detail=f"snapshot session {session_id!r} does not exist")
        return session_view(detail)

    async def conversation(
        self, session_id: str, scope_id: str, snapshot_id: str, kind: Kind, offset: int, limit: int
    ) -> SnapshotConversation:
        """The scope at ``snapshot_id`` (``latest`` or a checkpoint), ``limit`` messages on."""
        at = None if snapshot_id == LATEST else snapshot_id
        snapshot = await self.sessions.read(session_id, scope_id, at, kind=kind)
        if snapshot is None:
            raise HTTPException(
                404, detail=f"no snapshot {snapshot_id!r} of {kind} {scope_id!r} in {session_id!r}"
            )
        data = snapshot.data if isinstance(snapshot.data, Mapping) else {}
        stored = data.get("messages") if kind == "agent" else None
        messages = [m for m in stored if isinstance(m, Mapping)] if isinstance(stored, list) else []
        shown = messages[offset : offset + limit]
        items = [
            message_from(scope_id, raw, offset + index, self.settings.max_inline_image_bytes)
            for index, raw in enumerate(shown)
        ]
        prompt = data.get("system_prompt")
        end = offset + len(shown)
        return SnapshotConversation(
            session_id=session_id,
            kind=kind,
            scope_id=scope_id,
            snapshot_id=snapshot_id,
            created_at=_taken_at(snapshot.created_at),
            message_count=len(messages),
            offset=offset,
            items=items,
            next_offset=end if end < len(messages) else None,
            system_prompt=prompt if isinstance(prompt, str) else None,
            state=_dict(data.get("state")) if kind == "agent" else _dict(data),
            conversation_manager_state=_dict(data.get("conversation_manager_state")),
            app_data=_dict(snapshot.app_data),
        )

    async def export(
        self, session_id: str, format: Literal["json", "markdown"], snapshot_id: str | None
    ) -> str:
        """What ``msm sessions snapshots export`` writes; 404 if there is nothing."""
        if format == "json":
            data = await self.sessions.export(session_id)
            text = None if data is None else json.dumps(data, indent=2, ensure_ascii=False)
        else:
            export = await self.sessions.transcript(session_id, snapshot_id)
            text = None if export is None else to_markdown(export)
        if text is None:
            raise HTTPException(404, detail=f"snapshot session {session_id!r} does not exist")
        return text

    async def delete(self, session_id: str) -> int:
        """Delete the session's snapshots, checkpoints and stash; how many values went."""
        return await self.sessions.delete(session_id)


def _id(what: str) -> Any:
    return Path(min_length=1, max_length=MAX_TEXT_LENGTH, description=what)


SessionId = Annotated[str, _id("The snapshot session id (Strands' session_id).")]
ScopeId = Annotated[str, _id("The agent id (or orchestrator id with kind=multiAgent).")]
SnapshotId = Annotated[
    str, Path(min_length=1, max_length=64, description="A checkpoint's UUIDv7, or 'latest'.")
]


def add_snapshot_routes(
    router: APIRouter, settings: ViewerSettings, snapshots: SnapshotQueries
) -> APIRouter:
    """Add the snapshot-session routes to the ``/api/v1`` router (its guard applies)."""
    Limit = Annotated[int, Query(ge=1, le=settings.max_page_size)]
    MessageLimit = Annotated[int, Query(ge=1, le=settings.max_timeline_page_size)]

    @router.get("/snapshot-sessions", response_model=SnapshotSessionPage, tags=["snapshots"])
    async def snapshot_sessions(
        limit: Limit = settings.page_size,
        before: Annotated[
            datetime | None, Query(description="Only sessions saved before this (next_before).")
        ] = None,
        prefix: Annotated[
            str, Query(max_length=MAX_TEXT_LENGTH, description="Session id starts with.")
        ] = "",
    ) -> SnapshotSessionPage:
        """Snapshot sessions, most recently saved first (one query)."""
        if prefix:
            check_text(prefix, "prefix")
        return await snapshots.page(limit, as_utc(before) if before else None, prefix)

    @router.get(
        "/snapshot-sessions/{snapshot_session_id}",
        response_model=SnapshotSessionView,
        responses=NOT_FOUND,
        tags=["snapshots"],
    )
    async def snapshot_session(snapshot_session_id: SessionId) -> SnapshotSessionView:
        """Every agent and orchestrator of the session, with its checkpoints oldest first."""
        return await snapshots.detail(snapshot_session_id)

    @router.get(
        "/snapshot-sessions/{snapshot_session_id}/scopes/{scope_id}/snapshots/{snapshot_id}",
        response_model=SnapshotConversation,
        responses=NOT_FOUND,
        tags=["snapshots"],
    )
    async def snapshot(
        snapshot_session_id: SessionId,
        scope_id: ScopeId,
        snapshot_id: SnapshotId,
        kind: Kind = "agent",
        offset: Annotated[int, Query(ge=0, le=_MAX_OFFSET)] = 0,
        limit: MessageLimit = settings.max_timeline_page_size,
    ) -> SnapshotConversation:
        """The conversation at a checkpoint (time travel) or at ``latest``, plus the state."""
        return await snapshots.conversation(
            snapshot_session_id, scope_id, snapshot_id, kind, offset, limit
        )

    @router.get(
        "/snapshot-sessions/{snapshot_session_id}/export", responses=NOT_FOUND, tags=["snapshots"]
    )
    async def export_snapshot_session(
        snapshot_session_id: SessionId,
        format: Literal["json", "markdown"] = "json",
        checkpoint: Annotated[
            str | None, Query(max_length=64, description="Markdown: the conversation then.")
        ] = None,
    ) -> Response:
        """Download it: JSON with every checkpoint, or a Markdown transcript."""
        text = await snapshots.export(snapshot_session_id, format, checkpoint)
        name = filename(f"snapshots-{snapshot_session_id}", EXTENSION[format])
        return Response(
            text,
            media_type=MEDIA[format],
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    @router.delete(
        "/snapshot-sessions/{snapshot_session_id}",
        response_model=SnapshotDeleted,
        responses={
            **NOT_FOUND,
            403: {"model": ErrorResponse, "description": "Deletion is disabled."},
        },
        tags=["snapshots"],
    )
    async def delete_snapshot_session(
        request: Request, snapshot_session_id: SessionId
    ) -> SnapshotDeleted:
        """Delete every snapshot, checkpoint and stash value (``--allow-delete`` only)."""
        if not settings.allow_delete:
            raise HTTPException(
                status_code=status.HTTP_403_FORBIDDEN,
                detail="deleting sessions is disabled; start the viewer with --allow-delete",
            )
        values = await snapshots.delete(snapshot_session_id)
        logger.warning(
            "viewer.snapshot_session.deleted | session_id=%s values=%d client=%s",
            snapshot_session_id,
            values,
            request.client.host if request.client else "?",
        )
        if not values:
            raise HTTPException(
                404, detail=f"snapshot session {snapshot_session_id!r} does not exist"
            )
        return SnapshotDeleted(session_id=snapshot_session_id, deleted=True, values=values)

    return router
