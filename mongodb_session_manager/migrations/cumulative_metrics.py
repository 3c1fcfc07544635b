"""Per-message figures from the reference implementation's cumulative metrics.

The reference implementation stamped the agent's *cumulative* ``event_loop_metrics``
(``accumulated_usage`` and ``accumulated_metrics`` of the live agent object) on
the latest assistant message at each sync. Our layout keeps per-model-call figures
on each message (what Strands puts in ``message["metadata"]``), so the migration
turns the cumulative series into per-message figures:

* **difference**: every figure grew (or stayed) since the previous stamped message
  of the agent: the message's figures are the difference;
* **after_reset**: some figure went down, so the counters restarted (the agent
  object was rebuilt, e.g. a process restart); counters restart at zero, so the
  stamped figures are what was used since the restart and are taken as they are;
* **kept**: the figures cannot be read as numbers, or they are on a message that
  is not an assistant message: no per-message figure is derived.

In every case the original ``event_loop_metrics`` is kept on the message under
``legacy.event_loop_metrics`` (never shown to the model), so the backward
migration restores it exactly and nothing is lost.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

USAGE_KEYS: tuple[str, ...] = (
    "inputTokens",
    "outputTokens",
    "totalTokens",
    "cacheReadInputTokens",
    "cacheWriteInputTokens",
)
METRIC_KEYS: tuple[str, ...] = ("latencyMs", "timeToFirstByteMs")

DIFFERENCE = "difference"
AFTER_RESET = "after_reset"
KEPT = "kept"
UNCHANGED = "unchanged"
FROM_MESSAGE = "message"
"""The message already carried its own per-call ``metadata``; it is used as it is."""


def _number(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if value != value or value in (float("inf"), float("-inf")):  # NaN / inf
        return None
    return int(value)


def flatten(event_loop_metrics: Any) -> dict[str, int] | None:
    """The numeric figures of a stored ``event_loop_metrics``, or ``None`` if unreadable.

    Only keys present with a number are returned; an empty result is unreadable too.
    """
    if not isinstance(event_loop_metrics, Mapping):
        return None
    usage = event_loop_metrics.get("accumulated_usage")
    metrics = event_loop_metrics.get("accumulated_metrics")
    figures: dict[str, int] = {}
    for source, keys in ((usage, USAGE_KEYS), (metrics, METRIC_KEYS)):
        if not isinstance(source, Mapping):
            continue
        for key in keys:
            number = _number(source.get(key))
            if number is not None:
                figures[key] = number
    return figures or None


def as_message_metadata(figures: Mapping[str, int]) -> dict[str, Any] | None:
    """Per-message figures in Strands' ``{"usage": ..., "metrics": ...}`` shape.

    ``None`` when every figure is zero (no model call can be attributed).
    """
    if not any(figures.values()):
        return None
    metadata: dict[str, Any] = {}
    usage = {key: figures[key] for key in USAGE_KEYS if key in figures}
    if usage:
        for key in ("inputTokens", "outputTokens", "totalTokens"):
            usage.setdefault(key, 0)
        metadata["usage"] = usage
    metrics = {key: figures[key] for key in METRIC_KEYS if key in figures}
    if metrics:
        metrics.setdefault("latencyMs", 0)
        metadata["metrics"] = metrics
    return metadata


class CumulativeSeries:
    """Walks one agent's messages in order, turning cumulative figures into deltas."""

    def __init__(self) -> None:
        self._previous: dict[str, int] = {}

    def step(self, role: Any, event_loop_metrics: Any) -> tuple[dict[str, int] | None, str]:
        """The per-message figures of a message stamped with ``event_loop_metrics``.

        Returns the figures (``None`` when none can be derived) and how they were
        obtained (one of this module's constants).
        """
        current = flatten(event_loop_metrics)
        if current is None:
            return None, KEPT
        previous = self._previous
        self._previous = current
        if role != "assistant":
            # A stamp on a user message is only a new baseline (the figures at that time).
            return None, KEPT
        if all(value >= previous.get(key, 0) for key, value in current.items()):
            delta = {key: value - previous.get(key, 0) for key, value in current.items()}
            return (delta, DIFFERENCE) if any(delta.values()) else (None, UNCHANGED)
        return current, AFTER_RESET
