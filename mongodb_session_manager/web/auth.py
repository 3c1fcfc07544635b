"""Bearer-token access to the library's web apps, written once for all of them.

The viewer shows private conversations and the playground writes them: both
require a token by default, compare it in constant time, and bind to loopback
unless told otherwise.
"""

from __future__ import annotations

import ipaddress
import logging
import secrets
from collections.abc import Awaitable, Callable
from typing import Annotated, Protocol

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from mongodb_session_manager.errors import InvalidInputError

logger = logging.getLogger(__name__)

MIN_TOKEN_LENGTH = 16
"""Shortest access token accepted (a generated one is 43 characters)."""

bearer = HTTPBearer(auto_error=False, description="The access token printed at start-up.")


class TokenSettings(Protocol):
    """What the guard reads of an app's settings."""

    token: str | None
    require_auth: bool


def resolve_token(token: str | None, *, require_auth: bool, app: str) -> tuple[str | None, bool]:
    """The token to use, and whether it was generated now.

    Raises:
        InvalidInputError: the configured token is too short to be safe.
    """
    if not require_auth:
        return token, False
    if not token:
        return secrets.token_urlsafe(32), True
    if len(token) < MIN_TOKEN_LENGTH:
        raise InvalidInputError(
            f"the {app} token must be at least {MIN_TOKEN_LENGTH} characters long"
        )
    return token, False


def is_loopback(host: str) -> bool:
    """Whether ``host`` names a loopback interface (reachable from this machine only)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def bearer_guard(settings: TokenSettings, app: str) -> Callable[..., Awaitable[None]]:
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
            logger.warning(
                "%s.auth.refused | client=%s path=%s token_given=%s",
                app,
                request.client.host if request.client else "?",
                request.url.path,
                credentials is not None,
            )
            raise HTTPException(
                status_code=status.HTTP_401_UNAUTHORIZED,
                detail="a valid access token is required (Authorization: Bearer <token>)",
                headers={"WWW-Authenticate": "Bearer"},
            )

    return check
