"""Token usage and latency: per model call (on a message) and running totals."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class MessageUsage(BaseModel):
    """Tokens of the model call that produced a message (Strands' ``Usage`` keys)."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    inputTokens: int = 0
    outputTokens: int = 0
    totalTokens: int = 0
    cacheReadInputTokens: int = 0
    cacheWriteInputTokens: int = 0


class MessageMetrics(BaseModel):
    """Latency of the model call that produced a message (Strands' ``Metrics`` keys)."""

    model_config = ConfigDict(extra="allow")

    latencyMs: int = 0
    timeToFirstByteMs: int | None = None


class ToolTotals(BaseModel):
    """Usage of one tool, kept with ``$inc`` in the write of the message carrying its results.

    Stored under ``totals.tools.<key>`` where ``<key>`` is
    :func:`~mongodb_session_manager.models.storage_key` of the tool name (tool names
    come from the model, so they never go into an update path as they are).
    """

    model_config = ConfigDict(extra="allow")

    name: str = ""
    """The tool's real name."""
    calls: int = 0
    successes: int = 0
    errors: int = 0
    time_ms: float = 0.0
    """Execution time measured by Strands (``event_loop_metrics.tool_metrics``)."""


class UsageCounts(BaseModel):
    """Token, call and latency counters (the scalar part of :class:`Totals`)."""

    model_config = ConfigDict(extra="allow")

    messages: int = 0
    model_calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    latency_ms: int = 0
    time_to_first_byte_ms: int = 0


class Totals(UsageCounts):
    """Running totals kept with ``$inc`` in the same write as each message."""

    tools: dict[str, ToolTotals] = Field(default_factory=dict)
    """Per-tool usage, keyed by the tool name's storage key."""

    @staticmethod
    def increments(metadata: dict[str, Any] | None) -> dict[str, int]:
        """The ``$inc`` amounts one message contributes (without the path prefix)."""
        inc = {"messages": 1}
        if not metadata:
            return inc
        usage = metadata.get("usage") or {}
        metrics = metadata.get("metrics") or {}
        if usage or metrics:
            inc["model_calls"] = 1
        for source, key, target in (
            (usage, "inputTokens", "input_tokens"),
            (usage, "outputTokens", "output_tokens"),
            (usage, "totalTokens", "total_tokens"),
            (usage, "cacheReadInputTokens", "cache_read_tokens"),
            (usage, "cacheWriteInputTokens", "cache_write_tokens"),
            (metrics, "latencyMs", "latency_ms"),
            (metrics, "timeToFirstByteMs", "time_to_first_byte_ms"),
        ):
            value = source.get(key)
            if isinstance(value, int | float) and not isinstance(value, bool) and value:
                inc[target] = int(value)
        return inc


class MessageMetadata(BaseModel):
    """What Strands puts in ``message["metadata"]``: usage and metrics of one model call."""

    model_config = ConfigDict(extra="allow")

    usage: MessageUsage | None = None
    metrics: MessageMetrics | None = None
