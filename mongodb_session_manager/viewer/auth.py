"""Bearer-token authentication of the viewer API (see :mod:`mongodb_session_manager.web`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from mongodb_session_manager.viewer.settings import ViewerSettings
from mongodb_session_manager.web import bearer_guard


def token_guard(settings: ViewerSettings) -> Callable[..., Awaitable[None]]:
    """A FastAPI dependency that refuses requests without the viewer's bearer token."""
    return bearer_guard(settings, "viewer")
