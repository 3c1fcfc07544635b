"""The ``/api/v1`` routes (every one needs the access token) and ``/health``."""

import logging
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response, status
from fastapi.responses import JSONResponse, StreamingResponse

from mongodb_session_manager._version import __version__
from mongodb_session_manager.models import as_utc
from mongodb_session_manager.viewer.auth import viewer_guard
from mongodb_session_manager.viewer.blobs import add_blob_route
from mongodb_session_manager.viewer.export import EXTENSION, MEDIA, export_chunks, filename
from mongodb_session_manager.viewer.filters import (
    MAX_TEXT_LENGTH,
    Rating,
    SessionSearch,
    SortKey,
    check_ranges,
    check_text,
    unknown_params,
)
from mongodb_session_manager.viewer.paths import path_session_id
from mongodb_session_manager.viewer.queries import SessionQueries
from mongodb_session_manager.viewer.schemas import (
    Deleted,
    ErrorResponse,
    Health,
    HealthStatus,
    MetadataFields,
    SessionDetail,
    SessionMetrics,
    SessionPage,
    TimelinePage,
    ViewerConfig,
)
from mongodb_session_manager.viewer.settings import ViewerSettings

logger = logging.getLogger(__name__)

SessionId = Annotated[str, Depends(path_session_id)]
Text = Annotated[str | None, Query(max_length=MAX_TEXT_LENGTH)]
Date = Annotated[datetime | None, Query(description="ISO 8601 date or date-time; naive means UTC.")]

ERRORS: dict[int | str, dict[str, object]] = {
    401: {"model": ErrorResponse, "description": "Missing or wrong access token."},
    403: {"model": ErrorResponse, "description": "Outside what a session password opens."},
    422: {"model": ErrorResponse, "description": "A parameter was refused; details say which."},
    503: {"model": ErrorResponse, "description": "MongoDB is unreachable."},
}
NOT_FOUND: dict[int | str, dict[str, object]] = {
    404: {"model": ErrorResponse, "description": "No such session."}
}


def _utc(value: datetime | None) -> datetime | None:
    return as_utc(value) if value else None


def _check_texts(**values: str | None) -> None:
    """Refuse a text parameter a query cannot carry (see :func:`check_text`), in order."""
    for name, value in values.items():
        if value:
            check_text(value, name)


def _client(request: Request) -> str:
    return request.client.host if request.client else "?"


def _health_code(report: Health) -> int:
    return status.HTTP_200_OK if report.database_reachable else 503


async def _delete(
    settings: ViewerSettings, queries: SessionQueries, request: Request, session_id: str
) -> Deleted:
    if not settings.allow_delete:
        raise HTTPException(
            status_code=status.HTTP_403_FORBIDDEN,
            detail="deleting sessions is disabled; start the viewer with --allow-delete",
        )
    deleted = await queries.delete(session_id)
    logger.warning(
        "viewer.session.deleted | session_id=%s existed=%s client=%s",
        session_id,
        deleted,
        _client(request),
    )
    if not deleted:
        raise HTTPException(status_code=404, detail=f"session {session_id!r} does not exist")
    return Deleted(session_id=session_id, deleted=True)


def health_router(queries: SessionQueries) -> APIRouter:
    """``GET /health``: open to all, so it says up or down and nothing else.

    No version, no error text, no pool figures: an error can name the database's
    host, and the figures are for the people holding the token (``/api/v1/health``).
    """
    router = APIRouter(tags=["health"])

    @router.get("/health", response_model=HealthStatus, responses={503: {"model": HealthStatus}})
    async def health() -> JSONResponse:
        """``{"status": "ok"}`` when the database answers a ping within 3 s, else 503."""
        report = await queries.health()
        return JSONResponse(
            HealthStatus(status=report.status).model_dump(), status_code=_health_code(report)
        )

    return router


def api_router(settings: ViewerSettings, queries: SessionQueries) -> APIRouter:
    """Every ``/api/v1`` route, behind the guard (admin token or one session's password)."""
    router = APIRouter(
        prefix="/api/v1", dependencies=[Depends(viewer_guard(settings, queries))], responses=ERRORS
    )
    Limit = Annotated[int, Query(ge=1, le=settings.max_page_size)]
    TimelineLimit = Annotated[int | None, Query(ge=1, le=settings.max_timeline_page_size)]

    @router.get("/config", response_model=ViewerConfig, tags=["viewer"])
    async def config(request: Request) -> ViewerConfig:
        """What the page needs to know: database, collection, options, page sizes."""
        scope = getattr(request.state, "viewer_scope", None)
        return ViewerConfig(
            session_scope=scope,
            version=__version__,
            database=settings.database_name,
            collection=settings.collection_name,
            allow_delete=settings.allow_delete and scope is None,
            auth=settings.require_auth,
            page_size=settings.page_size,
            max_page_size=settings.max_page_size,
            timeline_page_size=settings.timeline_page_size,
            memory_collection=settings.memory_collection,
            storage_collection=settings.storage_collection,
        )

    @router.get("/health", response_model=Health, tags=["health"])
    async def health_detail() -> JSONResponse:
        """Database reachability, ping latency, the error (redacted) and pool figures."""
        report = await queries.health()
        return JSONResponse(report.model_dump(mode="json"), status_code=_health_code(report))

    @router.get("/metadata-fields", response_model=MetadataFields, tags=["sessions"])
    async def metadata_fields() -> MetadataFields:
        """Metadata fields to filter on (from indexes and recent sessions), with types."""
        return await queries.fields()

    @router.get("/sessions", response_model=SessionPage, tags=["sessions"])
    async def search(
        request: Request,
        session_id: Annotated[
            str | None, Query(max_length=MAX_TEXT_LENGTH, description="Session id prefix.")
        ] = None,
        application_name: Text = None,
        created_from: Date = None,
        created_to: Date = None,
        updated_from: Date = None,
        updated_to: Date = None,
        rating: Annotated[
            Rating | None,
            Query(description="Sessions with a thumbs up / down, any feedback, or none."),
        ] = None,
        guardrail: Annotated[
            bool | None,
            Query(description="Sessions with (true) or without (false) guardrail events."),
        ] = None,
        model: Annotated[
            str | None, Query(max_length=MAX_TEXT_LENGTH, description="Some agent's model.")
        ] = None,
        sort: SortKey = "-updated_at",
        limit: Limit = settings.page_size,
        offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    ) -> SessionPage:
        """Search sessions; every filter given must hold.

        Metadata filters: ``meta.<field>=v`` (exact; repeat for any of several values),
        ``meta.<field>:prefix=v``, ``meta.<field>:gte=v``, ``meta.<field>:lte=v``;
        only fields listed by ``/metadata-fields`` are accepted.
        """
        params = list(request.query_params.multi_items())
        unknown_params(name for name, _ in params)
        _check_texts(session_id=session_id, application_name=application_name, model=model)
        found = SessionSearch(
            session_id=session_id or None,
            application_name=application_name or None,
            created_from=_utc(created_from),
            created_to=_utc(created_to),
            updated_from=_utc(updated_from),
            updated_to=_utc(updated_to),
            rating=rating,
            guardrail=guardrail,
            model=model or None,
            sort=sort,
            limit=limit,
            offset=offset,
        )
        check_ranges(found)
        found = await queries.parse_search(found, params)
        return await queries.search(found)

    @router.get(
        "/sessions/{session_id}/timeline",
        response_model=TimelinePage,
        responses=NOT_FOUND,
        tags=["sessions"],
    )
    async def timeline(
        session_id: SessionId,
        cursor: Annotated[str | None, Query(max_length=200_000)] = None,
        limit: TimelineLimit = None,
    ) -> TimelinePage:
        """One page of the merged timeline; pass ``next_cursor`` back for the next page."""
        return await queries.timeline(session_id, cursor, limit)

    @router.get(
        "/sessions/{session_id}/metrics",
        response_model=SessionMetrics,
        responses=NOT_FOUND,
        tags=["sessions"],
    )
    async def metrics(session_id: SessionId) -> SessionMetrics:
        """Tokens and latency of every model call, in timeline order."""
        return await queries.metrics(session_id)

    @router.get("/sessions/{session_id}/export", responses=NOT_FOUND, tags=["sessions"])
    async def export(
        session_id: SessionId,
        format: Literal["json", "markdown"] = "json",
    ) -> Response:
        """Download the whole session as JSON or Markdown (what ``msm sessions export`` writes)."""
        # The header is read first (a 404 comes before any body); then the messages
        # are read and written a batch at a time.
        document = await queries.header(session_id)
        name = filename(session_id, EXTENSION[format])
        return StreamingResponse(
            export_chunks(queries, document, format),
            media_type=MEDIA[format],
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    @router.get(
        "/sessions/{session_id}",
        response_model=SessionDetail,
        responses=NOT_FOUND,
        tags=["sessions"],
    )
    async def session(session_id: SessionId) -> SessionDetail:
        """The session header, agents (no messages), metadata, feedbacks and totals."""
        return await queries.session(session_id)

    @router.delete(
        "/sessions/{session_id}",
        response_model=Deleted,
        responses={
            **NOT_FOUND,
            403: {"model": ErrorResponse, "description": "Deletion is disabled."},
        },
        tags=["sessions"],
    )
    async def delete(request: Request, session_id: SessionId) -> Deleted:
        """Delete a session (only when the viewer was started with ``--allow-delete``)."""
        return await _delete(settings, queries, request, session_id)

    add_blob_route(router, queries)
    return router
