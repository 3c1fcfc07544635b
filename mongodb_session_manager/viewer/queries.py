"""The viewer's query layer: every read runs on the store loop through the shared pool.

Each public method is a coroutine the API awaits; the database work itself
runs on the library's store loop (``await pool.call(...)``), so the web
server's event loop never waits on MongoDB.

Round trips (proved by ``tests/viewer/test_viewer_budget.py``):

* a result page: two reads sent concurrently (the page, the count);
* a session header: one read, no message array transferred;
* a timeline page: one read, ``limit`` messages at most per agent;
* the metrics: one read, usage and latency fields only;
* metadata fields: three reads once per cache period.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from mongodb_session_manager._version import __version__
from mongodb_session_manager.errors import SessionNotFoundError
from mongodb_session_manager.models import (
    SCHEMA_VERSION,
    MessageMetrics,
    MessageUsage,
    Totals,
    storage_key,
    validate_id,
)
from mongodb_session_manager.store.pool import MongoDBConnectionPool
from mongodb_session_manager.viewer.content import to_blocks
from mongodb_session_manager.viewer.fields import (
    FieldCatalog,
    indexed_metadata_fields,
    infer_fields,
)
from mongodb_session_manager.viewer.filters import SessionSearch, parse_meta_params
from mongodb_session_manager.viewer.pipelines import Pipelines
from mongodb_session_manager.viewer.schemas import (
    AgentBrief,
    AgentMetrics,
    AgentView,
    CallPoint,
    FeedbackView,
    GuardrailView,
    Health,
    MetadataField,
    MetadataFields,
    MultiAgentView,
    SessionDetail,
    SessionMetrics,
    SessionPage,
    SessionRow,
    TimelineFeedback,
    TimelineItem,
    TimelineMessage,
    TimelinePage,
)
from mongodb_session_manager.viewer.settings import ViewerSettings
from mongodb_session_manager.viewer.timeline import (
    AgentStream,
    Cursor,
    MergedItem,
    created,
    merge,
)
from mongodb_session_manager.web.health import ping_error

logger = logging.getLogger(__name__)

REDISCOVER_SECONDS = 5.0
"""An unknown metadata field triggers a new discovery at most this often."""
_UNLIMITED = 2**31 - 1


async def aggregate(collection: Any, pipeline: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Run a pipeline and return all its documents (PyMongo async and mongomock-motor)."""
    cursor = collection.aggregate(pipeline)
    if inspect.isawaitable(cursor):
        cursor = await cursor
    return await cursor.to_list(None)  # type: ignore[no-any-return]


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
        self.pipelines = Pipelines(mock=self.pool.is_mock)
        self.catalog = FieldCatalog(self._discover_fields, settings.fields_cache_seconds)
        self._closed = False

    def close(self) -> None:
        """Release the pool if this object acquired it."""
        if not self._closed:
            self._closed = True
            if self._owns_pool:
                self.pool.release()

    def _collection(self) -> Any:
        return self.pool.collection(self.settings.database_name, self.settings.collection_name)

    # ---------------------------------------------------------------- health

    async def health(self) -> Health:
        """Ping the database (bounded wait) and report the pool's figures."""
        started = time.perf_counter()
        error = await ping_error(self.pool, "viewer")
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
        return await self.pool.call(self._discover())

    async def _discover(self) -> MetadataFields:
        collection = self._collection()
        size = self.settings.fields_sample_size
        info, sample, names = await asyncio.gather(
            collection.index_information(),
            aggregate(collection, self.pipelines.fields_sample(size)),
            collection.distinct("application_name"),
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
        rows, total = await self.pool.call(self._search(search))
        return SessionPage(
            items=[row_from(raw) for raw in rows],
            total=total,
            offset=search.offset,
            limit=search.limit,
            sort=search.sort,
        )

    async def _search(self, search: SessionSearch) -> tuple[list[dict[str, Any]], int]:
        collection = self._collection()
        match = search.query()
        pipeline = self.pipelines.search(match, search.sort_spec(), search.offset, search.limit)
        # Both reads go out together: one round trip of latency.
        count = (
            collection.count_documents(match) if match else collection.estimated_document_count()
        )
        rows, total = await asyncio.gather(aggregate(collection, pipeline), count)
        return rows, int(total)

    # ---------------------------------------------------------------- one session

    async def session(self, session_id: str) -> SessionDetail:
        """Header, agents (no messages), metadata, feedbacks and totals of one session."""
        validate_id(session_id, "session_id")
        raws = await self.pool.call(self._aggregate(self.pipelines.detail(session_id)))
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
        raws = await self.pool.call(self._aggregate(pipeline))
        if not raws:
            raise SessionNotFoundError(session_id)
        raw = raws[0]
        sliced = self.pipelines.slices_server_side
        streams = [
            _stream(agent, position.offsets.get(str(agent.get("key")), 0), size, sliced)
            for agent in _list(raw.get("agents"))
            if isinstance(agent, Mapping) and isinstance(agent.get("agent_id"), str)
        ]
        feedback_total = int(raw.get("feedback_count") or 0)
        feedbacks = _list(raw.get("feedbacks"))
        if not sliced:
            feedbacks = feedbacks[position.feedbacks : position.feedbacks + size]
        merged = merge(streams, feedbacks, position.feedbacks, feedback_total, size)
        items = [self._item(item) for item in merged.items]
        total = sum(s.message_count for s in streams) + feedback_total
        done = merged.done or not items
        return TimelinePage(
            session_id=session_id,
            items=items,
            total=total,
            next_cursor=None if done else merged.cursor.encode(),
        )

    def _item(self, item: MergedItem) -> TimelineItem:
        if item.stream is None:
            return TimelineFeedback.model_validate(feedback_dict(item.raw, item.index))
        return message_from(
            item.stream.agent_id, item.raw, item.index, self.settings.max_inline_image_bytes
        )

    async def metrics(self, session_id: str) -> SessionMetrics:
        """Usage and latency of every model call, in timeline order, per agent."""
        validate_id(session_id, "session_id")
        raws = await self.pool.call(self._aggregate(self.pipelines.metrics(session_id)))
        if not raws:
            raise SessionNotFoundError(session_id)
        raw = raws[0]
        agents = [a for a in _list(raw.get("agents")) if isinstance(a, Mapping)]
        agents = [a for a in agents if isinstance(a.get("agent_id"), str)]
        streams = [
            AgentStream(
                key=storage_key(a["agent_id"]),
                agent_id=a["agent_id"],
                offset=0,
                message_count=len(_list(a.get("calls"))),
                messages=[c if isinstance(c, Mapping) else {} for c in _list(a.get("calls"))],
            )
            for a in agents
        ]
        merged = merge(streams, [], 0, 0, _UNLIMITED)
        calls: list[CallPoint] = []
        for item in merged.items:
            call = item.raw
            if item.stream is None or (
                not isinstance(call.get("usage"), Mapping)
                and not isinstance(call.get("metrics"), Mapping)
            ):
                continue  # user and tool-result messages made no model call
            calls.append(
                CallPoint(
                    seq=len(calls),
                    agent_id=item.stream.agent_id,
                    message_id=item.index,
                    created_at=_date(call.get("created_at")),
                    usage=_model(MessageUsage, call.get("usage")) or MessageUsage(),
                    metrics=_model(MessageMetrics, call.get("metrics")) or MessageMetrics(),
                )
            )
        return SessionMetrics(
            session_id=session_id,
            totals=_model(Totals, raw.get("totals")) or Totals(),
            agents=[
                AgentMetrics(
                    agent_id=a["agent_id"],
                    model=_str(a.get("model")),
                    totals=_model(Totals, a.get("totals")) or Totals(),
                )
                for a in sorted(agents, key=lambda a: str(a["agent_id"]))
            ],
            calls=calls,
        )

    async def document(self, session_id: str) -> dict[str, Any]:
        """The stored session document, for the export (one full read)."""
        validate_id(session_id, "session_id")
        raw = await self.pool.call(self._find_one(session_id))
        if raw is None:
            raise SessionNotFoundError(session_id)
        return raw

    async def delete(self, session_id: str) -> bool:
        """Delete one session document. True if it existed."""
        validate_id(session_id, "session_id")
        return await self.pool.call(self._delete_one(session_id))

    # The collection is resolved inside these coroutines, i.e. on the store loop's thread.

    async def _aggregate(self, pipeline: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return await aggregate(self._collection(), pipeline)

    async def _find_one(self, session_id: str) -> dict[str, Any] | None:
        return await self._collection().find_one({"_id": session_id})  # type: ignore[no-any-return]

    async def _delete_one(self, session_id: str) -> bool:
        result = await self._collection().delete_one({"_id": session_id})
        return bool(result.deleted_count)


# -------------------------------------------------------------------- raw -> models
# Stored documents are read leniently: a malformed field degrades to its default
# instead of failing a whole page (documents may come from other writers).


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _dict(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, Mapping) else {}


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _date(value: Any) -> datetime | None:
    return value if isinstance(value, datetime) else None


def _model(cls: Any, value: Any) -> Any:
    if not isinstance(value, Mapping):
        return None
    try:
        return cls.model_validate(value)
    except ValidationError:
        logger.warning("viewer.read.lenient | model=%s", cls.__name__)
        return None


def _stream(agent: Mapping[str, Any], offset: int, limit: int, sliced: bool) -> AgentStream:
    messages = _list(agent.get("messages"))
    if not sliced:
        messages = messages[offset : offset + limit]
    messages = [m for m in messages if isinstance(m, Mapping)]
    count = max(_int(agent.get("message_count")), offset)
    if len(messages) < limit:
        count = offset + len(messages)  # the array ended inside this slice: exact count
    return AgentStream(
        key=str(agent.get("key")),
        agent_id=str(agent["agent_id"]),
        offset=offset,
        message_count=count,
        messages=messages,
    )


def row_from(raw: Mapping[str, Any]) -> SessionRow:
    """A result row from the search pipeline's output."""
    agents = [a for a in _list(raw.get("agents")) if isinstance(a, Mapping)]
    briefs = [
        AgentBrief(
            agent_id=str(a.get("agent_id")),
            model=_str(a.get("model")),
            message_count=_int(a.get("message_count")),
        )
        for a in agents
        if a.get("agent_id") is not None
    ]
    openers = [a for a in agents if isinstance(a.get("first_at"), datetime)]
    opener = min(
        openers,
        key=lambda a: (created({"created_at": a["first_at"]}), str(a.get("agent_id"))),
        default=None,
    )
    totals = _model(Totals, raw.get("totals")) or Totals()
    return SessionRow(
        session_id=str(raw.get("session_id") or raw.get("_id")),
        application_name=_str(raw.get("application_name")),
        session_type=_str(raw.get("session_type")),
        schema_version=_int(raw.get("schema_version")) or None,
        created_at=_date(raw.get("created_at")),
        updated_at=_date(raw.get("updated_at")),
        metadata=_dict(raw.get("metadata")),
        totals=totals,
        agent_count=len(briefs),
        message_count=totals.messages or sum(b.message_count for b in briefs),
        feedback_count=_int(raw.get("feedback_count")),
        feedback_up=_int(raw.get("feedback_up")),
        feedback_down=_int(raw.get("feedback_down")),
        guardrail_count=_int(raw.get("guardrail_count")),
        size_bytes=_int(raw.get("size_bytes")) or None,
        agents=sorted(briefs, key=lambda b: b.agent_id),
        preview=str(opener.get("preview") or "") if opener else "",
        preview_redacted=bool(opener.get("redacted")) if opener else False,
    )


def feedback_dict(raw: Mapping[str, Any], index: int) -> dict[str, Any]:
    """A stored feedback as the fields of :class:`FeedbackView` (odd values dropped)."""
    rating = raw.get("rating")
    message_id = raw.get("message_id")
    return {
        "index": index,
        "rating": rating if rating in ("up", "down") else None,
        "comment": str(raw.get("comment") or ""),
        "agent_id": _str(raw.get("agent_id")),
        "message_id": message_id if _int(message_id) or message_id == 0 else None,
        "created_at": _date(raw.get("created_at")) or created({}),
    }


def detail_from(raw: Mapping[str, Any]) -> SessionDetail:
    """The session header from the detail pipeline (or a full document minus messages)."""
    agents: list[AgentView] = []
    for agent in _list(raw.get("agents")):
        if not isinstance(agent, Mapping) or not isinstance(agent.get("agent_id"), str):
            continue
        view = _model(AgentView, {k: v for k, v in agent.items() if v is not None})
        agents.append(view or AgentView(agent_id=agent["agent_id"]))
    agents.sort(key=lambda a: (created({"created_at": a.created_at}), a.agent_id))
    multi = [
        MultiAgentView(
            multi_agent_id=str(m.get("multi_agent_id")),
            created_at=_date(m.get("created_at")),
            updated_at=_date(m.get("updated_at")),
        )
        for m in _list(raw.get("multi_agents"))
        if isinstance(m, Mapping) and m.get("multi_agent_id") is not None
    ]
    feedbacks = [
        FeedbackView.model_validate(feedback_dict(f, i))
        for i, f in enumerate(_list(raw.get("feedbacks")))
        if isinstance(f, Mapping)
    ]
    version = _int(raw.get("schema_version")) or None
    return SessionDetail(
        session_id=str(raw.get("session_id") or raw.get("_id")),
        application_name=_str(raw.get("application_name")),
        session_type=_str(raw.get("session_type")),
        schema_version=version,
        schema_current=version == SCHEMA_VERSION,
        created_at=_date(raw.get("created_at")),
        updated_at=_date(raw.get("updated_at")),
        metadata=_dict(raw.get("metadata")),
        totals=_model(Totals, raw.get("totals")) or Totals(),
        size_bytes=_int(raw.get("size_bytes")) or None,
        agents=agents,
        multi_agents=multi,
        feedbacks=feedbacks,
        guardrail_count=_int(raw.get("guardrail_count")),
    )


def guardrail_from(raw: Any) -> GuardrailView | None:
    """A message's ``guardrail_event`` for display; odd shapes show what is readable."""
    if not isinstance(raw, Mapping):
        return None
    policies = {
        str(name): [str(label) for label in _list(labels)]
        for name, labels in _dict(raw.get("policies_triggered")).items()
    }
    return GuardrailView(
        action=_str(raw.get("action")) or "BLOCKED",
        timestamp=_date(raw.get("timestamp")),
        stop_reason=_str(raw.get("stop_reason")),
        policies_triggered=policies,
    )


def message_from(
    agent_id: str, raw: Mapping[str, Any], position: int, max_inline_bytes: int
) -> TimelineMessage:
    """A stored message for the timeline; a redacted one shows its redaction only."""
    redact = raw.get("redact_message")
    redacted = isinstance(redact, Mapping)
    shown: Mapping[str, Any] = redact if isinstance(redact, Mapping) else raw
    metadata = _dict(raw.get("metadata"))
    message_id = raw.get("message_id")
    return TimelineMessage(
        agent_id=agent_id,
        message_id=message_id if isinstance(message_id, int) and message_id >= 0 else position,
        role=str(shown.get("role") or raw.get("role") or "unknown"),
        created_at=_date(raw.get("created_at")),
        redacted=redacted,
        blocks=to_blocks(shown.get("content"), max_inline_bytes),
        usage=_model(MessageUsage, metadata.get("usage")),
        metrics=_model(MessageMetrics, metadata.get("metrics")),
        tracking_id=_str(raw.get("tracking_id")),
        guardrail=guardrail_from(raw.get("guardrail_event")),
    )
