"""Usage metrics of a session: totals, per-call averages and tool stats, and each agent's.

The counters themselves are written with every message (see
``manager/writer.py`` and :mod:`mongodb_session_manager.models.tool_usage`); this
service reads them back in one aggregation that transfers no message.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, Field

from mongodb_session_manager.models import ToolTotals, UsageCounts
from mongodb_session_manager.models.tool_usage import UNKNOWN_TOOL
from mongodb_session_manager.services._access import SessionService, read_agents

__all__ = [
    "AgentMetrics",
    "MetricsService",
    "MetricsSummary",
    "ToolStats",
    "UsageAverages",
    "UsageSummary",
]


class UsageAverages(BaseModel):
    """Averages per model call (0 when there was none)."""

    input_tokens_per_call: float = 0.0
    output_tokens_per_call: float = 0.0
    total_tokens_per_call: float = 0.0
    cache_read_tokens_per_call: float = 0.0
    latency_ms_per_call: float = 0.0
    time_to_first_byte_ms_per_call: float = 0.0

    @classmethod
    def of(cls, counts: UsageCounts) -> UsageAverages:
        """The averages of ``counts``."""
        calls = counts.model_calls
        if not calls:
            return cls()
        return cls(
            input_tokens_per_call=counts.input_tokens / calls,
            output_tokens_per_call=counts.output_tokens / calls,
            total_tokens_per_call=counts.total_tokens / calls,
            cache_read_tokens_per_call=counts.cache_read_tokens / calls,
            latency_ms_per_call=counts.latency_ms / calls,
            time_to_first_byte_ms_per_call=counts.time_to_first_byte_ms / calls,
        )


class ToolStats(ToolTotals):
    """A tool's counters plus derived figures."""

    average_time_ms: float = 0.0
    error_rate: float = 0.0

    @classmethod
    def of(cls, totals: ToolTotals) -> ToolStats:
        """``totals`` with its average time and error rate."""
        calls = totals.calls
        return cls(
            **totals.model_dump(),
            average_time_ms=totals.time_ms / calls if calls else 0.0,
            error_rate=totals.errors / calls if calls else 0.0,
        )


class UsageSummary(BaseModel):
    """Totals, averages and tool stats of a session or of one agent."""

    totals: UsageCounts = Field(default_factory=UsageCounts)
    averages: UsageAverages = Field(default_factory=UsageAverages)
    tools: dict[str, ToolStats] = Field(default_factory=dict)
    """By tool name."""

    @classmethod
    def of(cls, raw_totals: Any) -> UsageSummary:
        """The summary of stored ``totals`` (anything unexpected counts as nothing)."""
        raw = dict(raw_totals) if isinstance(raw_totals, Mapping) else {}
        raw_tools = raw.pop("tools", None)
        counts = UsageCounts.model_validate(
            {k: v for k, v in raw.items() if k in UsageCounts.model_fields}
        )
        tools: dict[str, ToolStats] = {}
        for item in (raw_tools or {}).values() if isinstance(raw_tools, Mapping) else []:
            if isinstance(item, Mapping):
                stats = ToolStats.of(ToolTotals.model_validate(item))
                tools[stats.name or UNKNOWN_TOOL] = stats
        return cls(
            totals=counts, averages=UsageAverages.of(counts), tools=dict(sorted(tools.items()))
        )


class AgentMetrics(UsageSummary):
    """An agent's usage summary."""

    agent_id: str
    model: str | None = None
    message_count: int = 0


class MetricsSummary(UsageSummary):
    """Usage of a whole session: its totals, averages and tool stats, and each agent's."""

    session_id: str
    agents: dict[str, AgentMetrics] = Field(default_factory=dict)


class MetricsService(SessionService):
    """The metrics summary of one session.

    Args:
        access: The session store.
        session_id: The session.
    """

    async def summary(self) -> MetricsSummary:
        """Totals, averages and tool stats of the session and of each agent (one read).

        Raises:
            SessionNotFoundError: The session does not exist (any more).
        """
        root, agents = await read_agents(
            self.access,
            self.session_id,
            ("agent_id", "model", "message_count", "totals"),
            ("totals",),
        )
        session = UsageSummary.of(root.get("totals"))
        summary = MetricsSummary(session_id=self.session_id, **dict(session))
        for raw in agents:
            usage = UsageSummary.of(raw.get("totals"))
            agent_id = str(raw["agent_id"])
            summary.agents[agent_id] = AgentMetrics(
                agent_id=agent_id,
                model=raw.get("model"),
                message_count=int(raw.get("message_count") or 0),
                **dict(usage),
            )
        return summary
