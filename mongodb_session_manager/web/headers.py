"""The security headers both web apps send with every HTTP response."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["SecurityHeaders", "content_security_policy"]


def content_security_policy(*, form_action: str) -> str:
    """Both apps' policy: own scripts, styles, fonts and API only; images also as data URLs.

    No inline script and no other origin, so text a model wrote that slipped past
    sanitising can neither run nor call out. ``form_action``: ``'self'`` or ``'none'``.
    """
    return (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"connect-src 'self'; font-src 'self'; base-uri 'none'; form-action {form_action}; "
        "frame-ancestors 'none'; object-src 'none'"
    )


class SecurityHeaders:
    """ASGI middleware adding CSP, no-sniff, frame denial, no referrer and cache rules.

    Static files (``/static/...``) may be cached but are revalidated (``no-cache``);
    everything else, API data included, is ``no-store``.

    Args:
        app: The wrapped ASGI app.
        csp: The ``Content-Security-Policy`` of every response...
        csp_by_path: ...except on these exact paths (the API docs page needs inline styles).
        extra: More headers, sent before ``cache-control``.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        csp: str,
        csp_by_path: Mapping[str, str] | None = None,
        extra: Sequence[tuple[bytes, bytes]] = (),
    ) -> None:
        self.app = app
        self.csp = csp.encode()
        self.csp_by_path = {path: value.encode() for path, value in (csp_by_path or {}).items()}
        self.extra = list(extra)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; add the headers to the response's start message."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        added = [
            (b"content-security-policy", self.csp_by_path.get(path, self.csp)),
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
            (b"referrer-policy", b"no-referrer"),
            *self.extra,
            (b"cache-control", b"no-cache" if path.startswith("/static/") else b"no-store"),
        ]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *added]
            await send(message)

        await self.app(scope, receive, send_with_headers)
