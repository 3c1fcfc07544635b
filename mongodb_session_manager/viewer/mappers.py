"""Raw session documents (as the viewer's pipelines return them) -> API schemas.

Stored documents are read leniently: a malformed field degrades to its default
instead of failing a whole page (documents may come from other writers). Nothing
here reads the database; :mod:`.queries` fetches, these functions shape.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from mongodb_session_manager.models import (
    SCHEMA_VERSION,
    MessageMetrics,
    MessageUsage,
    Totals,
    storage_key,
)
from mongodb_session_manager.models.content import to_blocks
from mongodb_session_manager.viewer.out_of_line import shown_links
from mongodb_session_manager.viewer.paging import committed, paged_count_of
from mongodb_session_manager.viewer.schemas import (
    AgentBrief,
    AgentMetricsView,
    AgentView,
    CallPoint,
    FeedbackView,
    GuardrailView,
    MultiAgentView,
    SessionDetail,
    SessionMetrics,
    SessionRow,
    TimelineFeedback,
    TimelineItem,
    TimelineMessage,
    TimelinePage,
)
from mongodb_session_manager.viewer.timeline import AgentStream, Cursor, MergedItem, created, merge

__all__ = [
    "detail_from",
    "feedback_dict",
    "guardrail_from",
    "message_from",
    "metrics_from",
    "row_from",
    "stream_from",
    "timeline_from",
    "timeline_item",
]

logger = logging.getLogger(__name__)

_UNLIMITED = 2**31 - 1


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


def stream_from(
    agent: Mapping[str, Any],
    offset: int,
    limit: int,
    sliced: bool,
    pages: Sequence[Mapping[str, Any]] = (),
) -> AgentStream:
    """One agent's timeline slice: ids ``offset`` on, at most ``limit`` of them.

    Ids below the agent's ``paged_count`` come from ``pages`` (see
    :func:`.paging.committed`), the others from its recent ``messages`` (position
    ``id - paged_count``), already sliced by the server unless ``sliced`` is false.
    """
    paged = paged_count_of(agent)
    recent = _list(agent.get("messages"))
    if not sliced:
        start = max(0, offset - paged)
        recent = recent[start : start + limit]
    messages = recent
    if offset < paged:
        end = min(paged, offset + limit)
        older = committed(pages, agent, offset, end)
        # A missing page ends the slice there: later ids are never shifted into it.
        messages = older + recent if len(older) == end - offset else older
    messages = [m for m in messages if isinstance(m, Mapping)][:limit]
    count = max(_int(agent.get("message_count")), offset)
    if len(messages) < limit:
        count = offset + len(messages)  # the messages ended inside this slice: exact count
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
    # Stable: agents created within one millisecond keep their stored (creation) order.
    agents.sort(key=lambda a: created({"created_at": a.created_at}))
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
    agent_id: str,
    raw: Mapping[str, Any],
    position: int,
    max_inline_bytes: int,
    session_id: str | None = None,
) -> TimelineMessage:
    """A stored message for the timeline; a redacted one shows its redaction only.

    With ``session_id``, values the message keeps out of line (its ``blobs``) show as
    download links (``blob_url``) on the blocks that hold them and in ``blobs``;
    only those of the content shown (a redaction's, for a redacted message).
    """
    redact = raw.get("redact_message")
    redacted = isinstance(redact, Mapping)
    shown: Mapping[str, Any] = redact if isinstance(redact, Mapping) else raw
    metadata = _dict(raw.get("metadata"))
    message_id = raw.get("message_id")
    links, by_path = shown_links(session_id, raw, redacted)
    return TimelineMessage(
        agent_id=agent_id,
        message_id=message_id if isinstance(message_id, int) and message_id >= 0 else position,
        role=str(shown.get("role") or raw.get("role") or "unknown"),
        created_at=_date(raw.get("created_at")),
        redacted=redacted,
        blocks=to_blocks(shown.get("content"), max_inline_bytes, by_path),
        blobs=links,
        usage=_model(MessageUsage, metadata.get("usage")),
        metrics=_model(MessageMetrics, metadata.get("metrics")),
        tracking_id=_str(raw.get("tracking_id")),
        guardrail=guardrail_from(raw.get("guardrail_event")),
    )


def timeline_item(
    item: MergedItem, max_inline_bytes: int, session_id: str | None = None
) -> TimelineItem:
    """A merged timeline entry as the API shows it (a message or a feedback)."""
    if item.stream is None:
        return TimelineFeedback.model_validate(feedback_dict(item.raw, item.index))
    return message_from(item.stream.agent_id, item.raw, item.index, max_inline_bytes, session_id)


def _call_point(seq: int, item: MergedItem) -> CallPoint | None:
    call = item.raw
    if item.stream is None or (
        not isinstance(call.get("usage"), Mapping) and not isinstance(call.get("metrics"), Mapping)
    ):
        return None  # user and tool-result messages made no model call
    return CallPoint(
        seq=seq,
        agent_id=item.stream.agent_id,
        message_id=item.index,
        created_at=_date(call.get("created_at")),
        usage=_model(MessageUsage, call.get("usage")) or MessageUsage(),
        metrics=_model(MessageMetrics, call.get("metrics")) or MessageMetrics(),
    )


def _all_calls(agent: Mapping[str, Any], pages: Sequence[Mapping[str, Any]]) -> list[Any]:
    """An agent's calls: those of its pages (ids below ``paged_count``), then the recent ones."""
    paged = paged_count_of(agent)
    older = committed(pages, agent, 0, paged) if paged else []
    older += [{}] * (paged - len(older))  # a missing page shows no calls, shifts no ids
    recent = _list(agent.get("calls"))
    return [c if isinstance(c, Mapping) else {} for c in older + recent]


def metrics_from(
    session_id: str, raw: Mapping[str, Any], pages: Sequence[Mapping[str, Any]] = ()
) -> SessionMetrics:
    """The metrics pipeline's output as per-call points in timeline order, per agent.

    ``pages``: the :meth:`.Pipelines.page_calls` output for agents with pages.
    """
    agents = [a for a in _list(raw.get("agents")) if isinstance(a, Mapping)]
    agents = [a for a in agents if isinstance(a.get("agent_id"), str)]
    streams = []
    for a in agents:
        stored = _all_calls({"key": storage_key(a["agent_id"]), **a}, pages)
        streams.append(
            AgentStream(
                key=storage_key(a["agent_id"]),
                agent_id=a["agent_id"],
                offset=0,
                message_count=len(stored),
                messages=stored,
            )
        )
    calls: list[CallPoint] = []
    for item in merge(streams, [], 0, 0, _UNLIMITED).items:
        point = _call_point(len(calls), item)
        if point is not None:
            calls.append(point)
    return SessionMetrics(
        session_id=session_id,
        totals=_model(Totals, raw.get("totals")) or Totals(),
        agents=[
            AgentMetricsView(
                agent_id=a["agent_id"],
                model=_str(a.get("model")),
                totals=_model(Totals, a.get("totals")) or Totals(),
            )
            for a in sorted(agents, key=lambda a: str(a["agent_id"]))
        ],
        calls=calls,
    )


def timeline_from(
    session_id: str,
    raw: Mapping[str, Any],
    position: Cursor,
    size: int,
    *,
    sliced: bool,
    max_inline_bytes: int,
    pages: Sequence[Mapping[str, Any]] = (),
) -> TimelinePage:
    """The timeline pipeline's output as one merged page from ``position``.

    ``sliced``: whether the server already cut each array to the page (else it is cut here).
    ``pages``: the pages the agents' ids below ``paged_count`` need (one read for all).
    """
    streams = [
        stream_from(agent, position.offsets.get(str(agent.get("key")), 0), size, sliced, pages)
        for agent in _list(raw.get("agents"))
        if isinstance(agent, Mapping) and isinstance(agent.get("agent_id"), str)
    ]
    feedback_total = int(raw.get("feedback_count") or 0)
    feedbacks = _list(raw.get("feedbacks"))
    if not sliced:
        feedbacks = feedbacks[position.feedbacks : position.feedbacks + size]
    merged = merge(streams, feedbacks, position.feedbacks, feedback_total, size)
    items = [timeline_item(item, max_inline_bytes, session_id) for item in merged.items]
    total = sum(s.message_count for s in streams) + feedback_total
    done = merged.done or not items
    return TimelinePage(
        session_id=session_id,
        items=items,
        total=total,
        next_cursor=None if done else merged.cursor.encode(),
    )
