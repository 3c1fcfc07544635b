"""Operator tasks on stored sessions: list, export, delete (one, or by query).

Each function takes either a ``repository`` (its pool, database and collection
are used) or connection arguments (:class:`StoreTarget`), and has an ``*_async``
form. Each task is one coroutine over a
:class:`~mongodb_session_manager.store.sessions.SessionStore`; both forms borrow
the store for the call and run that coroutine on the store loop.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from typing import Any, Literal, TextIO, TypedDict, TypeVar, Unpack

from mongodb_session_manager.errors import InvalidInputError, SessionNotFoundError
from mongodb_session_manager.lifecycle.export import export_document, to_json, to_markdown
from mongodb_session_manager.lifecycle.query import SessionQuery
from mongodb_session_manager.lifecycle.stream import (
    ExportWriter,
    close_batches,
    next_batch,
    read_header,
)
from mongodb_session_manager.models import DEFAULT_COLLECTION, DEFAULT_DATABASE
from mongodb_session_manager.models.results import DeletionReport as DeletionReport
from mongodb_session_manager.models.results import SessionSummary as SessionSummary
from mongodb_session_manager.repository.repository import MongoDBSessionRepository
from mongodb_session_manager.store.borrowed import borrowed_pool
from mongodb_session_manager.store.sessions import SessionStore
from mongodb_session_manager.store.settings import StoreSettings

logger = logging.getLogger(__name__)
T = TypeVar("T")

ExportFormat = Literal["json", "markdown"]
_DELETE_BATCH = 500
_SAMPLE_IDS = 20


class StoreTarget(TypedDict, total=False):
    """Which sessions collection a lifecycle function works on (all keys optional).

    Attributes:
        repository: Use this repository's pool, database and collection.
        connection_string: MongoDB URI (without ``repository``).
        database_name: Database (without ``repository``; default ``DEFAULT_DATABASE``).
        collection_name: Collection (without ``repository``; default ``DEFAULT_COLLECTION``).
        client: An existing client (without ``repository``).
    """

    repository: MongoDBSessionRepository | None
    connection_string: str | None
    database_name: str
    collection_name: str
    client: Any | None


@contextmanager
def _store(target: StoreTarget) -> Iterator[SessionStore]:
    """The target's store: the repository's, or one on a pool borrowed for the call."""
    unknown = sorted(set(target) - set(StoreTarget.__annotations__))
    if unknown:  # what Python says for a keyword argument that does not exist
        raise TypeError(f"got an unexpected keyword argument {unknown[0]!r}")
    repository = target.get("repository")
    if repository is not None:
        yield repository.store
        return
    settings = StoreSettings(
        database_name=target.get("database_name", DEFAULT_DATABASE),
        collection_name=target.get("collection_name", DEFAULT_COLLECTION),
    )
    client = target.get("client")
    with borrowed_pool(target.get("connection_string"), client=client) as pool:
        yield SessionStore(pool, settings)


def _blocking(target: StoreTarget, task: Callable[[SessionStore], Coroutine[Any, Any, T]]) -> T:
    """Run ``task`` on the target's store, blocking."""
    with _store(target) as store:
        return store.runner.run(task(store))


async def _awaiting(
    target: StoreTarget, task: Callable[[SessionStore], Coroutine[Any, Any, T]]
) -> T:
    """Await ``task`` on the target's store (run on the store loop)."""
    with _store(target) as store:
        return await store.runner.call(task(store))


# ------------------------------------------------------------------------- coroutines


async def _list(
    store: SessionStore, query: SessionQuery | None, limit: int, skip: int
) -> list[SessionSummary]:
    if not 1 <= limit <= 10_000 or skip < 0:
        raise InvalidInputError("limit must be 1..10000 and skip >= 0")
    pipeline: list[dict[str, Any]] = [
        {"$match": (query or SessionQuery()).to_filter()},
        {"$sort": {"updated_at": -1, "_id": 1}},
        {"$skip": skip},
        {"$limit": limit},
        {
            "$project": {
                "session_id": 1,
                "application_name": 1,
                "schema_version": 1,
                "created_at": 1,
                "updated_at": 1,
                "expires_at": 1,
                "size_bytes": 1,
                "messages": "$totals.messages",
                "agents": {"$size": {"$objectToArray": {"$ifNull": ["$agents", {}]}}},
                "feedbacks": {"$size": {"$ifNull": ["$feedbacks", []]}},
            }
        },
    ]
    return [_summary(row) for row in await store.aggregate(pipeline)]


def _summary(row: dict[str, Any]) -> SessionSummary:
    return SessionSummary(
        session_id=str(row.get("session_id") or row["_id"]),
        application_name=row.get("application_name"),
        schema_version=int(row.get("schema_version") or 0),
        created_at=row.get("created_at"),
        updated_at=row.get("updated_at"),
        expires_at=row.get("expires_at"),
        agents=int(row.get("agents") or 0),
        messages=row.get("messages"),
        feedbacks=int(row.get("feedbacks") or 0),
        size_bytes=row.get("size_bytes"),
    )


async def _read(store: SessionStore, session_id: str) -> dict[str, Any]:
    """Every message of every agent (older ones from pages): bounded by one session."""
    document = await store.read_full_document(session_id)
    if document is None:
        raise SessionNotFoundError(session_id)
    return document


async def _delete_many(
    store: SessionStore, query: SessionQuery, dry_run: bool, limit: int | None
) -> DeletionReport:
    if query.is_empty:
        raise InvalidInputError(
            "refusing to delete every session: give at least one condition "
            "(ids, application, inactivity, dates, metadata)"
        )
    conditions = query.to_filter()  # evaluated once: "inactive for 30 days" as of now
    matched = await store.count(conditions)
    first = await store.find_ids(conditions, limit=_SAMPLE_IDS)
    report = DeletionReport(
        matched=matched, deleted=0, dry_run=dry_run, sample_ids=[str(i) for i in first]
    )
    if dry_run:
        return report
    budget = matched if limit is None else min(limit, matched)
    while report.deleted < budget:
        batch = min(_DELETE_BATCH, budget - report.deleted)
        ids = await store.find_ids(conditions, limit=batch)
        if not ids:
            break
        # The conditions are applied again: a session written since the listing (no
        # longer inactive) is not deleted.
        deleted = await store.delete_sessions({"$and": [{"_id": {"$in": ids}}, conditions]})
        report.deleted += deleted
        if deleted == 0:
            break
    logger.info(
        "sessions.deleted | matched=%d deleted=%d collection=%s.%s",
        report.matched,
        report.deleted,
        store.database_name,
        store.collection_name,
    )
    return report


def _render(document: dict[str, Any], fmt: ExportFormat, include_redacted: bool) -> str:
    export = export_document(document, include_redacted=include_redacted)
    if fmt == "json":
        return to_json(export)
    if fmt == "markdown":
        return to_markdown(export)
    raise InvalidInputError(f"unknown export format {fmt!r}; use 'json' or 'markdown'")


# ------------------------------------------------------------------------- public API


def list_sessions(
    query: SessionQuery | None = None,
    *,
    limit: int = 50,
    skip: int = 0,
    **target: Unpack[StoreTarget],
) -> list[SessionSummary]:
    """Sessions matching ``query``, most recently written first (no messages transferred).

    Args:
        query: Conditions (``None``: every session).
        limit: At most this many (1..10000).
        skip: Skip this many first (paging).
        **target: Where the sessions are (:class:`StoreTarget`: ``repository``, or
            ``connection_string`` / ``database_name`` / ``collection_name`` / ``client``).
    """
    return _blocking(target, lambda store: _list(store, query, limit, skip))


async def list_sessions_async(
    query: SessionQuery | None = None,
    *,
    limit: int = 50,
    skip: int = 0,
    **target: Unpack[StoreTarget],
) -> list[SessionSummary]:
    """Async form of :func:`list_sessions`."""
    return await _awaiting(target, lambda store: _list(store, query, limit, skip))


def export_session(
    session_id: str,
    *,
    format: ExportFormat = "json",
    include_redacted: bool = False,
    **target: Unpack[StoreTarget],
) -> str:
    """One session, everything in it, as JSON or Markdown text.

    Redacted messages show what replaced them (``include_redacted=True`` adds the
    original). Bytes are base64 (Extended JSON) in JSON, placeholders in Markdown.

    Args:
        session_id: The session.
        format: ``"json"`` or ``"markdown"``.
        include_redacted: Also show the originals of redacted messages.
        **target: Where the sessions are (:class:`StoreTarget`).

    Raises:
        SessionNotFoundError: no such session.
        SchemaVersionError: the session needs ``msm migrate up`` first.
    """
    document = _blocking(target, lambda store: _read(store, session_id))
    return _render(document, format, include_redacted)


async def export_session_async(
    session_id: str,
    *,
    format: ExportFormat = "json",
    include_redacted: bool = False,
    **target: Unpack[StoreTarget],
) -> str:
    """Async form of :func:`export_session`."""
    document = await _awaiting(target, lambda store: _read(store, session_id))
    return _render(document, format, include_redacted)


def export_session_data(
    session_id: str, *, include_redacted: bool = False, **target: Unpack[StoreTarget]
) -> dict[str, Any]:
    """The export of :func:`export_session` as a JSON-ready ``dict``."""
    document = _blocking(target, lambda store: _read(store, session_id))
    return export_document(document, include_redacted=include_redacted)


def export_session_to(
    session_id: str,
    out: TextIO,
    *,
    format: ExportFormat = "json",
    include_redacted: bool = False,
    **target: Unpack[StoreTarget],
) -> int:
    """Write the export of :func:`export_session` to ``out`` as it is read; messages written.

    Never holds more than one batch of messages (a page or so), whatever the
    session's length: the text is the same as :func:`export_session`'s. Nothing
    is written if the session does not exist.

    Args:
        session_id: The session.
        out: A text stream (a file opened with ``encoding="utf-8"``, ``sys.stdout``).
        format: ``"json"`` or ``"markdown"``.
        include_redacted: Also show the originals of redacted messages.
        **target: Where the sessions are (:class:`StoreTarget`).

    Raises:
        SessionNotFoundError: no such session.
        SchemaVersionError: the session needs ``msm migrate up`` first.
    """
    with _store(target) as store:
        header = store.runner.run(read_header(store, session_id))
        writer = ExportWriter(header, out, format=format, include_redacted=include_redacted)
        for index, agent_id in enumerate(writer.agent_ids):
            writer.begin_agent(index)
            batches = store.iter_messages(session_id, agent_id)
            try:
                while (batch := store.runner.run(next_batch(batches))) is not None:
                    writer.add(batch)
            finally:
                store.runner.run(close_batches(batches))
            writer.end_agent()
        writer.finish()
        return writer.written


async def export_session_to_async(
    session_id: str,
    out: TextIO,
    *,
    format: ExportFormat = "json",
    include_redacted: bool = False,
    **target: Unpack[StoreTarget],
) -> int:
    """Async form of :func:`export_session_to` (``out`` is written on the caller's loop)."""
    with _store(target) as store:
        header = await store.runner.call(read_header(store, session_id))
        writer = ExportWriter(header, out, format=format, include_redacted=include_redacted)
        for index, agent_id in enumerate(writer.agent_ids):
            writer.begin_agent(index)
            batches = store.iter_messages(session_id, agent_id)
            try:
                while (batch := await store.runner.call(next_batch(batches))) is not None:
                    writer.add(batch)
            finally:
                await store.runner.call(close_batches(batches))
            writer.end_agent()
        writer.finish()
        return writer.written


def delete_session(session_id: str, **target: Unpack[StoreTarget]) -> bool:
    """Delete one session (all its agents, messages, metadata, feedback). True if it existed."""
    return _blocking(target, lambda store: store.delete_session(session_id))


async def delete_session_async(session_id: str, **target: Unpack[StoreTarget]) -> bool:
    """Async form of :func:`delete_session`."""
    return await _awaiting(target, lambda store: store.delete_session(session_id))


def delete_sessions(
    query: SessionQuery,
    *,
    dry_run: bool = False,
    limit: int | None = None,
    **target: Unpack[StoreTarget],
) -> DeletionReport:
    """Delete the sessions matching ``query`` (in batches of 500).

    Args:
        query: Conditions; an empty query is refused (it would delete everything).
        dry_run: Count and sample the matches, delete nothing.
        limit: Delete at most this many (e.g. the count a user confirmed).
        **target: Where the sessions are (:class:`StoreTarget`).

    Raises:
        InvalidInputError: empty or invalid query.
    """
    return _blocking(target, lambda store: _delete_many(store, query, dry_run, limit))


async def delete_sessions_async(
    query: SessionQuery,
    *,
    dry_run: bool = False,
    limit: int | None = None,
    **target: Unpack[StoreTarget],
) -> DeletionReport:
    """Async form of :func:`delete_sessions`."""
    return await _awaiting(target, lambda store: _delete_many(store, query, dry_run, limit))
