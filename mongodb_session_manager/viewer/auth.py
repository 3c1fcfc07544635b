"""Bearer-token authentication of the viewer API (constant-time comparison)."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from mongodb_session_manager.viewer.settings import ViewerSettings

logger = logging.getLogger(__name__)

bearer = HTTPBearer(auto_error=False, description="The viewer's access token.")


def token_guard(settings: ViewerSettings) -> Callable[..., Awaitable[None]]:
    """A FastAPI dependency that refuses requests without the right bearer token."""
    expected = (settings.token or "").encode("utf-8")

    async def check(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> None:
        if not settings.require_auth:
            return
        given = credentials.credentials.encode("utf-8") if credentials is not None else b""
        # compare_digest: the time taken does not tell how much of a guess was right.
        if not expected or not secrets.compare_digest(given, expected):
            client = request.client.host if request.client else "?"
            logger.warning(
                "viewer.auth.refused | client=%s path=%s token_given=%s",
                client,
                request.url.path,
                credentials is not None,
            )
            raise HTTPException(
                status_code=status.HTTP_401_UNAUTHORIZED,
                detail="a valid access token is required (Authorization: Bearer <token>)",
                headers={"WWW-Authenticate": "Bearer"},
            )

    return check
