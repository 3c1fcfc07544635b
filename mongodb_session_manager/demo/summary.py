"""Readable tables of a session: messages, tokens, latency, tools, feedback, metadata."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from mongodb_session_manager.models import Feedback
from mongodb_session_manager.services.metrics import MetricsSummary, UsageSummary

_MAX_VALUE_CHARS = 60


def _ms(value: float) -> str:
    return f"{value:,.0f} ms"


def _int(value: int) -> str:
    return f"{value:,}"


def _usage_row(name: str, model: str, messages: int, usage: UsageSummary) -> list[str]:
    totals, averages = usage.totals, usage.averages
    return [
        name,
        model,
        _int(messages),
        _int(totals.model_calls),
        f"{_int(totals.input_tokens)} / {_int(totals.output_tokens)}",
        _ms(averages.latency_ms_per_call),
        _ms(averages.time_to_first_byte_ms_per_call),
    ]


def agents_table(summary: MetricsSummary) -> Table:
    """One row per agent and a total: messages, model calls, tokens, average latency."""
    table = Table(title="Agents: messages, tokens and latency", title_justify="left")
    table.add_column("agent")
    table.add_column("model")
    for header in ("messages", "model calls", "tokens in / out", "avg latency", "avg TTFB"):
        table.add_column(header, justify="right")
    for agent in summary.agents.values():
        table.add_row(*_usage_row(agent.agent_id, agent.model or "?", agent.message_count, agent))
    total_messages = sum(agent.message_count for agent in summary.agents.values())
    table.add_section()
    table.add_row(*_usage_row("session", "", total_messages, summary), style="bold")
    return table


def tools_table(summary: MetricsSummary) -> Table:
    """Calls, successes, errors and average time of every tool the agents used."""
    table = Table(title="Tools", title_justify="left")
    table.add_column("tool")
    for header in ("calls", "ok", "errors", "time / call"):
        table.add_column(header, justify="right")
    for name, stats in summary.tools.items():
        table.add_row(
            name,
            _int(stats.calls),
            _int(stats.successes),
            _int(stats.errors),
            f"{stats.average_time_ms:,.1f} ms",
        )
    return table


def feedback_table(feedbacks: Sequence[Feedback]) -> Table:
    """Every feedback: rating, comment and the message it is about."""
    table = Table(title="Feedback", title_justify="left")
    for header in ("rating", "comment", "agent", "message"):
        table.add_column(header)
    for feedback in feedbacks:
        rating = {"up": "👍 up", "down": "👎 down"}.get(feedback.rating or "", "neutral")
        table.add_row(
            rating,
            Text(feedback.comment),
            feedback.agent_id or "",
            "" if feedback.message_id is None else f"#{feedback.message_id}",
        )
    return table


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= _MAX_VALUE_CHARS else text[: _MAX_VALUE_CHARS - 1] + "…"


def metadata_table(metadata: Mapping[str, Any]) -> Table:
    """Metadata keys and their values (JSON, shortened)."""
    table = Table(title="Metadata", title_justify="left")
    table.add_column("key")
    table.add_column("value")
    for key, value in metadata.items():
        table.add_row(Text(str(key)), Text(_shown(value)))
    return table


def print_summary(
    console: Console,
    summary: MetricsSummary,
    feedbacks: Sequence[Feedback],
    metadata: Mapping[str, Any],
) -> None:
    """All the tables, in reading order."""
    console.print(agents_table(summary))
    if summary.tools:
        console.print(tools_table(summary))
    if feedbacks:
        console.print(feedback_table(feedbacks))
    if metadata:
        console.print(metadata_table(metadata))
