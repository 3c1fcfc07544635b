"""Old import paths of the session features (now :mod:`mongodb_session_manager.services`).

The features used to be mixins of ``MongoDBSessionManager``; they are services
the manager holds. Their public names stay importable from here.
"""

from mongodb_session_manager.features.compose import compose_hooks
from mongodb_session_manager.features.feedback import validate_feedback
from mongodb_session_manager.features.hooks import chain_hooks
from mongodb_session_manager.features.metadata_tool import TOOL_NAME
from mongodb_session_manager.features.metrics import (
    AgentMetrics,
    MetricsSummary,
    ToolStats,
    UsageAverages,
    UsageSummary,
)

__all__ = [
    "TOOL_NAME",
    "AgentMetrics",
    "MetricsSummary",
    "ToolStats",
    "UsageAverages",
    "UsageSummary",
    "chain_hooks",
    "compose_hooks",
    "validate_feedback",
]
