"""The viewer's query layer: every read runs on the store loop through the shared pool.

Each public method is a coroutine the API awaits; the database work itself
runs on the library's store loop through a
:class:`~mongodb_session_manager.store.browse.SessionBrowser` (each read is one
awaited trip there), so the web server's event loop never waits on MongoDB. This
module decides what to read; :mod:`.mappers` shapes what was read.

Round trips (proved by ``tests/viewer/test_viewer_budget.py``):

* a result page: two reads sent concurrently (the page, the count);
* a session header: one read, no message array transferred;
* a timeline page: one read, ``limit`` messages at most per agent, plus one
  aggregate on the page collection when an agent's next messages are older than
  its recent ones (one ``$or`` branch per such agent, each page cut to the
  ``limit`` messages shown);
* the metrics: one read, usage and latency fields only, plus one aggregate over
  the pages of agents that have pages;
* the export: the document, then each paged agent's pages 800 ids per read;
* a result page with long sessions on it: one more read, the first page's
  preview of each paged agent;
* metadata fields: three reads once per cache period.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Mapping
from typing import Any

from mongodb_session_manager._version import __version__
from mongodb_session_manager.errors import SessionNotFoundError
from mongodb_session_manager.models import validate_id
from mongodb_session_manager.store.browse import SessionBrowser
from mongodb_session_manager.store.pool import MongoDBConnectionPool
from mongodb_session_manager.store.sessions import SessionStore
from mongodb_session_manager.store.settings import StoreSettings
from mongodb_session_manager.viewer.fields import (
    FieldCatalog,
    indexed_metadata_fields,
    infer_fields,
)
from mongodb_session_manager.viewer.filters import SessionSearch, parse_meta_params
from mongodb_session_manager.viewer.mappers import (
    detail_from,
    feedback_dict,
    guardrail_from,
    message_from,
    metrics_from,
    row_from,
    timeline_from,
)
from mongodb_session_manager.viewer.paging import (
    by_first_id,
    committed,
    first_page_branches,
    paged_count_of,
    pages_branches,
    window_branches,
    with_openers,
)
from mongodb_session_manager.viewer.pipelines import Pipelines
from mongodb_session_manager.viewer.schemas import (
    Health,
    MetadataField,
    MetadataFields,
    SessionDetail,
    SessionMetrics,
    SessionPage,
    TimelinePage,
)
from mongodb_session_manager.viewer.settings import ViewerSettings
from mongodb_session_manager.viewer.timeline import Cursor
from mongodb_session_manager.web.health import ping_error

# The mappers lived here; their old import path keeps working.
__all__ = [
    "REDISCOVER_SECONDS",
    "SessionQueries",
    "detail_from",
    "feedback_dict",
    "guardrail_from",
    "message_from",
    "row_from",
]

logger = logging.getLogger(__name__)

EXPORT_BATCH = 800
"""Message ids per page read of a streamed export (about 8 pages)."""

REDISCOVER_SECONDS = 5.0
"""An unknown metadata field triggers a new discovery at most this often."""


class SessionQueries:
    """Reads sessions for the viewer.

    Args:
        settings: Database, collection, page sizes, discovery settings.
        pool: A pool to share; by default one is acquired for the settings' URI
            (or client) and released by :meth:`close`.
    """

    def __init__(self, settings: ViewerSettings, pool: MongoDBConnectionPool | None = None) -> None:
        self.settings = settings
        self._owns_pool = pool is None
        self.pool = pool or MongoDBConnectionPool.acquire(
            settings.connection_string, client=settings.client, **settings.pool_options
        )
        self.browser = SessionBrowser(self.pool, settings.database_name, settings.collection_name)
        self.store = SessionStore(
            self.pool,
            StoreSettings(
                database_name=settings.database_name, collection_name=settings.collection_name
            ),
        )
        """Only to put a message's out-of-line values back (exports)."""
        self.pipelines = Pipelines(self.browser.backend)
        self.catalog = FieldCatalog(self._discover_fields, settings.fields_cache_seconds)
        self._closed = False

    def close(self) -> None:
        """Release the pool if this object acquired it."""
        if not self._closed:
            self._closed = True
            if self._owns_pool:
                self.pool.release()

    def _collection(self) -> Any:
        # Only for viewer/perf.py's synthetic inserts until they move to a store gateway.
        return self.browser.collection()

    # ---------------------------------------------------------------- health

    async def health(self) -> Health:
        """Ping the database (bounded wait) and report the pool's figures."""
        started = time.perf_counter()
        error = await ping_error(self.browser, "viewer")
        latency = round((time.perf_counter() - started) * 1000, 2)
        stats = self.pool.get_pool_stats()
        return Health(
            status="ok" if error is None else "unavailable",
            database_reachable=error is None,
            latency_ms=latency if error is None else None,
            error=error,
            version=__version__,
            pool={
                "status": stats["status"],
                "users": stats["users"],
                "max_pool_size": stats["options"].get("maxPoolSize"),
                "commands": sum(stats["commands"].values()),
                "failed_commands": stats["failed_commands"],
            },
        )

    # ---------------------------------------------------------------- metadata fields

    async def fields(self) -> MetadataFields:
        """Filterable metadata fields (cached for ``fields_cache_seconds``)."""
        return await self.catalog.get()

    async def _discover_fields(self) -> MetadataFields:
        size = self.settings.fields_sample_size
        info, sample, names = await self.browser.field_sample_async(
            self.pipelines.fields_sample(size), "application_name"
        )
        metadata = [s["metadata"] for s in sample if isinstance(s.get("metadata"), Mapping)]
        fields = infer_fields(
            metadata, indexed_metadata_fields(info), tuple(self.settings.metadata_fields)
        )
        models = sorted({m for s in sample for m in (s.get("models") or []) if isinstance(m, str)})
        applications = sorted(n for n in names if isinstance(n, str))
        return MetadataFields(
            fields=fields,
            application_names=applications[:200],
            models=models[:200],
            sampled=len(sample),
            cached_seconds=self.settings.fields_cache_seconds,
        )

    async def known_fields(self, names: list[str]) -> dict[str, MetadataField]:
        """The catalog's fields; rediscovered once if ``names`` asks for one it lacks."""
        fields = {f.name: f for f in (await self.catalog.get()).fields}
        wanted = {n.split(":")[0] for n in names}
        if any(name not in fields for name in wanted) and self.catalog.age > REDISCOVER_SECONDS:
            # A field added since the last discovery should not need a minute's wait,
            # but a client repeating an unknown field must not trigger a discovery each time.
            self.catalog.invalidate()
            fields = {f.name: f for f in (await self.catalog.get()).fields}
        return fields

    # ---------------------------------------------------------------- search

    async def parse_search(
        self, search: SessionSearch, params: list[tuple[str, str]]
    ) -> SessionSearch:
        """Add the ``meta.*`` filters of ``params`` to ``search`` (validated)."""
        meta = [(k, v) for k, v in params if k.startswith("meta.")]
        if meta:
            fields = await self.known_fields([k[len("meta.") :] for k, _ in meta])
            search.meta = parse_meta_params(meta, fields)
        return search

    async def search(self, search: SessionSearch) -> SessionPage:
        """One page of sessions matching ``search``, with its total."""
        match = search.query()
        pipeline = self.pipelines.search(match, search.sort_spec(), search.offset, search.limit)
        # Both reads go out together: one round trip of latency.
        rows, total = await self.browser.page_async(match, pipeline)
        branches = first_page_branches(rows)
        if branches:  # an agent's first message is in its first page
            openers = await self.browser.aggregate_pages_async(
                self.pipelines.page_openers(branches)
            )
            rows = with_openers(rows, openers)
        return SessionPage(
            items=[row_from(raw) for raw in rows],
            total=total,
            offset=search.offset,
            limit=search.limit,
            sort=search.sort,
        )

    # ---------------------------------------------------------------- one session

    async def session(self, session_id: str) -> SessionDetail:
        """Header, agents (no messages), metadata, feedbacks and totals of one session."""
        validate_id(session_id, "session_id")
        raws = await self.browser.aggregate_async(self.pipelines.detail(session_id))
        if not raws:
            raise SessionNotFoundError(session_id)
        return detail_from(raws[0])

    async def timeline(
        self, session_id: str, cursor: str | None = None, limit: int | None = None
    ) -> TimelinePage:
        """One page of the session's merged timeline (see :mod:`.timeline`)."""
        validate_id(session_id, "session_id")
        position = Cursor.decode(cursor)
        size = limit or self.settings.timeline_page_size
        pipeline = self.pipelines.timeline(session_id, position.offsets, position.feedbacks, size)
        raws = await self.browser.aggregate_async(pipeline)
        if not raws:
            raise SessionNotFoundError(session_id)
        agents = [a for a in raws[0].get("agents") or [] if isinstance(a, Mapping)]
        branches = window_branches(session_id, agents, position.offsets, size)
        pages: list[dict[str, Any]] = []
        if branches and self.pipelines.slices_server_side:
            offsets = {
                str(a.get("key")): position.offsets.get(str(a.get("key")), 0) for a in agents
            }
            window = self.pipelines.page_window(branches, offsets, size)
            pages = by_first_id(await self.browser.aggregate_pages_async(window))
        elif branches:  # no computed $slice (mongomock): whole pages, cut here
            pages = await self.browser.pages_async({"$or": branches})
        return timeline_from(
            session_id,
            raws[0],
            position,
            size,
            sliced=self.pipelines.slices_server_side,
            max_inline_bytes=self.settings.max_inline_image_bytes,
            pages=pages,
        )

    async def metrics(self, session_id: str) -> SessionMetrics:
        """Usage and latency of every model call, in timeline order, per agent."""
        validate_id(session_id, "session_id")
        raws = await self.browser.aggregate_async(self.pipelines.metrics(session_id))
        if not raws:
            raise SessionNotFoundError(session_id)
        agents = [a for a in raws[0].get("agents") or [] if isinstance(a, Mapping)]
        branches = pages_branches(session_id, agents)
        pages = []
        if branches:
            calls = self.pipelines.page_calls(branches)
            pages = by_first_id(await self.browser.aggregate_pages_async(calls))
        return metrics_from(session_id, raws[0], pages)

    async def document(self, session_id: str) -> dict[str, Any]:
        """The session document with every message, for the export.

        One full read, plus one ``find`` of the visible pages when an agent has
        some: each agent's ``messages`` then holds its whole conversation.
        """
        validate_id(session_id, "session_id")
        raw = await self.browser.document_async(session_id)
        if raw is None:
            raise SessionNotFoundError(session_id)
        stored = raw.get("agents")
        agents = stored if isinstance(stored, dict) else {}
        keyed = [{**a, "key": k} for k, a in agents.items() if isinstance(a, Mapping)]
        branches = pages_branches(session_id, keyed)
        if branches:
            pages = await self.browser.pages_async({"$or": branches})
            for agent in keyed:
                paged = paged_count_of(agent)
                if paged:
                    older = committed(pages, agent, 0, paged)
                    recent = agent.get("messages")
                    whole = older + (recent if isinstance(recent, list) else [])
                    agents[agent["key"]] = {**agents[agent["key"]], "messages": whole}
        for agent in agents.values():
            if isinstance(agent, Mapping) and isinstance(agent.get("messages"), list):
                await self.resolve(session_id, agent["messages"])
        return raw

    async def header(self, session_id: str) -> dict[str, Any]:
        """The stored session document (recent messages only): a streamed export's start."""
        validate_id(session_id, "session_id")
        raw = await self.browser.document_async(session_id)
        if raw is None:
            raise SessionNotFoundError(session_id)
        return raw

    async def older_messages(
        self, session_id: str, agent: Mapping[str, Any], batch: int | None = None
    ) -> AsyncIterator[list[Any]]:
        """An agent's paged messages (ids below ``paged_count``), ``batch`` ids per read.

        ``agent``: the stored agent with its storage ``key`` (see :meth:`header`);
        ``batch``: :data:`EXPORT_BATCH` by default.
        """
        batch = batch or EXPORT_BATCH
        paged = paged_count_of(agent)
        for start in range(0, paged, batch):
            end = min(paged, start + batch)
            (branch,) = window_branches(
                session_id, [agent], {str(agent["key"]): start}, end - start
            )
            pages = await self.browser.pages_async(branch)
            found = committed(pages, agent, start, end)
            await self.resolve(session_id, found)
            yield found

    async def resolve(self, session_id: str, messages: list[Any]) -> None:
        """Put the out-of-line values of ``messages`` back, in place (one read if any has some)."""
        if any(isinstance(m, Mapping) and "blobs" in m for m in messages):
            await self.pool.call(self.store.resolve_values(session_id, messages))

    async def delete(self, session_id: str) -> bool:
        """Delete one session document. True if it existed."""
        validate_id(session_id, "session_id")
        return await self.browser.delete_async(session_id)
