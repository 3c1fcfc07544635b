"""The reference implementation's session layout, converted to ours and back.

Reference layout (schema version 0: no ``schema_version`` field)::

    {_id: session_id, session_id, session_type, created_at, updated_at, application_name,
     metadata: {}, feedbacks: [{rating, comment, created_at}], guardrail_events: [],
     agents: {<agent_id>: {agent_data: {agent_id, state, conversation_manager_state,
                                        _internal_state, created_at, updated_at, model,
                                        system_prompt, prompt_metadata},
                           messages: [{message: {role, content}, message_id, redact_message,
                                       created_at, updated_at, event_loop_metrics?}],
                           created_at, updated_at}}}

Our layout (schema version 1) is described in ``docs/architecture.md``. The pure
functions here do the conversion; the runner (:mod:`.runner`) reads, writes,
batches and resumes.

What the forward conversion does, and why:

* agents are found wherever ``agent_data`` is: the reference wrote agent ids into
  update paths unchecked, so an id with a ``.`` ended up nested
  (``agents.a.b`` -> ``{"a": {"b": {...}}}``); keys become :func:`storage_key` of
  the real id;
* messages are ordered by their stored ``message_id`` (stable, so the array order
  decides between duplicates two concurrent writers left) and renumbered so that
  ``message_id`` equals the array index; a changed id is kept in ``legacy.message_id``;
* cumulative ``event_loop_metrics`` become per-message figures
  (:mod:`.cumulative_metrics`); the original is kept in ``legacy.event_loop_metrics``;
* dates (BSON dates, naive in the reference's Python, or ISO strings) become aware UTC;
* counters and sizes (``message_count``, ``totals``, ``state_bytes``, ``size_bytes``)
  are computed from the data;
* feedback our model refuses (an unknown rating, an over-long comment) is kept
  verbatim in ``legacy_feedbacks`` rather than dropped or altered;
* unknown fields (``guardrail_events``...) are kept as they are;
* a plain-text ``session_viewer_password`` becomes a scrypt verifier in
  ``viewer_access.legacy`` (the password still opens the session in the viewer)
  and the plain text is dropped: the backward conversion cannot restore it.

The backward conversion rebuilds the reference layout from those fields, so
forward -> backward gives back the original document (dates as BSON dates).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any

import bson
from bson.errors import InvalidDocument
from pydantic import ValidationError

from mongodb_session_manager.errors import DocumentConversionError, InvalidIdentifierError
from mongodb_session_manager.features.metrics import UNKNOWN_TOOL, tool_uses_of
from mongodb_session_manager.features.viewer_password import LEGACY_FIELD as LEGACY_PASSWORD_FIELD
from mongodb_session_manager.features.viewer_password import legacy_verifier, new_viewer_access
from mongodb_session_manager.migrations import cumulative_metrics as cm
from mongodb_session_manager.models import (
    AgentRecord,
    Feedback,
    MessageRecord,
    SessionRecord,
    ToolTotals,
    Totals,
    UsageCounts,
    as_utc,
    storage_key,
    utcnow,
    validate_id,
)

_MAX_NESTING = 32
"""How deep agent records are searched for (dotted agent ids nest one level per dot)."""

_SESSION_KEYS = frozenset(
    {
        "_id",
        "session_id",
        "session_type",
        "created_at",
        "updated_at",
        "application_name",
        "metadata",
        "feedbacks",
        "agents",
        "schema_version",
    }
)
_DERIVED_SESSION_KEYS = frozenset({"totals", "size_bytes", "legacy_feedbacks", "legacy"})
"""Fields of our layout that the forward conversion recomputes (never carried over)."""

_AGENT_DATA_KEYS = frozenset(
    {
        "agent_id",
        "state",
        "conversation_manager_state",
        "_internal_state",
        "internal_state",
        "created_at",
        "updated_at",
        "model",
        "system_prompt",
        "prompt_metadata",
    }
)
_AGENT_RECORD_KEYS = frozenset({"agent_data", "messages", "created_at", "updated_at"})
_MESSAGE_KEYS = frozenset(
    {"message", "message_id", "redact_message", "created_at", "updated_at", "event_loop_metrics"}
)
_STRANDS_MESSAGE_KEYS = frozenset({"role", "content", "tracking_id", "metadata"})
_FEEDBACK_KEYS = frozenset({"rating", "comment", "created_at"})

_OUR_AGENT_FIELDS = frozenset(AgentRecord.model_fields) | {"legacy"}
_OUR_MESSAGE_FIELDS = frozenset(MessageRecord.model_fields) | {"legacy"}
_OUR_SESSION_FIELDS = frozenset(SessionRecord.model_fields) | {"_id"} | _DERIVED_SESSION_KEYS


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


def _truncate_ms(value: datetime) -> datetime:
    """BSON dates keep milliseconds; compare and store at that precision."""
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def _date(*candidates: Any, default: datetime) -> datetime:
    for candidate in candidates:
        parsed = to_utc(candidate)
        if parsed is not None:
            return _truncate_ms(parsed)
    return default


def _dict(value: Any, what: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise DocumentConversionError(f"{what} is a {type(value).__name__}, not an object")
    return dict(value)


def _encoded_size(document: Mapping[str, Any], what: str) -> int:
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
    return _encoded_size(fields, f"state of agent {agent.get('agent_id')!r}")


def finalize_size(document: dict[str, Any]) -> dict[str, Any]:
    """Set ``size_bytes`` to the document's encoded size (an int32 either way: exact)."""
    document["size_bytes"] = 0
    document["size_bytes"] = _encoded_size(document, f"session {document.get('_id')!r}")
    return document


def message_totals(messages: list[dict[str, Any]]) -> Totals:
    """An agent's totals as the library would have counted its messages one by one.

    Token and latency counters come from each message's per-call figures; tool
    counters from ``toolResult`` blocks matched by ``toolUseId`` to the tool use of
    the previous assistant message (``time_ms`` is unknown for imported history: 0).
    """
    totals = Totals()
    pending: dict[str, str] = {}
    for message in messages:
        for key, value in Totals.increments(message.get("metadata")).items():
            setattr(totals, key, getattr(totals, key) + value)
        uses = tool_uses_of(message)
        if uses:
            pending = uses
        for block in message.get("content") or []:
            result = block.get("toolResult") if isinstance(block, Mapping) else None
            if not isinstance(result, Mapping):
                continue
            name = pending.pop(str(result.get("toolUseId")), UNKNOWN_TOOL)
            stats = totals.tools.setdefault(storage_key(name), ToolTotals(name=name))
            stats.calls += 1
            if result.get("status") == "error":
                stats.errors += 1
            else:
                stats.successes += 1
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


# ----------------------------------------------------------------------------- agents


def _is_agent_record(value: Any) -> bool:
    # ``messages`` alone: the reference could push a message before creating the agent.
    return isinstance(value, Mapping) and ("agent_data" in value or "messages" in value)


def _holds_agents(value: Any, depth: int = 0) -> bool:
    if not isinstance(value, Mapping) or depth > _MAX_NESTING:
        return False
    return _is_agent_record(value) or any(_holds_agents(v, depth + 1) for v in value.values())


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
                k: v for k, v in value.items() if k not in _AGENT_RECORD_KEYS and _holds_agents(v)
            }
            yield from iter_legacy_agents(children, here)
        elif _holds_agents(value):
            yield from iter_legacy_agents(value, here)
        else:
            raise DocumentConversionError(
                f"agents.{'.'.join(here)} is neither an agent record nor holds one"
            )


# ----------------------------------------------------------------------------- forward


def _feedbacks_forward(
    raw: Any, default_date: datetime
) -> tuple[list[dict[str, Any]], list[Any], dict[str, list[int]]]:
    """Feedback our model accepts, the rest verbatim (with its position), comment quirks."""
    if raw is None:
        return [], [], {}
    if not isinstance(raw, list):
        raise DocumentConversionError(f"feedbacks is a {type(raw).__name__}, not an array")
    kept: list[dict[str, Any]] = []
    refused: list[Any] = []
    quirks: dict[str, list[int]] = {}
    for index, item in enumerate(raw):
        if isinstance(item, Mapping) and set(item) <= _FEEDBACK_KEYS | {"agent_id", "message_id"}:
            candidate = dict(item)
            if candidate.get("comment") is None:
                # Our model stores "" for "no comment"; remember which way it was absent.
                quirk = "comment_none" if "comment" in candidate else "comment_missing"
                quirks.setdefault(quirk, []).append(len(kept))
                candidate["comment"] = ""
            candidate["created_at"] = _date(item.get("created_at"), default=default_date)
            try:
                kept.append(Feedback.model_validate(candidate).model_dump())
                continue
            except ValidationError:
                for positions in quirks.values():
                    if positions and positions[-1] == len(kept):
                        positions.pop()
        refused.append({"index": index, "feedback": item})
    return kept, refused, {k: v for k, v in quirks.items() if v}


def _message_forward(
    raw: Any, index: int, series: cm.CumulativeSeries, default_date: datetime
) -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        raise DocumentConversionError(f"message {index} is a {type(raw).__name__}")
    message = raw.get("message")
    if not isinstance(message, Mapping):
        raise DocumentConversionError(f"message {index} has no 'message' object")
    content = message.get("content")
    if not isinstance(content, list) or not all(isinstance(b, Mapping) for b in content):
        raise DocumentConversionError(f"message {index} content is not a list of blocks")
    role = message.get("role")
    created = _date(raw.get("created_at"), default=default_date)
    out: dict[str, Any] = {
        "message_id": index,
        "role": role,
        "content": [dict(block) for block in content],
        "created_at": created,
        "updated_at": _date(raw.get("updated_at"), default=created),
    }
    if message.get("tracking_id") is not None:
        out["tracking_id"] = message["tracking_id"]
    own_metadata = message.get("metadata")
    if own_metadata is not None:
        out["metadata"] = own_metadata
    extra = {k: v for k, v in message.items() if k not in _STRANDS_MESSAGE_KEYS}
    if extra:
        out["extra"] = extra
    if raw.get("redact_message") is not None:
        out["redact_message"] = raw["redact_message"]

    legacy: dict[str, Any] = {}
    if raw.get("message_id") != index:
        legacy["message_id"] = raw.get("message_id")
    if "event_loop_metrics" in raw:
        legacy["event_loop_metrics"] = raw["event_loop_metrics"]
        figures, how = series.step(role, raw["event_loop_metrics"])
        if own_metadata is not None:
            how = cm.FROM_MESSAGE
        elif figures is not None:
            derived = cm.as_message_metadata(figures)
            if derived is not None:
                out["metadata"] = derived
        legacy["figures"] = how
    unknown = {k: v for k, v in raw.items() if k not in _MESSAGE_KEYS}
    for key, value in unknown.items():
        if key in _OUR_MESSAGE_FIELDS:
            legacy.setdefault("extra", {})[key] = value
        else:
            out[key] = value
    if legacy:
        out["legacy"] = legacy
    return out


def _message_sort_key(item: tuple[int, Any]) -> tuple[int, int]:
    position, raw = item
    message_id = raw.get("message_id") if isinstance(raw, Mapping) else None
    if isinstance(message_id, int) and not isinstance(message_id, bool):
        return (message_id, position)
    return (position, position)


def _agent_forward(
    path: tuple[str, ...], record: dict[str, Any], session_created: datetime
) -> dict[str, Any]:
    data = _dict(record.get("agent_data"), f"agents.{'.'.join(path)}.agent_data")
    agent_id = data.get("agent_id")
    if agent_id is None:
        agent_id = ".".join(path)
    try:
        agent_id = validate_id(agent_id, "agent_id")
    except InvalidIdentifierError as exc:
        raise DocumentConversionError(str(exc)) from exc
    created = _date(data.get("created_at"), record.get("created_at"), default=session_created)
    updated = _date(data.get("updated_at"), record.get("updated_at"), default=created)
    raw_messages = record.get("messages") or []
    if not isinstance(raw_messages, list):
        raise DocumentConversionError(f"messages of agent {agent_id!r} is not an array")

    series = cm.CumulativeSeries()
    ordered = [raw for _, raw in sorted(enumerate(raw_messages), key=_message_sort_key)]
    messages = [_message_forward(raw, index, series, created) for index, raw in enumerate(ordered)]
    totals = message_totals(messages)

    internal = data.get("_internal_state")
    if internal is None:
        internal = data.get("internal_state")
    agent: dict[str, Any] = {
        "agent_id": agent_id,
        "state": _dict(data.get("state"), f"state of agent {agent_id!r}"),
        "conversation_manager_state": _dict(
            data.get("conversation_manager_state"), f"conversation manager state of {agent_id!r}"
        ),
        "internal_state": _dict(internal, f"internal state of agent {agent_id!r}"),
        "model": data.get("model"),
        "system_prompt": data.get("system_prompt"),
        "prompt_metadata": data.get("prompt_metadata"),
        "message_count": len(messages),
        "totals": totals.model_dump(),
        "messages": messages,
        "created_at": created,
        "updated_at": updated,
    }
    agent["state_bytes"] = state_bytes(agent)

    legacy: dict[str, Any] = {}
    if path != (agent_id,):
        legacy["key"] = list(path)
    for name, converted in (("created_at", created), ("updated_at", updated)):
        # The record's own dates, when they differ from agent_data's (kept for the way back).
        stored = record.get(name)
        same = isinstance(stored, datetime) and _truncate_ms(as_utc(stored)) == converted
        if name in record and not same:
            legacy[f"record_{name}"] = stored
    record_extra = {
        k: v for k, v in record.items() if k not in _AGENT_RECORD_KEYS and not _holds_agents(v)
    }
    if record_extra:
        legacy["record_extra"] = record_extra
    if "internal_state" in data and "_internal_state" not in data:
        legacy["internal_state_key"] = "internal_state"
    for key, value in data.items():
        if key in _AGENT_DATA_KEYS:
            continue
        if key in _OUR_AGENT_FIELDS:
            legacy.setdefault("agent_data_extra", {})[key] = value
        else:
            agent[key] = value
    if legacy:
        agent["legacy"] = legacy
    return agent


def reference_to_v1(document: Mapping[str, Any]) -> dict[str, Any]:
    """Convert one reference-layout session document to schema version 1.

    Raises:
        DocumentConversionError: the document cannot be converted (it is then left
            as it is by the runner, and reported).
    """
    session_id = document.get("_id")
    if not isinstance(session_id, str):
        raise DocumentConversionError(f"_id {session_id!r} is not a session id string")
    try:
        validate_id(session_id, "session_id")
    except InvalidIdentifierError as exc:
        raise DocumentConversionError(str(exc)) from exc
    now = utcnow()
    created = _date(document.get("created_at"), default=now)
    updated = _date(document.get("updated_at"), default=created)

    agents: dict[str, dict[str, Any]] = {}
    for path, record in iter_legacy_agents(document.get("agents")):
        agent = _agent_forward(path, record, created)
        key = storage_key(agent["agent_id"])
        if key in agents:
            raise DocumentConversionError(
                f"agent {agent['agent_id']!r} is stored twice (as {'.'.join(path)!r} and "
                f"{'.'.join(agents[key].get('legacy', {}).get('key') or [key])!r})"
            )
        agents[key] = agent
    feedbacks, refused_feedbacks, quirks = _feedbacks_forward(document.get("feedbacks"), created)

    totals = add_totals(Totals.model_validate(agent["totals"]) for agent in agents.values())

    out: dict[str, Any] = {
        "_id": session_id,
        "session_id": session_id,
        "session_type": document.get("session_type") or "AGENT",
        "application_name": document.get("application_name"),
        "schema_version": 1,
        "created_at": created,
        "updated_at": updated,
        "metadata": _dict(document.get("metadata"), "metadata"),
        "feedbacks": feedbacks,
        "agents": agents,
        "multi_agents": _dict(document.get("multi_agents"), "multi_agents"),
        "totals": totals.model_dump(),
    }
    legacy: dict[str, Any] = {}
    if document.get("session_id") != session_id:
        legacy["session_id"] = document.get("session_id")
    if "application_name" not in document:
        legacy["no_application_name"] = True
    if quirks:
        legacy["feedbacks"] = quirks
    if refused_feedbacks:
        out["legacy_feedbacks"] = refused_feedbacks
    password = document.get(LEGACY_PASSWORD_FIELD)
    if isinstance(password, str) and password:
        # Old links keep working; the plain text is not carried over (nor restorable).
        out["viewer_access"] = {**new_viewer_access(), "legacy": legacy_verifier(password)}
    for key, value in document.items():
        if key in _SESSION_KEYS or key in _DERIVED_SESSION_KEYS or key in out:
            continue
        if key == LEGACY_PASSWORD_FIELD:
            continue
        out[key] = value
    if legacy:
        out["legacy"] = legacy
    try:
        SessionRecord.model_validate(out)
    except ValidationError as exc:
        raise DocumentConversionError(_summarize(exc)) from exc
    return finalize_size(out)


def _summarize(exc: ValidationError) -> str:
    errors = exc.errors()
    first = errors[0]
    where = ".".join(str(part) for part in first.get("loc", ()))
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"not a valid session once converted: {where}: {first.get('msg')}{more}"


# ----------------------------------------------------------------------------- backward


def _legacy_path(agent: Mapping[str, Any]) -> list[str]:
    recorded = (agent.get("legacy") or {}).get("key")
    if isinstance(recorded, list) and recorded and all(isinstance(p, str) for p in recorded):
        return recorded
    agent_id = str(agent["agent_id"])
    parts = agent_id.split(".")
    if all(part and not part.startswith("$") for part in parts):
        return parts  # where the reference's dotted update paths put it
    return [storage_key(agent_id)]


def _place(agents: dict[str, Any], path: list[str], record: dict[str, Any]) -> None:
    node = agents
    for part in path[:-1]:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise DocumentConversionError(f"cannot nest agent under {'.'.join(path)!r}")
        node = child
    existing = node.get(path[-1])
    if isinstance(existing, dict):
        # A nested child was placed first: keep it beside the record's own fields.
        record = {**existing, **record}
    node[path[-1]] = record


def _message_backward(message: Mapping[str, Any], index: int) -> dict[str, Any]:
    legacy = dict(message.get("legacy") or {})
    inner: dict[str, Any] = {"role": message.get("role"), "content": message.get("content")}
    if message.get("tracking_id") is not None:
        inner["tracking_id"] = message["tracking_id"]
    derived = legacy.get("figures") in (cm.DIFFERENCE, cm.AFTER_RESET, cm.UNCHANGED, cm.KEPT)
    if message.get("metadata") is not None and not derived:
        inner["metadata"] = message["metadata"]
    inner.update(message.get("extra") or {})
    out: dict[str, Any] = {
        "message": inner,
        "message_id": legacy.get("message_id", index),
        "redact_message": message.get("redact_message"),
        "created_at": message.get("created_at"),
        "updated_at": message.get("updated_at"),
    }
    if "event_loop_metrics" in legacy:
        out["event_loop_metrics"] = legacy["event_loop_metrics"]
    for key, value in message.items():
        if key not in _OUR_MESSAGE_FIELDS:
            out[key] = value
    out.update(legacy.get("extra") or {})
    return out


def _agent_backward(agent: Mapping[str, Any]) -> dict[str, Any]:
    legacy = dict(agent.get("legacy") or {})
    internal_key = legacy.get("internal_state_key", "_internal_state")
    data: dict[str, Any] = {
        "agent_id": agent["agent_id"],
        "state": agent.get("state") or {},
        "conversation_manager_state": agent.get("conversation_manager_state") or {},
        internal_key: agent.get("internal_state") or {},
        "created_at": agent.get("created_at"),
        "updated_at": agent.get("updated_at"),
        "model": agent.get("model"),
        "system_prompt": agent.get("system_prompt"),
        "prompt_metadata": agent.get("prompt_metadata"),
    }
    for key, value in agent.items():
        if key not in _OUR_AGENT_FIELDS:
            data[key] = value
    data.update(legacy.get("agent_data_extra") or {})
    messages = agent.get("messages") or []
    record: dict[str, Any] = {
        "agent_data": data,
        "messages": [_message_backward(m, i) for i, m in enumerate(messages)],
        "created_at": legacy.get("record_created_at", agent.get("created_at")),
        "updated_at": legacy.get("record_updated_at", agent.get("updated_at")),
    }
    record.update(legacy.get("record_extra") or {})
    return record


def v1_to_reference(document: Mapping[str, Any]) -> dict[str, Any]:
    """Convert one schema-version-1 session back to the reference layout.

    Fields the reference layout has no place for (Graph / Swarm state, ``expires_at``,
    feedback's ``agent_id`` / ``message_id``) are kept as extra fields, so a later
    forward migration gets them back; the reference implementation ignores them.
    """
    document = copy.deepcopy(dict(document))
    legacy = dict(document.get("legacy") or {})
    session_id = document.get("_id")
    out: dict[str, Any] = {
        "_id": session_id,
        "session_id": legacy.get("session_id", session_id),
        "session_type": document.get("session_type") or "AGENT",
        "created_at": document.get("created_at"),
        "updated_at": document.get("updated_at"),
        "metadata": document.get("metadata") or {},
    }
    if not legacy.get("no_application_name"):
        out["application_name"] = document.get("application_name")

    quirks = legacy.get("feedbacks") or {}
    feedbacks: list[Any] = []
    for position, item in enumerate(document.get("feedbacks") or []):
        feedback = {k: item.get(k) for k in ("rating", "comment", "created_at")}
        feedback.update({k: item[k] for k in ("agent_id", "message_id") if item.get(k) is not None})
        if position in (quirks.get("comment_none") or ()):
            feedback["comment"] = None
        elif position in (quirks.get("comment_missing") or ()):
            del feedback["comment"]
        feedbacks.append(feedback)
    for refused in sorted(document.get("legacy_feedbacks") or [], key=lambda r: r["index"]):
        feedbacks.insert(min(int(refused["index"]), len(feedbacks)), refused["feedback"])
    out["feedbacks"] = feedbacks

    agents: dict[str, Any] = {}
    # Shallow paths first, so a dotted child lands inside its parent's finished record.
    ordered = sorted((document.get("agents") or {}).values(), key=lambda a: len(_legacy_path(a)))
    for agent in ordered:
        _place(agents, _legacy_path(agent), _agent_backward(agent))
    out["agents"] = agents

    for key, value in document.items():
        if key in _OUR_SESSION_FIELDS or key in out:
            continue
        out[key] = value
    if document.get("multi_agents"):
        out["multi_agents"] = document["multi_agents"]
    if document.get("expires_at") is not None:
        out["expires_at"] = document["expires_at"]
    return out
