"""Options shared by the commands that talk to MongoDB, and small parsing helpers.

A program embedding the CLI can hand it an open pool through Click's context
object (``app(obj={"pool": pool})``); the ``--uri`` option is then ignored.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Annotated, Any

import typer
from rich.text import Text

from mongodb_session_manager.models import as_utc
from mongodb_session_manager.store.borrowed import borrowed_pool
from mongodb_session_manager.store.pool import MongoDBConnectionPool

DEFAULT_URI = "mongodb://localhost:27017/"

Uri = Annotated[
    str,
    typer.Option(
        "--uri", envvar="MONGODB_URI", help="MongoDB connection string.", show_default=False
    ),
]
Database = Annotated[
    str, typer.Option("--database", envvar="MSM_DATABASE", help="Database of the sessions.")
]
Collection = Annotated[
    str, typer.Option("--collection", envvar="MSM_COLLECTION", help="Session collection.")
]


@contextmanager
def open_pool(ctx: typer.Context, uri: str) -> Iterator[MongoDBConnectionPool]:
    """The pool given through the context object, else one for ``uri`` (released after)."""
    given = (ctx.obj or {}).get("pool") if isinstance(ctx.obj, dict) else None
    with borrowed_pool(uri or DEFAULT_URI, pool=given) as pool:
        yield pool


_DURATION = re.compile(r"(\d+)\s*([smhdw])")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_duration(text: str) -> timedelta:
    """``30d``, ``12h``, ``1w2d``, ``90m``, ``45s`` -> a timedelta (BadParameter otherwise)."""
    cleaned = text.strip().lower()
    parts = _DURATION.findall(cleaned)
    if not parts or _DURATION.sub("", cleaned).strip():
        raise typer.BadParameter(f"{text!r} is not a duration like 30d, 12h, 1w2d, 90m")
    total = timedelta()
    for amount, unit in parts:
        total += timedelta(**{_UNITS[unit]: int(amount)})
    return total


def parse_datetime(text: str) -> datetime:
    """An ISO 8601 date or datetime; without an offset it is read as UTC."""
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise typer.BadParameter(f"{text!r} is not an ISO 8601 date / time") from exc
    return as_utc(value)


def parse_pairs(pairs: list[str] | None) -> dict[str, Any]:
    """``key=value`` options (metadata filters); values stay strings."""
    result: dict[str, Any] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise typer.BadParameter(f"{pair!r} is not key=value")
        result[key] = value
    return result


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def plain(value: Any) -> Text:
    """Stored (possibly LLM-written) text for the terminal: no markup, no escape codes."""
    return Text(_CONTROL.sub("", "" if value is None else str(value)))


def when(value: datetime | None) -> str:
    """A stored date for display (UTC)."""
    return "-" if value is None else as_utc(value).strftime("%Y-%m-%d %H:%M:%S UTC")


def short(value: datetime | None) -> str:
    """A stored date in a narrow column (UTC, minutes)."""
    return "-" if value is None else as_utc(value).strftime("%Y-%m-%d %H:%M")
