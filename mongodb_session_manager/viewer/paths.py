"""Session ids in API paths: routed on the encoded path, so any id reaches its own session.

A session id may contain ``/`` or a newline. The page sends it URL-encoded
(``route-a%2Ftimeline``), but Starlette routes on the *decoded* path, where
``/api/v1/sessions/route-a/timeline`` is the timeline of ``route-a``. This
middleware re-encodes the id segment from the raw path before routing, and
:func:`path_session_id` decodes it again in the route.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote, unquote

from fastapi import Path
from starlette.types import ASGIApp, Receive, Scope, Send

SESSIONS_PREFIX = "/api/v1/sessions/"


class EncodedSessionIds:
    """ASGI middleware: the id segment after ``/api/v1/sessions/`` stays percent-encoded."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Keep the session id segment of the path percent-encoded, then pass the request on."""
        path: str = scope.get("path", "")
        if scope["type"] == "http" and path.startswith(SESSIONS_PREFIX):
            raw: bytes = scope.get("raw_path") or quote(path).encode("ascii")
            raw = raw.split(b"?", 1)[0]  # some test transports leave the query in raw_path
            rest = raw.decode("latin-1")[len(SESSIONS_PREFIX) :]
            segment, sep, tail = rest.partition("/")
            # Only the unreserved characters and %XX remain: no "/" the router could split on.
            encoded = quote(unquote(segment, errors="replace"), safe="")
            scope = {**scope, "path": f"{SESSIONS_PREFIX}{encoded}{sep}{unquote(tail)}"}
        await self.app(scope, receive, send)


def path_session_id(
    session_id: Annotated[
        str, Path(min_length=1, max_length=4096, description="The session id, URL-encoded.")
    ],
) -> str:
    """The session id of the path, decoded (see :class:`EncodedSessionIds`)."""
    return unquote(session_id, errors="replace")
