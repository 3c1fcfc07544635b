"""Host-header checking for the web apps: the defence against DNS rebinding.

A page on ``evil.example`` whose name is re-pointed at 127.0.0.1 talks to a
local viewer from the browser's point of view as the same origin; the only
trace left is the ``Host`` header, which still says ``evil.example``. Both
apps answer only to the names they are served under: the bind host,
``localhost``, ``127.0.0.1`` and ``[::1]`` by default, plus any name given with
``--allowed-host`` (or ``MSM_ALLOWED_HOSTS``, comma-separated). ``*`` turns the
check off (only behind a proxy that checks the host itself).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable

from starlette.types import ASGIApp, Receive, Scope, Send

from mongodb_session_manager.web._asgi import send_json

logger = logging.getLogger(__name__)

ALLOWED_HOSTS_ENV = "MSM_ALLOWED_HOSTS"
"""Environment variable with extra host names (comma-separated) the apps answer to."""

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")
_ANY_INTERFACE = ("0.0.0.0", "::", "[::]", "")


def host_name(host: str) -> str:
    """``host`` (a ``Host`` header or a configured name) without port, lower-cased.

    IPv6 addresses keep their brackets (``[::1]``), as in a ``Host`` header.
    """
    text = host.strip().lower()
    if text.startswith("["):
        return text[: text.find("]") + 1] if "]" in text else text
    if text.count(":") > 1:  # a bare IPv6 address from configuration
        return f"[{text}]"
    name, _, port = text.rpartition(":")
    text = name if name and port.isdigit() else text
    return text.rstrip(".")


def allowed_host_names(bind_host: str, extra: Iterable[str] = ()) -> frozenset[str]:
    """The names an app bound to ``bind_host`` answers to (defaults, ``extra``, the env)."""
    names = {*LOOPBACK_NAMES, *extra}
    names.update(n for n in os.environ.get(ALLOWED_HOSTS_ENV, "").split(",") if n.strip())
    if bind_host not in _ANY_INTERFACE:
        names.add(bind_host)
    return frozenset("*" if n.strip() == "*" else host_name(n) for n in names)


class TrustedHosts:
    """ASGI middleware refusing (400, JSON) requests whose ``Host`` is not an allowed name."""

    def __init__(self, app: ASGIApp, *, allowed: frozenset[str], app_name: str) -> None:
        self.app = app
        self.allowed = allowed
        self.app_name = app_name

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on if its ``Host`` is allowed; otherwise refuse it here."""
        if scope["type"] not in ("http", "websocket") or "*" in self.allowed:
            await self.app(scope, receive, send)
            return
        given = ""
        for name, value in scope.get("headers", ()):
            if name == b"host":
                given = value.decode("latin-1")
                break
        if host_name(given) in self.allowed:
            await self.app(scope, receive, send)
            return
        logger.warning(
            "%s.host.refused | host=%r path=%s", self.app_name, given[:100], scope.get("path")
        )
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        await send_json(
            send,
            400,
            {
                "error": "invalid_host",
                "message": f"this {self.app_name} does not answer to that host name; "
                "start it with --allowed-host <name> to allow one",
            },
        )
