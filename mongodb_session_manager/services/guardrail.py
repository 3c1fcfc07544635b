"""The guardrail audit of a redaction, and ``keep_original=False``.

:func:`plan_redaction` validates what the caller passed and returns the fields
the redaction write sets on the message and the entry it pushes to the session's
``guardrail_events``: the manager folds them into the one write that stores the
redaction (proved by ``tests/services/test_guardrail_events.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mongodb_session_manager.errors import InvalidInputError
from mongodb_session_manager.models.guardrail import (
    DEFAULT_GUARDRAIL_ACTION,
    GuardrailEvent,
    SessionGuardrailEvent,
    scrub_trace,
    summarize_guardrail_trace,
)
from mongodb_session_manager.models.keys import validate_value
from mongodb_session_manager.store.codec import encoded_size

MAX_LABEL_LENGTH = 128
"""Longest ``action`` / ``stop_reason`` accepted."""


@dataclass(frozen=True)
class RedactionPlan:
    """What one redaction writes besides ``redact_message``."""

    message_fields: dict[str, Any]
    """Fields set on the message: ``guardrail_event`` (and ``content`` when erasing)."""
    message_unset: tuple[str, ...]
    """Fields removed from the message (those that could reveal the original)."""
    session_event: dict[str, Any]
    """The entry pushed to the session's ``guardrail_events``."""
    added_bytes: int
    """Estimated change of the document size."""


def _label(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value or len(value) > MAX_LABEL_LENGTH:
        raise InvalidInputError(
            f"{name} must be a non-empty str of at most {MAX_LABEL_LENGTH} characters, "
            f"got {value!r:.60}"
        )
    if "\x00" in value:
        raise InvalidInputError(f"{name} {value[:40]!r} contains a NUL character")
    return value


def plan_redaction(
    *,
    agent_id: str,
    message_id: int,
    original: Mapping[str, Any],
    redact_message: Mapping[str, Any],
    keep_original: bool,
    action: Any = DEFAULT_GUARDRAIL_ACTION,
    stop_reason: Any = None,
    guardrail_trace: Any = None,
) -> RedactionPlan:
    """The guardrail event (and the erasure of the original) a redaction writes.

    Raises:
        InvalidInputError: ``action`` / ``stop_reason`` is not a short string, or
            ``guardrail_trace`` is not a dict that can be stored (keys with ``$``,
            ``.``, NUL...). Nothing is written then.
    """
    action = _label(action, "action")
    if stop_reason is not None:
        stop_reason = _label(stop_reason, "stop_reason")
    if guardrail_trace is not None and not isinstance(guardrail_trace, Mapping):
        raise InvalidInputError(
            f"guardrail_trace must be a dict (a Bedrock GuardrailTrace), "
            f"got {type(guardrail_trace).__name__}"
        )
    if not isinstance(redact_message, Mapping) or not isinstance(
        redact_message.get("content"), list
    ):
        raise InvalidInputError("redact_message must be a Strands message with a content list")
    policies = summarize_guardrail_trace(guardrail_trace)
    trace = dict(guardrail_trace) if guardrail_trace is not None else None
    if trace is not None and not keep_original:
        trace = scrub_trace(trace)  # matched text and model output would reveal the original
    if trace is not None:
        validate_value(trace, "guardrail_trace")
    event = GuardrailEvent(
        action=action, stop_reason=stop_reason, policies_triggered=policies, trace=trace
    )
    session_event = SessionGuardrailEvent(
        message_id=message_id,
        agent_id=agent_id,
        action=action,
        timestamp=event.timestamp,
        stop_reason=stop_reason,
        policies_triggered=policies,
    )
    fields: dict[str, Any] = {"guardrail_event": event.model_dump(exclude_none=True)}
    unset: tuple[str, ...] = ()
    added = encoded_size(fields, "guardrail event")
    session_doc = session_event.model_dump(exclude_none=True)
    added += encoded_size(session_doc, "guardrail event") + 12
    if not keep_original:
        fields["content"] = list(redact_message.get("content") or [])
        fields["original_removed"] = True
        unset = (
            "extra",
            "blobs",
        )  # out-of-line values of the original go too (the store deletes them)
        removed = {"c": original.get("content") or [], "x": _extra(original)}
        added += encoded_size({"c": fields["content"]}, "redaction") - encoded_size(
            removed, "original message"
        )
    return RedactionPlan(fields, unset, session_doc, added)


def _extra(message: Mapping[str, Any]) -> dict[str, Any]:
    """Top-level keys of a Strands message stored under ``extra`` (all but the known ones)."""
    known = {"role", "content", "tracking_id", "metadata"}
    return {k: v for k, v in message.items() if k not in known}


def redaction_update(path: str, plan: RedactionPlan) -> dict[str, dict[str, Any]]:
    """``plan`` as update operators on the message at ``path`` and on the session."""
    update: dict[str, dict[str, Any]] = {
        "$set": {f"{path}.{name}": value for name, value in plan.message_fields.items()},
        "$push": {"guardrail_events": plan.session_event},
        "$inc": {"size_bytes": plan.added_bytes},
    }
    if plan.message_unset:
        update["$unset"] = {f"{path}.{name}": "" for name in plan.message_unset}
    return update
