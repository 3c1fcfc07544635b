"""The Bedrock-shaped stream events of one scripted turn, and its simulated timing.

:class:`~mongodb_session_manager.offline.ScriptedModel` builds a turn's content
events here (text block, then one ``toolUse`` block per call), spreads a
simulated latency over them, and reports the metrics a provider would.
"""

from __future__ import annotations

import json
import time
import uuid

from strands.types.event_loop import Metrics
from strands.types.streaming import StreamEvent

from mongodb_session_manager.offline.script import ToolCall, Turn, chunks

__all__ = [
    "TTFB_FRACTION",
    "content_events",
    "delays",
    "reported_metrics",
    "text_block",
    "tool_block",
]

TTFB_FRACTION = 0.25
"""Fraction of a configured ``latency_ms`` reported as time-to-first-byte."""


def text_block(index: int, text: str, chunk_size: int) -> list[StreamEvent]:
    """The stream events of one text content block.

    Args:
        index: The block's ``contentBlockIndex``.
        text: The text, streamed in pieces.
        chunk_size: Characters per ``contentBlockDelta``.

    Returns:
        ``contentBlockStart``, the deltas and ``contentBlockStop``.
    """
    events: list[StreamEvent] = [{"contentBlockStart": {"contentBlockIndex": index, "start": {}}}]
    for piece in chunks(text, chunk_size):
        events.append({"contentBlockDelta": {"contentBlockIndex": index, "delta": {"text": piece}}})
    events.append({"contentBlockStop": {"contentBlockIndex": index}})
    return events


def tool_block(index: int, call: ToolCall, payload: str, chunk_size: int) -> list[StreamEvent]:
    """The stream events of one ``toolUse`` content block.

    Args:
        index: The block's ``contentBlockIndex``.
        call: The scripted tool call (a ``toolUseId`` is generated unless pinned).
        payload: The call's input as JSON, streamed in pieces.
        chunk_size: Characters per ``contentBlockDelta``.

    Returns:
        ``contentBlockStart``, the deltas (at least one) and ``contentBlockStop``.
    """
    tool_use_id = call.tool_use_id or f"tooluse_{uuid.uuid4().hex[:22]}"
    start: StreamEvent = {
        "contentBlockStart": {
            "contentBlockIndex": index,
            "start": {"toolUse": {"name": call.name, "toolUseId": tool_use_id}},
        }
    }
    events: list[StreamEvent] = [start]
    for piece in chunks(payload, chunk_size) or [""]:
        events.append(
            {
                "contentBlockDelta": {
                    "contentBlockIndex": index,
                    "delta": {"toolUse": {"input": piece}},
                }
            }
        )
    events.append({"contentBlockStop": {"contentBlockIndex": index}})
    return events


def content_events(turn: Turn, chunk_size: int) -> tuple[list[StreamEvent], int]:
    """The content block events of a turn: its text first, then each tool call.

    Args:
        turn: The scripted turn.
        chunk_size: Characters per ``contentBlockDelta``.

    Returns:
        The events and the number of output characters (for the usage estimate).
    """
    events: list[StreamEvent] = []
    output_chars = 0
    index = 0
    if turn.text:
        events.extend(text_block(index, turn.text, chunk_size))
        output_chars += len(turn.text)
        index += 1
    for call in turn.tool_calls:
        payload = json.dumps(call.input, ensure_ascii=False)
        events.extend(tool_block(index, call, payload, chunk_size))
        output_chars += len(call.name) + len(payload)
        index += 1
    return events, output_chars


def delays(latency_ms: int | None, events: int) -> tuple[float, float]:
    """How long to wait before the first event and after each event, in seconds.

    Args:
        latency_ms: The latency to simulate (``None``: no waiting).
        events: Number of content events it is spread over.

    Returns:
        ``(time_to_first_byte, per_event)``.
    """
    if latency_ms is None:
        return 0.0, 0.0
    total = latency_ms / 1000
    ttfb = total * TTFB_FRACTION
    return ttfb, (total - ttfb) / max(1, events)


def reported_metrics(latency_ms: int | None, started: float, first_byte: float | None) -> Metrics:
    """The metrics a response reports: the configured latency, else the measured one.

    Args:
        latency_ms: The configured latency (``None``: measure wall time).
        started: ``time.perf_counter()`` when the call started.
        first_byte: ``time.perf_counter()`` at the first content event, if any.

    Returns:
        ``latencyMs`` and ``timeToFirstByteMs``.
    """
    if latency_ms is not None:
        return {
            "latencyMs": latency_ms,
            "timeToFirstByteMs": int(latency_ms * TTFB_FRACTION),
        }
    finished = time.perf_counter()
    return {
        "latencyMs": int((finished - started) * 1000),
        "timeToFirstByteMs": int(((first_byte or finished) - started) * 1000),
    }
