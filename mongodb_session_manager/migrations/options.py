"""The options of a migration run, written once, and the keyword form built from them.

:func:`~.api.migrate_up`, :func:`~.api.migrate_down` and their ``*_async`` forms
take the same twelve keyword arguments: they are the fields of
:class:`MigrateOptions`. Each function is written as a function of one
``MigrateOptions``; :func:`keyword_form` / :func:`keyword_form_async` give it the
dataclass's keyword-only parameters (for callers, ``inspect``, IDEs and mypy)::

    @keyword_form(MigrateOptions)
    def migrate_up(options: MigrateOptions) -> MigrationReport: ...


    migrate_up(database_name="app", batch_size=500)  # MigrateOptions(...) built here
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

from mongodb_session_manager._defaults import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_COLLECTION,
    DEFAULT_DATABASE,
)
from mongodb_session_manager.migrations.report import MigrationProgress
from mongodb_session_manager.store.pool import MongoDBConnectionPool

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "DEFAULT_MAX_BATCH_BYTES",
    "LOG_COLLECTION",
    "MigrateOptions",
    "StatusOptions",
    "keyword_form",
    "keyword_form_async",
]

DEFAULT_MAX_BATCH_BYTES = 16 * 1024 * 1024
"""A batch also ends once its raw documents reach this size (``max_batch_bytes``)."""
LOG_COLLECTION = "msm_migrations"
"""Where runs and checkpoints are recorded."""

P = ParamSpec("P")
O = TypeVar("O")  # noqa: E741
R = TypeVar("R")


@dataclass(frozen=True, kw_only=True)
class MigrateOptions:
    """One ``up`` / ``down`` run: where, how far, how (the arguments of ``migrate_up``).

    Attributes:
        connection_string: MongoDB URI (or pass ``client`` / ``pool``).
        database_name: Database of the sessions.
        collection_name: Collection to migrate.
        target_collection: Write the converted documents into this collection and
            leave ``collection_name`` untouched.
        to_version: Stop at this schema version.
        batch_size: Documents per read and per bulk write (memory bound).
        max_batch_bytes: A batch also ends once it holds this many raw bytes.
        dry_run: Convert and validate everything, write nothing.
        transactions: Force transactions on / off; by default used when the server
            supports them.
        progress: Progress receiver (the CLI passes a progress bar).
        client: An existing async client.
        pool: A :class:`MongoDBConnectionPool` to use.
    """

    connection_string: str | None = None
    database_name: str = DEFAULT_DATABASE
    collection_name: str = DEFAULT_COLLECTION
    target_collection: str | None = None
    to_version: int | None = None
    batch_size: int = DEFAULT_BATCH_SIZE
    max_batch_bytes: int = DEFAULT_MAX_BATCH_BYTES
    dry_run: bool = False
    transactions: bool | None = None
    progress: MigrationProgress | None = None
    client: Any | None = None
    pool: MongoDBConnectionPool | None = None


@dataclass(frozen=True, kw_only=True)
class StatusOptions:
    """Which collection :func:`~.api.migration_status` looks at (its arguments).

    Attributes:
        connection_string: MongoDB URI (or pass ``client`` / ``pool``).
        database_name: Database of the sessions.
        collection_name: The session collection.
        client: An existing async client.
        pool: A :class:`MongoDBConnectionPool` to use.
    """

    connection_string: str | None = None
    database_name: str = DEFAULT_DATABASE
    collection_name: str = DEFAULT_COLLECTION
    client: Any | None = None
    pool: MongoDBConnectionPool | None = None


def _arguments_section(options: Callable[..., Any]) -> str:
    """The ``Attributes:`` section of ``options``' docstring, as an ``Args:`` section."""
    doc = inspect.getdoc(options) or ""
    _, found, attributes = doc.partition("Attributes:\n")
    if not found:
        return ""
    lines = attributes.split("\n\n")[0].splitlines()
    return "\n".join(["Args:", *lines]) + "\n\n"


def _give_parameters(
    form: Callable[..., Any], options: Callable[..., Any], fn: Callable[..., Any], documented: bool
) -> None:
    """``form`` shows the keyword parameters of ``options`` and returns what ``fn`` does.

    With ``documented``, the parameters' descriptions (``options``' attributes) go
    into ``form``'s docstring, before its ``Returns:`` section.
    """
    returns = inspect.signature(fn).return_annotation
    signature = inspect.signature(options).replace(return_annotation=returns)
    form.__signature__ = signature  # type: ignore[attr-defined]
    annotations = {name: p.annotation for name, p in signature.parameters.items()}
    form.__annotations__ = {**annotations, "return": returns}
    if documented:
        doc = inspect.cleandoc(fn.__doc__ or "")
        head, returns_found, tail = doc.partition("Returns:")
        form.__doc__ = head + _arguments_section(options) + returns_found + tail


def keyword_form(
    options: Callable[P, O], *, documented: bool = False
) -> Callable[[Callable[[O], R]], Callable[P, R]]:
    """Turn ``fn(options)`` into a function taking the parameters of ``options`` (a class).

    The function keeps ``fn``'s name and docstring; its signature is the class's
    (keyword-only parameters and their defaults), for ``inspect`` and for mypy.

    Args:
        options: The options class (a keyword-only dataclass).
        documented: Add the class's ``Attributes:`` to the docstring as ``Args:``.
    """

    def decorate(fn: Callable[[O], R]) -> Callable[P, R]:
        @functools.wraps(fn)
        def form(*args: P.args, **kwargs: P.kwargs) -> R:
            return fn(options(*args, **kwargs))

        _give_parameters(form, options, fn, documented)
        return form

    return decorate


def keyword_form_async(
    options: Callable[P, O], *, documented: bool = False
) -> Callable[[Callable[[O], Coroutine[Any, Any, R]]], Callable[P, Coroutine[Any, Any, R]]]:
    """:func:`keyword_form` for a coroutine function (the result is one too)."""

    def decorate(fn: Callable[[O], Coroutine[Any, Any, R]]) -> Callable[P, Coroutine[Any, Any, R]]:
        @functools.wraps(fn)
        async def form(*args: P.args, **kwargs: P.kwargs) -> R:
            return await fn(options(*args, **kwargs))

        _give_parameters(form, options, fn, documented)
        return form

    return decorate
