"""The reference implementation's session layout converted to ours (schema 0 -> 1).

See :mod:`.reference_layout` for both layouts and what the conversion does, and why.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from mongodb_session_manager.errors import DocumentConversionError, InvalidIdentifierError
from mongodb_session_manager.migrations import cumulative_metrics as cm
from mongodb_session_manager.migrations.reference_common import (
    AGENT_RECORD_KEYS,
    DERIVED_SESSION_KEYS,
    OUR_AGENT_FIELDS,
    OUR_MESSAGE_FIELDS,
    add_totals,
    as_object,
    finalize_size,
    first_date,
    holds_agents,
    iter_legacy_agents,
    message_totals,
    state_bytes,
    truncate_ms,
)
from mongodb_session_manager.models import (
    Feedback,
    SessionRecord,
    Totals,
    as_utc,
    storage_key,
    utcnow,
    validate_id,
)
from mongodb_session_manager.services.viewer_password import LEGACY_FIELD as LEGACY_PASSWORD_FIELD
from mongodb_session_manager.services.viewer_password import legacy_verifier, new_viewer_access

__all__ = ["reference_to_v1"]

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
_MESSAGE_KEYS = frozenset(
    {"message", "message_id", "redact_message", "created_at", "updated_at", "event_loop_metrics"}
)
_STRANDS_MESSAGE_KEYS = frozenset({"role", "content", "tracking_id", "metadata"})
_FEEDBACK_KEYS = frozenset({"rating", "comment", "created_at"})


def _keep_unknown(
    source: Mapping[str, Any],
    known: frozenset[str],
    out: dict[str, Any],
    legacy: dict[str, Any],
    legacy_key: str,
    ours: frozenset[str],
) -> None:
    """Carry the fields of ``source`` we do not know: as they are, or (ours) in ``legacy``."""
    for key, value in source.items():
        if key in known:
            continue
        if key in ours:
            legacy.setdefault(legacy_key, {})[key] = value
        else:
            out[key] = value


# ----------------------------------------------------------------------------- feedback


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
            candidate["created_at"] = first_date(item.get("created_at"), default=default_date)
            try:
                kept.append(Feedback.model_validate(candidate).model_dump())
                continue
            except ValidationError:
                for positions in quirks.values():
                    if positions and positions[-1] == len(kept):
                        positions.pop()
        refused.append({"index": index, "feedback": item})
    return kept, refused, {k: v for k, v in quirks.items() if v}


# ----------------------------------------------------------------------------- messages


def _inner_message(raw: Any, index: int) -> tuple[Mapping[str, Any], list[Any]]:
    """The Strands message of a stored one, and its content blocks (checked)."""
    if not isinstance(raw, Mapping):
        raise DocumentConversionError(f"message {index} is a {type(raw).__name__}")
    message = raw.get("message")
    if not isinstance(message, Mapping):
        raise DocumentConversionError(f"message {index} has no 'message' object")
    content = message.get("content")
    if not isinstance(content, list) or not all(isinstance(b, Mapping) for b in content):
        raise DocumentConversionError(f"message {index} content is not a list of blocks")
    return message, content


def _figures(
    series: cm.CumulativeSeries, message: Mapping[str, Any], metrics: Any, out: dict[str, Any]
) -> str:
    """Per-message figures from cumulative ``metrics`` into ``out``; how they were found."""
    figures, how = series.step(message.get("role"), metrics)
    if message.get("metadata") is not None:
        return cm.FROM_MESSAGE
    if figures is not None:
        derived = cm.as_message_metadata(figures)
        if derived is not None:
            out["metadata"] = derived
    return how


def _message_forward(
    raw: Any, index: int, series: cm.CumulativeSeries, default_date: datetime
) -> dict[str, Any]:
    message, content = _inner_message(raw, index)
    created = first_date(raw.get("created_at"), default=default_date)
    out: dict[str, Any] = {
        "message_id": index,
        "role": message.get("role"),
        "content": [dict(block) for block in content],
        "created_at": created,
        "updated_at": first_date(raw.get("updated_at"), default=created),
    }
    if message.get("tracking_id") is not None:
        out["tracking_id"] = message["tracking_id"]
    if message.get("metadata") is not None:
        out["metadata"] = message.get("metadata")
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
        legacy["figures"] = _figures(series, message, raw["event_loop_metrics"], out)
    _keep_unknown(raw, _MESSAGE_KEYS, out, legacy, "extra", OUR_MESSAGE_FIELDS)
    if legacy:
        out["legacy"] = legacy
    return out


def _message_sort_key(item: tuple[int, Any]) -> tuple[int, int]:
    position, raw = item
    message_id = raw.get("message_id") if isinstance(raw, Mapping) else None
    if isinstance(message_id, int) and not isinstance(message_id, bool):
        return (message_id, position)
    return (position, position)


# ----------------------------------------------------------------------------- agent


def _agent_id(path: tuple[str, ...], data: Mapping[str, Any]) -> str:
    agent_id = data.get("agent_id")
    if agent_id is None:
        agent_id = ".".join(path)
    try:
        return validate_id(agent_id, "agent_id")
    except InvalidIdentifierError as exc:
        raise DocumentConversionError(str(exc)) from exc


def _agent_legacy(
    path: tuple[str, ...],
    agent: Mapping[str, Any],
    record: Mapping[str, Any],
    data: Mapping[str, Any],
) -> dict[str, Any]:
    """What the way back needs and our agent has no field for: key path, record's own dates."""
    legacy: dict[str, Any] = {}
    if path != (agent["agent_id"],):
        legacy["key"] = list(path)
    for name in ("created_at", "updated_at"):
        # The record's own dates, when they differ from agent_data's (kept for the way back).
        stored = record.get(name)
        same = isinstance(stored, datetime) and truncate_ms(as_utc(stored)) == agent[name]
        if name in record and not same:
            legacy[f"record_{name}"] = stored
    record_extra = {
        k: v for k, v in record.items() if k not in AGENT_RECORD_KEYS and not holds_agents(v)
    }
    if record_extra:
        legacy["record_extra"] = record_extra
    if "internal_state" in data and "_internal_state" not in data:
        legacy["internal_state_key"] = "internal_state"
    return legacy


def _agent_forward(
    path: tuple[str, ...], record: dict[str, Any], session_created: datetime
) -> dict[str, Any]:
    data = as_object(record.get("agent_data"), f"agents.{'.'.join(path)}.agent_data")
    agent_id = _agent_id(path, data)
    created = first_date(data.get("created_at"), record.get("created_at"), default=session_created)
    updated = first_date(data.get("updated_at"), record.get("updated_at"), default=created)
    raw_messages = record.get("messages") or []
    if not isinstance(raw_messages, list):
        raise DocumentConversionError(f"messages of agent {agent_id!r} is not an array")

    series = cm.CumulativeSeries()
    ordered = [raw for _, raw in sorted(enumerate(raw_messages), key=_message_sort_key)]
    messages = [_message_forward(raw, index, series, created) for index, raw in enumerate(ordered)]
    internal = data.get("_internal_state")
    if internal is None:
        internal = data.get("internal_state")
    agent: dict[str, Any] = {
        "agent_id": agent_id,
        "state": as_object(data.get("state"), f"state of agent {agent_id!r}"),
        "conversation_manager_state": as_object(
            data.get("conversation_manager_state"), f"conversation manager state of {agent_id!r}"
        ),
        "internal_state": as_object(internal, f"internal state of agent {agent_id!r}"),
        "model": data.get("model"),
        "system_prompt": data.get("system_prompt"),
        "prompt_metadata": data.get("prompt_metadata"),
        "message_count": len(messages),
        "totals": message_totals(messages).model_dump(),
        "messages": messages,
        "created_at": created,
        "updated_at": updated,
    }
    agent["state_bytes"] = state_bytes(agent)
    legacy = _agent_legacy(path, agent, record, data)
    _keep_unknown(data, _AGENT_DATA_KEYS, agent, legacy, "agent_data_extra", OUR_AGENT_FIELDS)
    if legacy:
        agent["legacy"] = legacy
    return agent


# ----------------------------------------------------------------------------- session


def _session_id(document: Mapping[str, Any]) -> str:
    session_id = document.get("_id")
    if not isinstance(session_id, str):
        raise DocumentConversionError(f"_id {session_id!r} is not a session id string")
    try:
        validate_id(session_id, "session_id")
    except InvalidIdentifierError as exc:
        raise DocumentConversionError(str(exc)) from exc
    return session_id


def _agents_forward(agents_field: Any, created: datetime) -> dict[str, dict[str, Any]]:
    """Every agent record found, converted, under its storage key (an id twice is refused)."""
    agents: dict[str, dict[str, Any]] = {}
    for path, record in iter_legacy_agents(agents_field):
        agent = _agent_forward(path, record, created)
        key = storage_key(agent["agent_id"])
        if key in agents:
            raise DocumentConversionError(
                f"agent {agent['agent_id']!r} is stored twice (as {'.'.join(path)!r} and "
                f"{'.'.join(agents[key].get('legacy', {}).get('key') or [key])!r})"
            )
        agents[key] = agent
    return agents


def _session_legacy(
    document: Mapping[str, Any], session_id: str, quirks: dict[str, list[int]]
) -> dict[str, Any]:
    legacy: dict[str, Any] = {}
    if document.get("session_id") != session_id:
        legacy["session_id"] = document.get("session_id")
    if "application_name" not in document:
        legacy["no_application_name"] = True
    if quirks:
        legacy["feedbacks"] = quirks
    return legacy


def _carry_over(document: Mapping[str, Any], out: dict[str, Any]) -> None:
    """Unknown session fields (``guardrail_events``...) as they are; never the plain password."""
    for key, value in document.items():
        if key in _SESSION_KEYS or key in DERIVED_SESSION_KEYS or key in out:
            continue
        if key == LEGACY_PASSWORD_FIELD:
            continue
        out[key] = value


def reference_to_v1(document: Mapping[str, Any]) -> dict[str, Any]:
    """Convert one reference-layout session document to schema version 1.

    Raises:
        DocumentConversionError: the document cannot be converted (it is then left
            as it is by the runner, and reported).
    """
    session_id = _session_id(document)
    created = first_date(document.get("created_at"), default=utcnow())
    updated = first_date(document.get("updated_at"), default=created)
    agents = _agents_forward(document.get("agents"), created)
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
        "metadata": as_object(document.get("metadata"), "metadata"),
        "feedbacks": feedbacks,
        "agents": agents,
        "multi_agents": as_object(document.get("multi_agents"), "multi_agents"),
        "totals": totals.model_dump(),
    }
    legacy = _session_legacy(document, session_id, quirks)
    if refused_feedbacks:
        out["legacy_feedbacks"] = refused_feedbacks
    password = document.get(LEGACY_PASSWORD_FIELD)
    if isinstance(password, str) and password:
        # Old links keep working; the plain text is not carried over (nor restorable).
        out["viewer_access"] = {**new_viewer_access(), "legacy": legacy_verifier(password)}
    _carry_over(document, out)
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
