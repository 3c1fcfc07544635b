"""``create_app(settings)``: the chat playground (a page and a streaming API on one port).

Endpoints (all under ``/api`` need ``Authorization: Bearer <token>`` unless
auth is off):

* ``GET /api/config``: model, agent id, viewer link base, limits;
* ``GET /api/sessions/{id}``: the conversation, feedback per answer, the side panel's figures;
* ``POST /api/sessions/{id}/messages`` ``{"text": ...}``: the answer as Server-Sent Events
  (``user``, ``token``, ``tool_start``, ``tool_call``, ``tool_result``, ``metadata``,
  ``assistant``, then ``done`` or ``error``);
* ``POST /api/sessions/{id}/feedback`` ``{"message_id", "rating", "comment"}``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Literal

from fastapi import Depends, FastAPI, HTTPException, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, StreamingResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field

from mongodb_session_manager._redact import redact_text
from mongodb_session_manager._version import __version__
from mongodb_session_manager.errors import (
    InvalidIdentifierError,
    InvalidInputError,
    SessionNotFoundError,
    StoreUnavailableError,
)
from mongodb_session_manager.models.feedback import MAX_COMMENT_LENGTH
from mongodb_session_manager.playground.service import (
    Event,
    PlaygroundService,
    TurnInProgressError,
)
from mongodb_session_manager.playground.settings import PlaygroundSettings
from mongodb_session_manager.store.gateway import CollectionGateway
from mongodb_session_manager.web import bearer_guard, validation_details
from mongodb_session_manager.web.app import harden
from mongodb_session_manager.web.headers import SecurityHeaders, content_security_policy
from mongodb_session_manager.web.health import ping_error

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).parent / "static"

CSP = content_security_policy(form_action="'none'")
"""No inline script, no other origin: model output that slips past sanitising cannot run."""


class ChatRequest(BaseModel):
    """A user message."""

    text: str = Field(min_length=1, max_length=100_000)


class FeedbackRequest(BaseModel):
    """Thumbs up / down (or none) on one answer, with an optional comment."""

    message_id: int = Field(ge=0, le=2**31 - 1)  # an array index; bigger overflows BSON
    rating: Literal["up", "down"] | None
    comment: str = Field(default="", max_length=MAX_COMMENT_LENGTH)


def _sse(event: Event) -> bytes:
    name, data = event
    return f"event: {name}\ndata: {json.dumps(data, default=str)}\n\n".encode()


def create_app(settings: PlaygroundSettings) -> FastAPI:
    """The playground's FastAPI application.

    Raises:
        ModelUnavailableError: ``settings.model`` cannot be used here.
        InvalidInputError: The token is too short.
    """
    settings.ensure_token()
    service = PlaygroundService(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await service.start()
        yield
        await service.close()

    app = FastAPI(
        title="mongodb-session-manager playground",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.service = service
    app.add_middleware(SecurityHeaders, csp=CSP)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    _install_error_handlers(app)
    _add_pages(app, service, settings)
    _add_api(app, service, settings)
    harden(
        app, app_name="playground", bind_host=settings.host, allowed_hosts=settings.allowed_hosts
    )
    return app


def _install_error_handlers(app: FastAPI) -> None:
    """Errors as ``{"detail": ...}`` JSON with the right status (no stack trace leaks)."""

    @app.exception_handler(RequestValidationError)
    async def refused(request: Request, exc: RequestValidationError) -> JSONResponse:
        details, summary = validation_details(exc.errors())
        return JSONResponse(
            {"detail": f"invalid request: {summary}", "details": details}, status_code=422
        )

    @app.exception_handler(InvalidIdentifierError)
    @app.exception_handler(InvalidInputError)
    async def invalid(request: Request, exc: InvalidInputError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=422)

    @app.exception_handler(SessionNotFoundError)
    async def missing(request: Request, exc: SessionNotFoundError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=404)

    @app.exception_handler(StoreUnavailableError)
    async def unavailable(request: Request, exc: StoreUnavailableError) -> JSONResponse:
        message = redact_text(str(exc))
        logger.warning("playground.store.unavailable | path=%s error=%s", request.url.path, message)
        return JSONResponse({"detail": message}, status_code=503)


def _add_pages(app: FastAPI, service: PlaygroundService, settings: PlaygroundSettings) -> None:
    """The page, its icon and the open ``/health``."""

    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html", media_type="text/html")

    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon() -> FileResponse:
        return FileResponse(STATIC_DIR / "favicon.svg", media_type="image/svg+xml")

    @app.get("/health")
    async def health() -> JSONResponse:
        # Open to all: up or down, nothing else (no version, no database name or error).
        gateway = CollectionGateway(
            service.factory.pool, settings.database_name, settings.collection_name
        )
        if await ping_error(gateway, "playground") is None:
            return JSONResponse({"status": "ok"})
        return JSONResponse({"status": "unavailable"}, status_code=503)


def _add_api(app: FastAPI, service: PlaygroundService, settings: PlaygroundSettings) -> None:
    """The ``/api`` routes, behind the bearer token."""
    guard = Depends(bearer_guard(settings, "playground"))

    @app.get("/api/config", dependencies=[guard])
    async def config() -> dict[str, Any]:
        return {
            "model": str(service.spec),
            "offline": service.spec.offline,
            "agent_id": settings.agent_id,
            "database": f"{settings.database_name}.{settings.collection_name}",
            "viewer_url": settings.viewer_url,
            "max_message_chars": settings.max_message_chars,
        }

    @app.get("/api/sessions/{session_id}", dependencies=[guard])
    async def history(session_id: str) -> dict[str, Any]:
        return await service.history(session_id)

    @app.post("/api/sessions/{session_id}/messages", dependencies=[guard])
    async def chat(session_id: str, body: ChatRequest) -> StreamingResponse:
        try:
            events = service.start_turn(session_id, body.text)
        except TurnInProgressError as exc:
            raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc

        async def stream() -> AsyncIterator[bytes]:
            async for event in events:
                yield _sse(event)

        return StreamingResponse(
            stream(),
            media_type="text/event-stream",
            headers={"X-Accel-Buffering": "no"},  # proxies: do not hold the stream back
        )

    @app.post("/api/sessions/{session_id}/feedback", dependencies=[guard])
    async def feedback(session_id: str, body: FeedbackRequest) -> dict[str, Any]:
        return await service.add_feedback(session_id, body.message_id, body.rating, body.comment)
