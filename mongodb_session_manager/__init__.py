"""mongodb-session-manager: durable, fast, safe MongoDB memory for Strands Agents.

The public API lives here; the submodules are implementation and may change.
"""

from mongodb_session_manager._version import __version__
from mongodb_session_manager.errors import (
    InvalidIdentifierError,
    InvalidInputError,
    ModelUnavailableError,
    SchemaVersionError,
    SessionConflictError,
    SessionManagerError,
    SessionNotFoundError,
    SessionTooLargeError,
    StoreClosedError,
    StoreThreadError,
    StoreUnavailableError,
)
from mongodb_session_manager.features import MetricsSummary, chain_hooks
from mongodb_session_manager.manager import (
    MongoDBSessionManager,
    MongoDBSessionManagerFactory,
    close_global_factory,
    close_global_factory_async,
    create_mongodb_session_manager,
    create_mongodb_session_manager_async,
    get_global_factory,
    initialize_global_factory,
    initialize_global_factory_async,
)
from mongodb_session_manager.models import (
    AgentRecord,
    Feedback,
    MessageRecord,
    Metadata,
    MultiAgentRecord,
    Session,
    SessionRecord,
    Totals,
    init_beanie_models,
)
from mongodb_session_manager.repository import DEFAULT_MAX_DOCUMENT_BYTES, MongoDBSessionRepository
from mongodb_session_manager.store import CommandLog, CommandStats, MongoDBConnectionPool

__all__ = [
    "DEFAULT_MAX_DOCUMENT_BYTES",
    "AgentRecord",
    "CommandLog",
    "CommandStats",
    "Feedback",
    "InvalidIdentifierError",
    "InvalidInputError",
    "MessageRecord",
    "Metadata",
    "MetricsSummary",
    "ModelUnavailableError",
    "MongoDBConnectionPool",
    "MongoDBSessionManager",
    "MongoDBSessionManagerFactory",
    "MongoDBSessionRepository",
    "MultiAgentRecord",
    "SchemaVersionError",
    "Session",
    "SessionConflictError",
    "SessionManagerError",
    "SessionNotFoundError",
    "SessionRecord",
    "SessionTooLargeError",
    "StoreClosedError",
    "StoreThreadError",
    "StoreUnavailableError",
    "Totals",
    "__version__",
    "chain_hooks",
    "close_global_factory",
    "close_global_factory_async",
    "create_mongodb_session_manager",
    "create_mongodb_session_manager_async",
    "get_global_factory",
    "init_beanie_models",
    "initialize_global_factory",
    "initialize_global_factory_async",
]
