"""Authentication of the viewer API (see :mod:`mongodb_session_manager.web`).

Two credentials are accepted as ``Authorization: Bearer ...``:

* the admin token printed at start-up: everything the viewer offers;
* a session credential ``sv1.<base64url(session_id)>.<viewer password>``
  (:func:`~mongodb_session_manager.services.viewer_password.session_credential`):
  that one session, read-only. Searching, other sessions, the field catalogue and
  every write or delete are refused (403).
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials

from mongodb_session_manager.services.viewer_password import check_password, parse_credential
from mongodb_session_manager.viewer.settings import ViewerSettings
from mongodb_session_manager.web import bearer_guard
from mongodb_session_manager.web.auth import bearer

if TYPE_CHECKING:
    from mongodb_session_manager.viewer.queries import SessionQueries

from mongodb_session_manager.viewer.paths import path_session_id

logger = logging.getLogger(__name__)

VERIFIED_SECONDS = 60.0
"""How long a checked session credential is trusted without checking it again."""
_MAX_VERIFIED = 1024
SCOPE_FREE_PATHS = frozenset({"/api/v1/config"})
"""What a session credential may read besides its session (no session data there)."""


def token_guard(settings: ViewerSettings) -> Callable[..., Awaitable[None]]:
    """A FastAPI dependency that refuses requests without the viewer's bearer token."""
    return bearer_guard(settings, "viewer")


def viewer_guard(
    settings: ViewerSettings, queries: SessionQueries
) -> Callable[..., Awaitable[None]]:
    """The admin token, or a session credential limited to reading its session.

    Sets ``request.state.viewer_scope`` to the session id a session credential
    opens (``None`` for the admin token).
    """
    admin = token_guard(settings)
    verified: dict[bytes, float] = {}  # sha256 of a checked credential -> when

    async def verify(session_id: str, password: str, credential: str) -> bool:
        digest = hashlib.sha256(credential.encode("utf-8")).digest()
        now = time.monotonic()
        if now - verified.get(digest, -VERIFIED_SECONDS) < VERIFIED_SECONDS:
            return True
        ok = await queries.pool.call(
            check_password(
                queries.pool,
                settings.database_name,
                settings.collection_name,
                session_id,
                password,
            )
        )
        if ok:
            if len(verified) >= _MAX_VERIFIED:
                verified.clear()
            verified[digest] = now
        return ok

    async def check(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> None:
        request.state.viewer_scope = None
        parsed = parse_credential(credentials.credentials) if credentials is not None else None
        if parsed is None or not settings.require_auth:
            await admin(request, credentials)
            return
        session_id, password = parsed
        client = request.client.host if request.client else "?"
        if not await verify(session_id, password, credentials.credentials if credentials else ""):
            logger.warning(
                "viewer.auth.refused | client=%s path=%s credential=session",
                client,
                request.url.path,
            )
            raise HTTPException(
                status_code=status.HTTP_401_UNAUTHORIZED,
                detail="that session password was refused",
                headers={"WWW-Authenticate": "Bearer"},
            )
        allowed = request.method in ("GET", "HEAD") and (
            request.url.path in SCOPE_FREE_PATHS
            # Path ids stay percent-encoded for routing (viewer/paths.py).
            or path_session_id(str(request.path_params.get("session_id", ""))) == session_id
        )
        if not allowed:
            logger.warning(
                "viewer.auth.out_of_scope | client=%s method=%s path=%s",
                client,
                request.method,
                request.url.path,
            )
            raise HTTPException(
                status_code=status.HTTP_403_FORBIDDEN,
                detail="a session password opens its own session only, read-only",
            )
        request.state.viewer_scope = session_id

    return check
