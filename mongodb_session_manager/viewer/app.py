"""``create_app(settings)``: the viewer's FastAPI application (API and page on one port)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from http import HTTPStatus
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from strands.types.exceptions import StorageError

from mongodb_session_manager._redact import redact_text
from mongodb_session_manager._version import __version__
from mongodb_session_manager.errors import (
    InvalidFilterError,
    InvalidIdentifierError,
    InvalidInputError,
    SessionNotFoundError,
    StoredSnapshotError,
    StoreUnavailableError,
)
from mongodb_session_manager.store.pool import MongoDBConnectionPool
from mongodb_session_manager.viewer.memory_routes import MemoryQueries, add_memory_routes
from mongodb_session_manager.viewer.paths import EncodedSessionIds
from mongodb_session_manager.viewer.queries import SessionQueries
from mongodb_session_manager.viewer.routes import api_router, health_router
from mongodb_session_manager.viewer.schemas import ErrorResponse
from mongodb_session_manager.viewer.settings import ViewerSettings
from mongodb_session_manager.viewer.snapshot_routes import SnapshotQueries, add_snapshot_routes
from mongodb_session_manager.web import validation_details
from mongodb_session_manager.web.app import harden
from mongodb_session_manager.web.headers import SecurityHeaders, content_security_policy
from mongodb_session_manager.web.limits import MAX_ERROR_DETAILS

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).parent / "static"

CSP = content_security_policy(form_action="'self'").replace(
    "img-src 'self' data:", "img-src 'self' data: blob:"
)
"""No inline script, no other origin: LLM text that slips through cannot run or call out.

``blob:`` images: an out-of-line image is fetched with the token (an ``<img>`` could
not send it) and shown from an object URL of this page's own making.
"""

# Swagger UI sets inline styles; its page shows no session data, so only it gets them.
DOCS_CSP = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")


def _error(status: int, code: str, message: str, details: list[Any] | None = None) -> JSONResponse:
    # Bounded whatever was sent: at most MAX_ERROR_DETAILS details, a message of 2,000 chars.
    details = details or []
    if len(details) > MAX_ERROR_DETAILS:
        message += f" ({len(details)} problems; the first {MAX_ERROR_DETAILS} are listed)"
    body = ErrorResponse(error=code, message=message[:2000], details=details[:MAX_ERROR_DETAILS])
    return JSONResponse(body.model_dump(mode="json"), status_code=status)


def install_error_handlers(app: FastAPI) -> None:
    """Every error is JSON ``{error, message, details}``; none leaks a stack trace."""

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        details, summary = validation_details(exc.errors())
        return _error(422, "invalid_request", f"invalid request: {summary}", details)

    @app.exception_handler(InvalidFilterError)
    async def invalid_filter(request: Request, exc: InvalidFilterError) -> JSONResponse:
        return _error(422, "invalid_request", str(exc), list(exc.details))

    @app.exception_handler(InvalidIdentifierError)
    @app.exception_handler(InvalidInputError)
    async def invalid_input(request: Request, exc: InvalidInputError) -> JSONResponse:
        return _error(422, "invalid_request", str(exc))

    @app.exception_handler(SessionNotFoundError)
    async def not_found(request: Request, exc: SessionNotFoundError) -> JSONResponse:
        return _error(404, "not_found", str(exc))

    @app.exception_handler(StoreUnavailableError)
    async def unavailable(request: Request, exc: StoreUnavailableError) -> JSONResponse:
        message = redact_text(str(exc))
        logger.warning("viewer.store.unavailable | path=%s error=%s", request.url.path, message)
        return _error(503, "database_unavailable", message)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = HTTPStatus(exc.status_code).phrase.lower().replace(" ", "_")
        response = _error(exc.status_code, code, str(exc.detail))
        for name, value in (exc.headers or {}).items():
            response.headers[name] = value
        return response

    @app.exception_handler(Exception)
    async def internal(request: Request, exc: Exception) -> JSONResponse:
        logger.exception("viewer.error | path=%s", request.url.path)
        return _error(500, "internal_error", f"the viewer failed: {type(exc).__name__}")


def install_storage_error_handlers(app: FastAPI) -> None:
    """The snapshot views' errors: an unreadable stored snapshot, a failed storage read."""

    @app.exception_handler(StoredSnapshotError)
    async def unreadable_snapshot(request: Request, exc: StoredSnapshotError) -> JSONResponse:
        logger.warning("viewer.snapshot.unreadable | key=%s problem=%s", exc.key, exc.problem)
        return _error(422, "unreadable_snapshot", str(exc))

    @app.exception_handler(StorageError)
    async def storage_failed(request: Request, exc: StorageError) -> JSONResponse:
        # Ids are checked before any read: what is left is the database failing.
        message = redact_text(f"{exc}: {exc.__cause__}" if exc.__cause__ else str(exc))
        logger.warning("viewer.storage.failed | path=%s error=%s", request.url.path, message)
        return _error(503, "storage_failed", message)


def create_app(
    settings: ViewerSettings | None = None, *, pool: MongoDBConnectionPool | None = None
) -> FastAPI:
    """The session viewer: ``/`` (the page), ``/api/v1`` (the API), ``/health``, ``/docs``.

    Args:
        settings: Where the sessions are and how the viewer behaves; a token is
            generated into ``settings.token`` if none is set (auth is on by default).
        pool: A connection pool to share (tests, or an app mounting the viewer).

    Returns:
        The FastAPI application. Its pool reference is released at shutdown (or
        by ``app.state.queries.close()`` when the app is used without a lifespan).
    """
    settings = settings or ViewerSettings.from_env()
    settings.ensure_token()
    queries = SessionQueries(settings, pool)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        logger.info(
            "viewer.started | database=%s collection=%s auth=%s allow_delete=%s",
            settings.database_name,
            settings.collection_name,
            settings.require_auth,
            settings.allow_delete,
        )
        try:
            yield
        finally:
            queries.close()

    app = FastAPI(
        title="mongodb-session-manager viewer",
        version=__version__,
        description="Read Strands agent sessions stored by mongodb-session-manager.",
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.queries = queries
    install_error_handlers(app)
    install_storage_error_handlers(app)
    app.include_router(health_router(queries))
    router = api_router(settings, queries)
    add_memory_routes(router, settings, MemoryQueries(settings, queries.pool))
    add_snapshot_routes(router, settings, SnapshotQueries(settings, queries.pool))
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/", include_in_schema=False)
    async def index() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html", media_type="text/html")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> FileResponse:
        return FileResponse(STATIC_DIR / "docs.html", media_type="text/html")

    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "DELETE"],
            allow_headers=["Authorization"],
            allow_credentials=False,
        )
    app.add_middleware(
        SecurityHeaders,
        csp=CSP,
        csp_by_path={"/docs": DOCS_CSP},
        extra=[(b"cross-origin-opener-policy", b"same-origin")],
    )
    app.add_middleware(EncodedSessionIds)
    harden(app, app_name="viewer", bind_host=settings.host, allowed_hosts=settings.allowed_hosts)
    return app
