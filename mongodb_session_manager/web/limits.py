"""Bounds on what a request can make the web apps do or say.

A request with 10,000 unknown query parameters used to get a 2.2 MB error back;
now the number and size of query parameters are capped before any parsing, and
every validation error body lists a bounded number of problems, each with a
bounded quote of what was sent.
"""

from __future__ import annotations

from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from mongodb_session_manager.web._asgi import send_json

MAX_QUERY_PARAMS = 200
"""Most query parameters a request may carry (the viewer's search needs a few dozen)."""
MAX_QUERY_BYTES = 256 * 1024
"""Longest query string accepted (a timeline cursor is well below)."""
MAX_ERROR_DETAILS = 20
"""Most problems listed in one error body (the count of the others is given)."""
MAX_QUOTE = 80


def short(value: Any) -> str:
    """``repr(value)``, cut to a few dozen characters (error messages quote what was sent)."""
    text = repr(value)
    return text if len(text) <= MAX_QUOTE else text[: MAX_QUOTE - 3] + "..."


def validation_details(errors: Any) -> tuple[list[dict[str, Any]], str]:
    """Pydantic/FastAPI validation errors as bounded ``details`` and a one-line summary."""
    errors = list(errors)
    details: list[dict[str, Any]] = [
        {
            "location": [str(part)[:MAX_QUOTE] for part in error.get("loc", ())][:6],
            "message": f"{str(error.get('msg', 'invalid'))[:200]} "
            f"(got {short(error.get('input'))})",
        }
        for error in errors[:MAX_ERROR_DETAILS]
    ]
    summary = "; ".join(
        f"{d['location'][-1] if d['location'] else '?'}: {d['message']}" for d in details[:5]
    )
    if len(errors) > MAX_ERROR_DETAILS:
        summary += f" (and {len(errors) - MAX_ERROR_DETAILS} more problems)"
    return details, summary


class QueryLimits:
    """ASGI middleware refusing (422, JSON) too many or too long query parameters."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on if its query string is within bounds; otherwise refuse it."""
        query: bytes = scope.get("query_string", b"") if scope["type"] == "http" else b""
        problem = None
        if len(query) > MAX_QUERY_BYTES:
            problem = f"the query string is longer than {MAX_QUERY_BYTES} bytes"
        elif query and query.count(b"&") + query.count(b";") + 1 > MAX_QUERY_PARAMS:
            problem = f"more than {MAX_QUERY_PARAMS} query parameters"
        if problem is None:
            await self.app(scope, receive, send)
            return
        await send_json(
            send,
            422,
            {"error": "invalid_request", "message": f"invalid request: {problem}", "details": []},
        )
