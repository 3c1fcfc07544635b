"""Session features as services: what a manager holds and delegates to.

Each service works on one session of a session store (:class:`SessionAccess`)
and keeps its own state: :class:`MetadataService`, :class:`FeedbackService`,
:class:`AgentConfigService`, :class:`MetricsService`, the metadata tool
(:func:`metadata_tool`), the guardrail audit (:mod:`.guardrail`) and the
application hooks (:mod:`.hooks`). :func:`session_services` builds the set for
one session, as the manager and the repository's reference API use it.
"""

from mongodb_session_manager.services._access import SessionAccess
from mongodb_session_manager.services._sized import SizedWrites
from mongodb_session_manager.services.agent_config import AgentConfigService
from mongodb_session_manager.services.bundle import SessionServices, session_services
from mongodb_session_manager.services.feedback import FeedbackService, validate_feedback
from mongodb_session_manager.services.hooks import chain_hooks, compose_hooks
from mongodb_session_manager.services.metadata import MetadataService
from mongodb_session_manager.services.metadata_tool import TOOL_NAME, metadata_tool
from mongodb_session_manager.services.metrics import MetricsService, MetricsSummary

__all__ = [
    "TOOL_NAME",
    "AgentConfigService",
    "FeedbackService",
    "MetadataService",
    "MetricsService",
    "MetricsSummary",
    "SessionAccess",
    "SessionServices",
    "SizedWrites",
    "chain_hooks",
    "compose_hooks",
    "metadata_tool",
    "session_services",
    "validate_feedback",
]
