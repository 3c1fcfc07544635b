"""Old import path of the usage summaries (now :mod:`mongodb_session_manager.services.metrics`).

Tool-result counting is :mod:`mongodb_session_manager.models.tool_usage`.
"""

from mongodb_session_manager.models.tool_usage import (
    MAX_TOOL_NAME_LENGTH,
    UNKNOWN_TOOL,
    count_tool_results,
    tool_uses_of,
)
from mongodb_session_manager.services.metrics import (
    AgentMetrics,
    MetricsSummary,
    ToolStats,
    UsageAverages,
    UsageSummary,
)

__all__ = [
    "MAX_TOOL_NAME_LENGTH",
    "UNKNOWN_TOOL",
    "AgentMetrics",
    "MetricsSummary",
    "ToolStats",
    "UsageAverages",
    "UsageSummary",
    "count_tool_results",
    "tool_uses_of",
]
