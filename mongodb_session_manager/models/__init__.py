"""Pydantic / Beanie models of everything the library stores."""

from mongodb_session_manager.models._time import UtcDatetime, as_utc, utcnow
from mongodb_session_manager.models.agent import AGENT_HEADER_FIELDS, AgentRecord, MultiAgentRecord
from mongodb_session_manager.models.beanie_binding import init_beanie_models
from mongodb_session_manager.models.feedback import Feedback
from mongodb_session_manager.models.guardrail import (
    DEFAULT_GUARDRAIL_ACTION,
    GUARDRAIL_STOP_REASONS,
    GuardrailEvent,
    SessionGuardrailEvent,
    summarize_guardrail_trace,
)
from mongodb_session_manager.models.identifiers import MAX_ID_LENGTH, storage_key, validate_id
from mongodb_session_manager.models.message import MessageRecord
from mongodb_session_manager.models.metadata import Metadata
from mongodb_session_manager.models.session import (
    DEFAULT_COLLECTION,
    DEFAULT_DATABASE,
    SCHEMA_VERSION,
    Session,
    SessionDocument,
    SessionRecord,
    session_indexes,
)
from mongodb_session_manager.models.usage import (
    MessageMetadata,
    MessageMetrics,
    MessageUsage,
    ToolTotals,
    Totals,
    UsageCounts,
)

__all__ = [
    "AGENT_HEADER_FIELDS",
    "DEFAULT_COLLECTION",
    "DEFAULT_DATABASE",
    "DEFAULT_GUARDRAIL_ACTION",
    "GUARDRAIL_STOP_REASONS",
    "MAX_ID_LENGTH",
    "SCHEMA_VERSION",
    "AgentRecord",
    "Feedback",
    "GuardrailEvent",
    "MessageMetadata",
    "MessageMetrics",
    "MessageRecord",
    "MessageUsage",
    "Metadata",
    "MultiAgentRecord",
    "Session",
    "SessionDocument",
    "SessionGuardrailEvent",
    "SessionRecord",
    "ToolTotals",
    "Totals",
    "UsageCounts",
    "UtcDatetime",
    "as_utc",
    "init_beanie_models",
    "session_indexes",
    "storage_key",
    "summarize_guardrail_trace",
    "utcnow",
    "validate_id",
]
