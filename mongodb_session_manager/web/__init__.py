"""What the library's web apps (viewer, playground) share: access tokens and binding rules."""

from mongodb_session_manager.web.auth import (
    MIN_TOKEN_LENGTH,
    bearer_guard,
    is_loopback,
    resolve_token,
)

__all__ = ["MIN_TOKEN_LENGTH", "bearer_guard", "is_loopback", "resolve_token"]
