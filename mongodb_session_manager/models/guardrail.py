"""Guardrail events: what a guardrail did to a message, on the message and on the session.

A redaction (Strands' ``redact_latest_message``) records a :class:`GuardrailEvent`
on the redacted message (``guardrail_event``) and a :class:`SessionGuardrailEvent`
on the session (``guardrail_events``), the reference library's layout.
``policies_triggered`` summarises a Bedrock ``GuardrailTrace`` by policy, e.g.
``{"contentPolicy": ["HATE/HIGH"], "sensitiveInformationPolicy":
["CREDIT_DEBIT_CARD_NUMBER"]}``: it names what fired, never the matched text.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from mongodb_session_manager.models._time import UtcDatetime, utcnow

GUARDRAIL_STOP_REASONS: frozenset[str] = frozenset({"guardrail_intervened", "content_filtered"})
"""Strands stop reasons that mean a guardrail or a content filter intervened."""

DEFAULT_GUARDRAIL_ACTION = "BLOCKED"

POLICY_NAMES = (
    "topicPolicy",
    "contentPolicy",
    "wordPolicy",
    "sensitiveInformationPolicy",
    "contextualGroundingPolicy",
)
"""The policies of a Bedrock guardrail assessment, in the order summaries list them."""

# Keys of a trace that carry the text the guardrail matched or the model's output.
_REVEALING_KEYS = frozenset({"match", "modelOutput", "text"})


class GuardrailEvent(BaseModel):
    """What a guardrail did to one message (stored as the message's ``guardrail_event``)."""

    model_config = ConfigDict(extra="allow")

    action: str = DEFAULT_GUARDRAIL_ACTION
    timestamp: UtcDatetime = Field(default_factory=utcnow)
    stop_reason: str | None = None
    policies_triggered: dict[str, list[str]] | None = None
    trace: dict[str, Any] | None = None
    """The guardrail trace as given (matched text removed when originals are not kept)."""


class SessionGuardrailEvent(BaseModel):
    """One entry of the session's ``guardrail_events`` (the audit list, no trace)."""

    model_config = ConfigDict(extra="allow")

    message_id: int
    agent_id: str
    action: str = DEFAULT_GUARDRAIL_ACTION
    timestamp: UtcDatetime = Field(default_factory=utcnow)
    stop_reason: str | None = None
    policies_triggered: dict[str, list[str]] | None = None


def _items(value: Any) -> Iterable[Mapping[str, Any]]:
    if isinstance(value, list | tuple):
        return [item for item in value if isinstance(item, Mapping)]
    return []


def _policy_entries(name: str, policy: Mapping[str, Any]) -> list[str]:
    """Short labels of what fired in one policy (never the matched text)."""
    if name == "topicPolicy":
        return [str(t.get("name", "?")) for t in _items(policy.get("topics"))]
    if name == "contentPolicy":
        filters = _items(policy.get("filters"))
        return [f"{f.get('type', '?')}/{f.get('confidence', '?')}" for f in filters]
    if name == "wordPolicy":
        custom = ["CUSTOM_WORD" for _ in _items(policy.get("customWords"))]
        lists = _items(policy.get("managedWordLists"))
        managed = [str(w.get("type", "MANAGED_WORD")) for w in lists]
        return custom + managed
    if name == "sensitiveInformationPolicy":
        pii = [str(e.get("type", "?")) for e in _items(policy.get("piiEntities"))]
        regexes = [f"REGEX/{r.get('name', '?')}" for r in _items(policy.get("regexes"))]
        return pii + regexes
    if name == "contextualGroundingPolicy":
        return [
            str(f.get("type", "?"))
            for f in _items(policy.get("filters"))
            if f.get("action", "BLOCKED") != "NONE"
        ]
    return []


def _assessments(trace: Mapping[str, Any]) -> Iterable[Mapping[str, Any]]:
    """Every assessment of a trace: ``inputAssessment`` values, ``outputAssessments`` lists."""
    guardrail = trace.get("guardrail", trace)  # a whole ``trace`` or its ``guardrail`` part
    if not isinstance(guardrail, Mapping):
        return []
    found: list[Mapping[str, Any]] = []
    inputs = guardrail.get("inputAssessment")
    if isinstance(inputs, Mapping):
        found += [a for a in inputs.values() if isinstance(a, Mapping)]
    outputs = guardrail.get("outputAssessments")
    if isinstance(outputs, Mapping):
        for assessments in outputs.values():
            found += list(_items(assessments))
    return found


def summarize_guardrail_trace(trace: Mapping[str, Any] | None) -> dict[str, list[str]] | None:
    """The policies a Bedrock ``GuardrailTrace`` reports, by policy; ``None`` if none.

    Labels: topics by name, content filters as ``TYPE/CONFIDENCE``, words as
    ``CUSTOM_WORD`` / the managed list's type, PII by entity type, regexes as
    ``REGEX/<name>``, grounding filters by type. Repeated labels are listed once.
    """
    if not isinstance(trace, Mapping):
        return None
    summary: dict[str, list[str]] = {}
    for assessment in _assessments(trace):
        for name in POLICY_NAMES:
            policy = assessment.get(name)
            if not isinstance(policy, Mapping):
                continue
            labels = summary.setdefault(name, [])
            labels += [label for label in _policy_entries(name, policy) if label not in labels]
    return {name: labels for name, labels in summary.items() if labels} or None


def scrub_trace(value: Any) -> Any:
    """``value`` without the matched text and model output a guardrail trace carries."""
    if isinstance(value, Mapping):
        return {k: scrub_trace(v) for k, v in value.items() if k not in _REVEALING_KEYS}
    if isinstance(value, list | tuple):
        return [scrub_trace(item) for item in value]
    return value
