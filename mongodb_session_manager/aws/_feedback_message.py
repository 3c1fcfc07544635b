"""The SNS feedback message: topic labels, template placeholders, subject and bodies."""

from __future__ import annotations

import string
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from mongodb_session_manager.aws._encoding import utc_timestamp
from mongodb_session_manager.errors import InvalidInputError

TEMPLATE_FIELDS = frozenset(
    {"session_id", "rating", "label", "comment", "agent_id", "message_id", "timestamp"}
)
"""Placeholders of the subject and body templates.

``rating`` is ``up`` / ``down`` / ``none``; ``label`` is the topic's name,
``good`` / ``bad`` / ``neutral``; ``timestamp`` is ISO 8601 UTC; ``agent_id`` and
``message_id`` are empty when the feedback names none.
"""

LABELS = ("good", "bad", "neutral")
"""The topics' names, in the order of the constructor's ARNs."""

_LABEL_OF_RATING: dict[Any, str] = {"up": "good", "down": "bad", None: "neutral"}
_KNOWN_FIELDS = frozenset({"rating", "comment", "created_at", "agent_id", "message_id"})


def label_of(rating: Any) -> str:
    """The topic label of a rating: ``up`` -> good, ``down`` -> bad, anything else -> neutral."""
    return _LABEL_OF_RATING.get(rating, "neutral")


def template_values(session_id: str, feedback: Mapping[str, Any]) -> dict[str, str]:
    """The values of :data:`TEMPLATE_FIELDS` for one stored feedback."""
    rating = feedback.get("rating")
    created = feedback.get("created_at")
    return {
        "session_id": session_id,
        "rating": "none" if rating is None else str(rating),
        "label": label_of(rating),
        "comment": str(feedback.get("comment") or ""),
        "agent_id": str(feedback.get("agent_id") or ""),
        "message_id": "" if feedback.get("message_id") is None else str(feedback["message_id"]),
        "timestamp": utc_timestamp(created if isinstance(created, datetime) else None),
    }


def subject_text(prefix: str | None, template: str, values: Mapping[str, str]) -> str:
    """The subject before SNS's cleaning: the topic's prefix (plus the session), else the template.

    A prefix that does not use ``{session_id}`` gets ``" - session <id>"`` appended,
    as in the reference library.
    """
    if prefix is None:
        return template.format_map(values)
    text = prefix.format_map(values)
    if "{session_id}" not in prefix:
        text = f"{text} - session {values['session_id']}"
    return text


def check_template(template: str, what: str) -> str:
    """Refuse placeholders other than :data:`TEMPLATE_FIELDS` now, not at the first feedback.

    Raises:
        InvalidInputError: ``template`` is malformed or uses an unknown placeholder.
    """
    try:
        names = [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]
    except ValueError as exc:
        raise InvalidInputError(f"FeedbackSNSHook: {what} is not a valid template: {exc}") from exc
    unknown = sorted({name for name in names if name not in TEMPLATE_FIELDS})
    if unknown:
        raise InvalidInputError(
            f"FeedbackSNSHook: {what} uses unknown placeholders {unknown}; "
            f"available: {sorted(TEMPLATE_FIELDS)}"
        )
    return template


def per_label(values: Mapping[str, str | None] | None, what: str) -> dict[str, str]:
    """Checked per-topic templates (``good`` / ``bad`` / ``neutral``), ``None`` ones left out.

    Raises:
        InvalidInputError: An unknown topic label or a bad template.
    """
    out: dict[str, str] = {}
    for label, template in (values or {}).items():
        if label not in LABELS:
            raise InvalidInputError(
                f"FeedbackSNSHook: {what} for unknown topic {label!r}; use {list(LABELS)}"
            )
        if template is not None:
            out[label] = check_template(template, f"{what} ({label})")
    return out


def text_body(prefix: str | None, values: Mapping[str, str], feedback: Mapping[str, Any]) -> str:
    """The reference library's text body: the prefix, the comment, then the session details."""
    lines: list[str] = []
    if prefix:
        lines += [prefix.format_map(values), ""]
    lines += [f"Comment: {values['comment'] or '(none)'}", ""]
    lines += [
        f"Session ID: {values['session_id']}",
        f"Rating: {values['rating']}",
        f"Timestamp: {values['timestamp']}",
    ]
    if values["agent_id"]:
        lines.append(f"Agent: {values['agent_id']}")
    if values["message_id"]:
        lines.append(f"Message: {values['message_id']}")
    for key, value in feedback.items():
        if key not in _KNOWN_FIELDS:
            lines.append(f"{key}: {value}")
    return "\n".join(lines)
