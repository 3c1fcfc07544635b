"""What the library's web apps (viewer, playground) share.

Access tokens, binding rules, host checking, request limits, security headers,
the settings they start with, the health ping, and the static rendering code
(``web/static``).
"""

from pathlib import Path

from mongodb_session_manager.web.auth import (
    MIN_TOKEN_LENGTH,
    bearer_guard,
    is_loopback,
    resolve_token,
)
from mongodb_session_manager.web.hosts import ALLOWED_HOSTS_ENV, TrustedHosts, allowed_host_names
from mongodb_session_manager.web.limits import QueryLimits, validation_details

SHARED_STATIC_DIR = Path(__file__).parent / "static"
"""marked, DOMPurify and the one render module both apps serve under ``/shared``."""

__all__ = [
    "ALLOWED_HOSTS_ENV",
    "MIN_TOKEN_LENGTH",
    "SHARED_STATIC_DIR",
    "QueryLimits",
    "TrustedHosts",
    "allowed_host_names",
    "bearer_guard",
    "is_loopback",
    "resolve_token",
    "validation_details",
]
