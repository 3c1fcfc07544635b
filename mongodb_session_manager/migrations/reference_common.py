"""What both directions of the reference-layout conversion share: values, sizes, totals.

Dates, objects and sizes as the forward (:mod:`.reference_forward`) and backward
(:mod:`.reference_backward`) conversions read and write them, the field names of
our layout, and the totals an agent's messages add up to.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any

import bson
from bson.errors import InvalidDocument

from mongodb_session_manager.errors import DocumentConversionError
from mongodb_session_manager.models import (
    AgentRecord,
    MessageRecord,
    SessionRecord,
    ToolTotals,
    Totals,
    UsageCounts,
    as_utc,
    storage_key,
)
from mongodb_session_manager.models.tool_usage import count_tool_results

__all__ = [
    "AGENT_RECORD_KEYS",
    "DERIVED_SESSION_KEYS",
    "OUR_AGENT_FIELDS",
    "OUR_MESSAGE_FIELDS",
    "OUR_SESSION_FIELDS",
    "add_totals",
    "as_object",
    "encoded_size",
    "finalize_size",
    "first_date",
    "holds_agents",
    "iter_legacy_agents",
    "message_totals",
    "state_bytes",
    "to_utc",
    "truncate_ms",
]

_MAX_NESTING = 32
"""How deep agent records are searched for (dotted agent ids nest one level per dot)."""

AGENT_RECORD_KEYS = frozenset({"agent_data", "messages", "created_at", "updated_at"})
"""The fields of a reference agent record (anything else beside them is carried over)."""
DERIVED_SESSION_KEYS = frozenset({"totals", "size_bytes", "legacy_feedbacks", "legacy"})
"""Fields of our layout that the forward conversion recomputes (never carried over)."""
OUR_AGENT_FIELDS = frozenset(AgentRecord.model_fields) | {"legacy"}
OUR_MESSAGE_FIELDS = frozenset(MessageRecord.model_fields) | {"legacy"}
OUR_SESSION_FIELDS = frozenset(SessionRecord.model_fields) | {"_id"} | DERIVED_SESSION_KEYS


# ----------------------------------------------------------------------------- values


def to_utc(value: Any) -> datetime | None:
    """A stored date (BSON date, naive or aware, or ISO string) as aware UTC; else ``None``."""
    if isinstance(value, datetime):
        return as_utc(value)
    if isinstance(value, str) and value:
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            return as_utc(datetime.fromisoformat(text))
        except ValueError:
            return None
    return None


def truncate_ms(value: datetime) -> datetime:
    """BSON dates keep milliseconds; compare and store at that precision."""
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def first_date(*candidates: Any, default: datetime) -> datetime:
    """The first of ``candidates`` that is a date (at BSON precision), else ``default``."""
    for candidate in candidates:
        parsed = to_utc(candidate)
        if parsed is not None:
            return truncate_ms(parsed)
    return default


def as_object(value: Any, what: str) -> dict[str, Any]:
    """``value`` as a ``dict`` (``None``: empty); anything but an object is refused."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise DocumentConversionError(f"{what} is a {type(value).__name__}, not an object")
    return dict(value)


def encoded_size(document: Mapping[str, Any], what: str) -> int:
    """The BSON size of ``document``; a value BSON cannot hold is a conversion error."""
    try:
        return len(bson.encode(document))
    except (InvalidDocument, TypeError, OverflowError) as exc:
        raise DocumentConversionError(f"{what} cannot be encoded as BSON: {exc}") from exc


def state_bytes(agent: Mapping[str, Any]) -> int:
    """Encoded size of an agent's state fields, as the repository computes it."""
    fields = {
        "state": agent.get("state") or {},
        "conversation_manager_state": agent.get("conversation_manager_state") or {},
        "internal_state": agent.get("internal_state") or {},
    }
    return encoded_size(fields, f"state of agent {agent.get('agent_id')!r}")


def finalize_size(document: dict[str, Any]) -> dict[str, Any]:
    """Set ``size_bytes`` to the document's encoded size (an int32 either way: exact)."""
    document["size_bytes"] = 0
    document["size_bytes"] = encoded_size(document, f"session {document.get('_id')!r}")
    return document


# ----------------------------------------------------------------------------- agents


def _is_agent_record(value: Any) -> bool:
    # ``messages`` alone: the reference could push a message before creating the agent.
    return isinstance(value, Mapping) and ("agent_data" in value or "messages" in value)


def holds_agents(value: Any, depth: int = 0) -> bool:
    """Whether ``value`` is an agent record or holds one (at most ``_MAX_NESTING`` deep)."""
    if not isinstance(value, Mapping) or depth > _MAX_NESTING:
        return False
    return _is_agent_record(value) or any(holds_agents(v, depth + 1) for v in value.values())


def iter_legacy_agents(
    agents: Any, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], dict[str, Any]]]:
    """Every agent record under ``agents`` with its key path.

    Raises :class:`DocumentConversionError` for anything under ``agents`` that is
    neither an agent record nor leads to one, so nothing is silently dropped.
    """
    if len(path) > _MAX_NESTING:
        raise DocumentConversionError(f"agents nested deeper than {_MAX_NESTING} levels")
    if agents is None:
        return
    if not isinstance(agents, Mapping):
        raise DocumentConversionError(f"agents.{'.'.join(path)} is not an object")
    for key, value in agents.items():
        here = (*path, str(key))
        if _is_agent_record(value):
            yield here, dict(value)
            # A dotted id nests inside another agent's record (agents.a.b -> a: {b: ...}).
            children = {
                k: v for k, v in value.items() if k not in AGENT_RECORD_KEYS and holds_agents(v)
            }
            yield from iter_legacy_agents(children, here)
        elif holds_agents(value):
            yield from iter_legacy_agents(value, here)
        else:
            raise DocumentConversionError(
                f"agents.{'.'.join(here)} is neither an agent record nor holds one"
            )


# ----------------------------------------------------------------------------- totals


def message_totals(messages: list[dict[str, Any]]) -> Totals:
    """An agent's totals as the library would have counted its messages one by one.

    Token and latency counters come from each message's per-call figures; tool
    counters from :func:`count_tool_results`.
    """
    totals = Totals()
    for message in messages:
        for key, value in Totals.increments(message.get("metadata")).items():
            setattr(totals, key, getattr(totals, key) + value)
    counts, _ = count_tool_results(messages)
    for name, stats in counts.items():
        totals.tools[storage_key(name)] = stats
    return totals


def add_totals(parts: Iterable[Totals]) -> Totals:
    """The sum of several totals (a session's from its agents')."""
    total = Totals()
    for part in parts:
        for name in UsageCounts.model_fields:
            setattr(total, name, getattr(total, name) + getattr(part, name))
        for key, stats in part.tools.items():
            into = total.tools.setdefault(key, ToolTotals(name=stats.name))
            for counter in ("calls", "successes", "errors", "time_ms"):
                setattr(into, counter, getattr(into, counter) + getattr(stats, counter))
    return total
