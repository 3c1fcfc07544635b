"""Usage metrics of a session: totals, per-call averages and tool stats, and each agent's.

The counters themselves are written with every message (see
``manager/writer.py`` and :mod:`mongodb_session_manager.models.tool_usage`); this
service reads them back in one aggregation that transfers no message.
"""

from __future__ import annotations

from mongodb_session_manager.models.results import (
    AgentMetrics,
    MetricsSummary,
    ToolStats,
    UsageAverages,
    UsageSummary,
)
from mongodb_session_manager.services._access import SessionService, read_agents

__all__ = [
    "AgentMetrics",
    "MetricsService",
    "MetricsSummary",
    "ToolStats",
    "UsageAverages",
    "UsageSummary",
]


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
