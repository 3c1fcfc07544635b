"""The viewer's memory browsing: ``GET /api/v1/memory/namespaces`` and ``/memory/entries``.

Reads the collection ``MongoDBMemoryStore`` writes (``settings.memory_collection``)
through :class:`~mongodb_session_manager.store.memory_browse.MemoryBrowser` on the
viewer's pool. The routes sit on the ``/api/v1`` router, behind the same guard
as the sessions: the admin token only (a session password opens no memory).

Entry text and metadata are written by a model: the API sends them as JSON
strings and values (never markup) and the page puts them in as text.
"""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from mongodb_session_manager.models import UtcDatetime
from mongodb_session_manager.models.content import json_safe
from mongodb_session_manager.store.memory_browse import MemoryBrowser
from mongodb_session_manager.store.pool import MongoDBConnectionPool
from mongodb_session_manager.viewer.filters import MAX_TEXT_LENGTH, check_text
from mongodb_session_manager.viewer.settings import ViewerSettings

__all__ = [
    "MAX_NAMESPACES",
    "MemoryEntryPage",
    "MemoryEntryView",
    "MemoryNamespaces",
    "MemoryQueries",
    "add_memory_routes",
]

MAX_NAMESPACES = 1000
"""The namespace list shows at most this many (by name); ``truncated`` says when there are more."""
MAX_PAGE = 10_000
"""Deepest page number accepted (paging is by offset)."""


class MemoryNamespace(BaseModel):
    """One namespace of the memory collection."""

    namespace: str
    entries: int
    users: int
    """Distinct user ids (the shared entries, without a user, count as one)."""
    latest_at: UtcDatetime | None = None


class MemoryNamespaces(BaseModel):
    """Every namespace (up to :data:`MAX_NAMESPACES`, by name) with its entry count."""

    collection: str
    items: list[MemoryNamespace]
    truncated: bool = False


class MemoryEntryView(BaseModel):
    """One memory entry; ``text`` and ``metadata`` are shown as text, never as markup."""

    id: str
    namespace: str
    user_id: str | None = None
    text: str
    metadata: dict[str, Any] = Field(default_factory=dict)
    created_at: UtcDatetime | None = None


class MemoryEntryPage(BaseModel):
    """A page of a namespace's entries, newest first."""

    namespace: str
    user_id: str | None = None
    q: str | None = None
    items: list[MemoryEntryView]
    total: int
    page: int
    page_size: int


def _entry(raw: dict[str, Any]) -> MemoryEntryView:
    metadata = raw.get("metadata")
    created = raw.get("created_at")
    user_id = raw.get("user_id")
    return MemoryEntryView(
        id=str(raw.get("_id")),
        namespace=str(raw.get("namespace") or ""),
        user_id=user_id if isinstance(user_id, str) else None,
        text=str(raw.get("text") or ""),
        metadata=json_safe(metadata) if isinstance(metadata, dict) else {},
        created_at=created if isinstance(created, datetime) else None,
    )


class MemoryQueries:
    """Reads the memory collection for the viewer (on the viewer's pool)."""

    def __init__(self, settings: ViewerSettings, pool: MongoDBConnectionPool) -> None:
        self.browser = MemoryBrowser(pool, settings.database_name, settings.memory_collection)

    async def namespaces(self) -> MemoryNamespaces:
        """Every namespace with its counts (one ``aggregate``)."""
        rows, more = await self.browser.namespaces_async(MAX_NAMESPACES)
        return MemoryNamespaces(
            collection=self.browser.collection_name,
            items=[
                MemoryNamespace(
                    namespace=row.namespace,
                    entries=row.entries,
                    users=row.users,
                    latest_at=row.latest if isinstance(row.latest, datetime) else None,
                )
                for row in rows
            ],
            truncated=more,
        )

    async def entries(
        self, namespace: str, user_id: str | None, q: str | None, page: int, page_size: int
    ) -> MemoryEntryPage:
        """One page of entries (a ``find`` and a ``count``, sent together)."""
        found = await self.browser.entries_async(
            namespace, user_id=user_id, text=q, skip=(page - 1) * page_size, limit=page_size
        )
        return MemoryEntryPage(
            namespace=namespace,
            user_id=user_id,
            q=q,
            items=[_entry(row) for row in found.rows],
            total=found.total,
            page=page,
            page_size=page_size,
        )


def add_memory_routes(
    router: APIRouter, settings: ViewerSettings, memory: MemoryQueries
) -> APIRouter:
    """Add the memory routes to the ``/api/v1`` router (its guard applies)."""
    PageSize = Annotated[int, Query(ge=1, le=settings.max_page_size)]

    @router.get("/memory/namespaces", response_model=MemoryNamespaces, tags=["memory"])
    async def memory_namespaces() -> MemoryNamespaces:
        """The memory collection's namespaces, by name, with entry and user counts."""
        return await memory.namespaces()

    @router.get("/memory/entries", response_model=MemoryEntryPage, tags=["memory"])
    async def memory_entries(
        namespace: Annotated[str, Query(min_length=1, max_length=MAX_TEXT_LENGTH)],
        user_id: Annotated[
            str | None, Query(max_length=MAX_TEXT_LENGTH, description="Only this user's entries.")
        ] = None,
        q: Annotated[
            str | None,
            Query(max_length=MAX_TEXT_LENGTH, description="Text contains this (any case)."),
        ] = None,
        page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
        page_size: PageSize = settings.page_size,
    ) -> MemoryEntryPage:
        """A namespace's entries, newest first; every value matches literally."""
        check_text(namespace, "namespace")
        for name, value in (("user_id", user_id), ("q", q)):
            if value:
                check_text(value, name)
        return await memory.entries(namespace, user_id or None, q or None, page, page_size)

    return router
