"""Options shared by the commands that talk to MongoDB, and small parsing helpers.

Every command finds its database the same way (:func:`open_pool`, through
:func:`~mongodb_session_manager.local.data_dir.open_database`): ``--uri``, then
``MONGODB_URI``, then the server a running ``msm local-db`` / ``msm demo`` /
``msm playground`` advertises in the data directory, then an embedded server
started on that directory's file for the command's duration.

A program embedding the CLI can hand it an open pool through Click's context
object (``app(obj={"pool": pool})``); the database options are then ignored.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.text import Text

from mongodb_session_manager._defaults import DEFAULT_COLLECTION, DEFAULT_DATABASE
from mongodb_session_manager._utc import as_utc
from mongodb_session_manager.cli._options import (
    CollectionOption,
    DatabaseOption,
    DataDirOption,
    UriOption,
)

if TYPE_CHECKING:
    from mongodb_session_manager.store.pool import MongoDBConnectionPool

# One declaration of each option for every command (see cli/_options.py).
Uri = UriOption
DataDir = DataDirOption
Database = DatabaseOption
Collection = CollectionOption


@contextmanager
def open_pool(
    ctx: typer.Context, uri: str | None, data_dir: Path | None = None, command: str = "msm"
) -> Iterator[MongoDBConnectionPool]:
    """The pool given through the context object, else one on the resolved database.

    Raises:
        LocalServerUnavailableError: No URI, and no local database can be served.
    """
    given = (ctx.obj or {}).get("pool") if isinstance(ctx.obj, dict) else None
    if given is not None:
        yield given
        return
    from mongodb_session_manager.local.data_dir import open_database
    from mongodb_session_manager.store.borrowed import borrowed_pool

    with open_database(data_dir, uri, command=command) as db, borrowed_pool(db.uri) as pool:
        yield pool


@dataclass(frozen=True)
class StoreOptions:
    """``--uri``, ``--data-dir``, ``--database``, ``--collection``: where the sessions are.

    A command takes them as one parameter ``store: StoreOptions`` under
    :func:`~mongodb_session_manager.cli._option_groups.with_option_groups`.
    """

    uri: Uri = None
    data_dir: DataDir = None
    database: Database = DEFAULT_DATABASE
    collection: Collection = DEFAULT_COLLECTION


@contextmanager
def opened_pool(
    ctx: typer.Context,
    store: StoreOptions,
    command: str,
    errors: tuple[type[Exception], ...],
    exit_codes: Mapping[type[Exception], int] | None = None,
) -> Iterator[MongoDBConnectionPool]:
    """:func:`open_pool` on ``store``; ``errors`` raised inside become a :func:`fail` exit.

    Args:
        ctx: The command's context (it may hold a ready pool).
        store: Where the sessions are.
        command: The command's name, for the error line (``"msm sessions"``).
        errors: The exceptions reported as an error line; others propagate.
        exit_codes: Exit code per exception type (checked in order); 2 otherwise.

    Raises:
        typer.Exit: One of ``errors`` was raised, by opening the pool or in the block.
    """
    try:
        with open_pool(ctx, store.uri, store.data_dir, command) as pool:
            yield pool
    except errors as exc:
        codes = exit_codes or {}
        code = next((code for kind, code in codes.items() if isinstance(exc, kind)), 2)
        raise fail(command, exc, code) from exc


def fail(command: str, exc: BaseException, code: int = 2) -> typer.Exit:
    """Print ``exc`` as one readable line on stderr (never cut, never wrapped) and exit."""
    from mongodb_session_manager.errors import StoreUnavailableError

    text = " ".join(str(exc).split())
    if isinstance(exc, StoreUnavailableError):
        text += (
            ". Start a local one with `msm local-db`, or pass --uri / set MONGODB_URI "
            "to a running MongoDB."
        )
    Console(stderr=True, soft_wrap=True).print(plain(f"{command}: error: {text}"), style="red")
    return typer.Exit(code)


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
