"""Session features beyond the conversation, as mixins of ``MongoDBSessionManager``.

One module per capability: :mod:`.metadata` (and :mod:`.keys` for its key rules),
:mod:`.metadata_tool`, :mod:`.hooks`, :mod:`.feedback`, :mod:`.agent_config`,
:mod:`.metrics`.
"""

from mongodb_session_manager.features.agent_config import AgentConfigMixin
from mongodb_session_manager.features.compose import compose_hooks
from mongodb_session_manager.features.feedback import FeedbackMixin, validate_feedback
from mongodb_session_manager.features.hooks import chain_hooks
from mongodb_session_manager.features.metadata import MetadataMixin
from mongodb_session_manager.features.metadata_tool import TOOL_NAME, MetadataToolMixin
from mongodb_session_manager.features.metrics import (
    AgentMetrics,
    MetricsMixin,
    MetricsSummary,
    ToolStats,
    UsageAverages,
    UsageSummary,
)

__all__ = [
    "TOOL_NAME",
    "AgentConfigMixin",
    "AgentMetrics",
    "FeedbackMixin",
    "MetadataMixin",
    "MetadataToolMixin",
    "MetricsMixin",
    "MetricsSummary",
    "ToolStats",
    "UsageAverages",
    "UsageSummary",
    "chain_hooks",
    "compose_hooks",
    "validate_feedback",
]
