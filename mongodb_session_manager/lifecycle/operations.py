"""Operator tasks on stored sessions: list, export, delete (one, or by query).

Each function takes either a ``repository`` (its pool, database and collection
are used) or connection arguments, and has an ``*_async`` twin.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, TypeVar

from mongodb_session_manager.errors import InvalidInputError, SessionNotFoundError
from mongodb_session_manager.lifecycle.export import export_document, to_json, to_markdown
from mongodb_session_manager.lifecycle.query import SessionQuery
from mongodb_session_manager.models import DEFAULT_COLLECTION, DEFAULT_DATABASE, validate_id
from mongodb_session_manager.repository.repository import (
    MongoDBSessionRepository,
    check_schema_version,
)
from mongodb_session_manager.store.borrowed import borrowed_pool
from mongodb_session_manager.store.pool import MongoDBConnectionPool

logger = logging.getLogger(__name__)
T = TypeVar("T")

ExportFormat = Literal["json", "markdown"]
_DELETE_BATCH = 500
_SAMPLE_IDS = 20


@dataclass
class SessionSummary:
    """One line of a session listing (read without transferring messages)."""

    session_id: str
    application_name: str | None
    schema_version: int
    created_at: datetime | None
    updated_at: datetime | None
    expires_at: datetime | None
    agents: int
    messages: int | None
    """Stored messages (``None`` for documents not yet migrated)."""
    feedbacks: int
    size_bytes: int | None


@dataclass
class DeletionReport:
    """What a deletion by query matched and deleted."""

    matched: int
    deleted: int
    dry_run: bool
    sample_ids: list[str] = field(default_factory=list)
    """Up to 20 of the matching session ids, to show before confirming."""


@dataclass(frozen=True)
class _Where:
    pool: MongoDBConnectionPool
    database_name: str
    collection_name: str

    def collection(self) -> Any:
        return self.pool.collection(self.database_name, self.collection_name)


@contextmanager
def _where(
    repository: MongoDBSessionRepository | None,
    connection_string: str | None,
    database_name: str,
    collection_name: str,
    client: Any | None,
) -> Iterator[_Where]:
    if repository is not None:
        yield _Where(repository.pool, repository.database_name, repository.collection_name)
        return
    with borrowed_pool(connection_string, client=client) as pool:
        yield _Where(pool, database_name, collection_name)


# ------------------------------------------------------------------------- coroutines


async def _list(
    where: _Where, query: SessionQuery | None, limit: int, skip: int
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
    cursor = where.collection().aggregate(pipeline)
    if inspect.isawaitable(cursor):  # PyMongo's async API returns the cursor from a coroutine
        cursor = await cursor
    rows: list[dict[str, Any]] = await cursor.to_list(None)
    return [
        SessionSummary(
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
        for row in rows
    ]


async def _read(where: _Where, session_id: str) -> dict[str, Any]:
    validate_id(session_id, "session_id")
    document: dict[str, Any] | None = await where.collection().find_one({"_id": session_id})
    if document is None:
        raise SessionNotFoundError(session_id)
    check_schema_version(document)
    return document


async def _delete_one(where: _Where, session_id: str) -> bool:
    repository = MongoDBSessionRepository(
        pool=where.pool,
        database_name=where.database_name,
        collection_name=where.collection_name,
    )
    return await repository._delete_session(session_id)


async def _delete_many(
    where: _Where, query: SessionQuery, dry_run: bool, limit: int | None
) -> DeletionReport:
    if query.is_empty:
        raise InvalidInputError(
            "refusing to delete every session: give at least one condition "
            "(ids, application, inactivity, dates, metadata)"
        )
    conditions = query.to_filter()  # evaluated once: "inactive for 30 days" as of now
    collection = where.collection()
    matched = await collection.count_documents(conditions)
    first = await _ids(collection, conditions, _SAMPLE_IDS)
    report = DeletionReport(
        matched=matched, deleted=0, dry_run=dry_run, sample_ids=[str(i) for i in first]
    )
    if dry_run:
        return report
    budget = matched if limit is None else min(limit, matched)
    while report.deleted < budget:
        batch = min(_DELETE_BATCH, budget - report.deleted)
        ids = await _ids(collection, conditions, batch)
        if not ids:
            break
        # The conditions are applied again: a session written since the listing (no
        # longer inactive) is not deleted.
        result = await collection.delete_many({"$and": [{"_id": {"$in": ids}}, conditions]})
        report.deleted += result.deleted_count
        if result.deleted_count == 0:
            break
    logger.info(
        "sessions.deleted | matched=%d deleted=%d collection=%s.%s",
        report.matched,
        report.deleted,
        where.database_name,
        where.collection_name,
    )
    return report


async def _ids(collection: Any, conditions: dict[str, Any], limit: int) -> list[Any]:
    rows = await collection.find(conditions, {"_id": 1}).sort("_id", 1).limit(limit).to_list(None)
    return [row["_id"] for row in rows]


def _render(document: dict[str, Any], fmt: ExportFormat, include_redacted: bool) -> str:
    export = export_document(document, include_redacted=include_redacted)
    if fmt == "json":
        return to_json(export)
    if fmt == "markdown":
        return to_markdown(export)
    raise InvalidInputError(f"unknown export format {fmt!r}; use 'json' or 'markdown'")


# ------------------------------------------------------------------------- public API


def _blocking(where: _Where, coro: Coroutine[Any, Any, T]) -> T:
    return where.pool.run(coro)


def list_sessions(
    query: SessionQuery | None = None,
    *,
    limit: int = 50,
    skip: int = 0,
    repository: MongoDBSessionRepository | None = None,
    connection_string: str | None = None,
    database_name: str = DEFAULT_DATABASE,
    collection_name: str = DEFAULT_COLLECTION,
    client: Any | None = None,
) -> list[SessionSummary]:
    """Sessions matching ``query``, most recently written first (no messages transferred).

    Args:
        query: Conditions (``None``: every session).
        limit: At most this many (1..10000).
        skip: Skip this many first (paging).
        repository: Use this repository's pool, database and collection.
        connection_string: MongoDB URI (without ``repository``).
        database_name: Database (without ``repository``).
        collection_name: Collection (without ``repository``).
        client: An existing async client (without ``repository``).
    """
    with _where(repository, connection_string, database_name, collection_name, client) as where:
        return _blocking(where, _list(where, query, limit, skip))


async def list_sessions_async(
    query: SessionQuery | None = None,
    *,
    limit: int = 50,
    skip: int = 0,
    repository: MongoDBSessionRepository | None = None,
    connection_string: str | None = None,
    database_name: str = DEFAULT_DATABASE,
    collection_name: str = DEFAULT_COLLECTION,
    client: Any | None = None,
) -> list[SessionSummary]:
    """Async twin of :func:`list_sessions`."""
    with _where(repository, connection_string, database_name, collection_name, client) as where:
        return await where.pool.call(_list(where, query, limit, skip))


def export_session(
    session_id: str,
    *,
    format: ExportFormat = "json",
    include_redacted: bool = False,
    repository: MongoDBSessionRepository | None = None,
    connection_string: str | None = None,
    database_name: str = DEFAULT_DATABASE,
    collection_name: str = DEFAULT_COLLECTION,
    client: Any | None = None,
) -> str:
    """One session, everything in it, as JSON or Markdown text.

    Redacted messages show what replaced them (``include_redacted=True`` adds the
    original). Bytes are base64 (Extended JSON) in JSON, placeholders in Markdown.

    Raises:
        SessionNotFoundError: no such session.
        SchemaVersionError: the session needs ``msm migrate up`` first.
    """
    with _where(repository, connection_string, database_name, collection_name, client) as where:
        document = _blocking(where, _read(where, session_id))
    return _render(document, format, include_redacted)


async def export_session_async(
    session_id: str,
    *,
    format: ExportFormat = "json",
    include_redacted: bool = False,
    repository: MongoDBSessionRepository | None = None,
    connection_string: str | None = None,
    database_name: str = DEFAULT_DATABASE,
    collection_name: str = DEFAULT_COLLECTION,
    client: Any | None = None,
) -> str:
    """Async twin of :func:`export_session`."""
    with _where(repository, connection_string, database_name, collection_name, client) as where:
        document = await where.pool.call(_read(where, session_id))
    return _render(document, format, include_redacted)


def export_session_data(
    session_id: str,
    *,
    include_redacted: bool = False,
    repository: MongoDBSessionRepository | None = None,
    connection_string: str | None = None,
    database_name: str = DEFAULT_DATABASE,
    collection_name: str = DEFAULT_COLLECTION,
    client: Any | None = None,
) -> dict[str, Any]:
    """The export of :func:`export_session` as a JSON-ready ``dict``."""
    with _where(repository, connection_string, database_name, collection_name, client) as where:
        document = _blocking(where, _read(where, session_id))
    return export_document(document, include_redacted=include_redacted)


def delete_session(
    session_id: str,
    *,
    repository: MongoDBSessionRepository | None = None,
    connection_string: str | None = None,
    database_name: str = DEFAULT_DATABASE,
    collection_name: str = DEFAULT_COLLECTION,
    client: Any | None = None,
) -> bool:
    """Delete one session (all its agents, messages, metadata, feedback). True if it existed."""
    with _where(repository, connection_string, database_name, collection_name, client) as where:
        return _blocking(where, _delete_one(where, session_id))


async def delete_session_async(
    session_id: str,
    *,
    repository: MongoDBSessionRepository | None = None,
    connection_string: str | None = None,
    database_name: str = DEFAULT_DATABASE,
    collection_name: str = DEFAULT_COLLECTION,
    client: Any | None = None,
) -> bool:
    """Async twin of :func:`delete_session`."""
    with _where(repository, connection_string, database_name, collection_name, client) as where:
        return await where.pool.call(_delete_one(where, session_id))


def delete_sessions(
    query: SessionQuery,
    *,
    dry_run: bool = False,
    limit: int | None = None,
    repository: MongoDBSessionRepository | None = None,
    connection_string: str | None = None,
    database_name: str = DEFAULT_DATABASE,
    collection_name: str = DEFAULT_COLLECTION,
    client: Any | None = None,
) -> DeletionReport:
    """Delete the sessions matching ``query`` (in batches of 500).

    Args:
        query: Conditions; an empty query is refused (it would delete everything).
        dry_run: Count and sample the matches, delete nothing.
        limit: Delete at most this many (e.g. the count a user confirmed).

    Raises:
        InvalidInputError: empty or invalid query.
    """
    with _where(repository, connection_string, database_name, collection_name, client) as where:
        return _blocking(where, _delete_many(where, query, dry_run, limit))


async def delete_sessions_async(
    query: SessionQuery,
    *,
    dry_run: bool = False,
    limit: int | None = None,
    repository: MongoDBSessionRepository | None = None,
    connection_string: str | None = None,
    database_name: str = DEFAULT_DATABASE,
    collection_name: str = DEFAULT_COLLECTION,
    client: Any | None = None,
) -> DeletionReport:
    """Async twin of :func:`delete_sessions`."""
    with _where(repository, connection_string, database_name, collection_name, client) as where:
        return await where.pool.call(_delete_many(where, query, dry_run, limit))
