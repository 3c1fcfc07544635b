"""mongodb-session-manager: durable, fast, safe MongoDB memory for Strands Agents.

The public API lives here; the submodules are implementation and may change.

Names are imported on first use (module ``__getattr__``), so ``import
mongodb_session_manager`` (and ``msm --help``) pulls in neither Beanie, Strands,
boto3, FastAPI nor uvicorn until a feature needs them. Type checkers and IDEs
see the real imports below (``TYPE_CHECKING``). To add a public name: add it to
``_LAZY``, to the ``TYPE_CHECKING`` block and to ``__all__``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from mongodb_session_manager._version import __version__

if TYPE_CHECKING:
    from mongodb_session_manager.aws import (
        FeedbackSNSHook,
        MetadataSQSHook,
        MetadataWebSocketHook,
        compose_hooks,
        create_feedback_sns_hook,
        create_metadata_sqs_hook,
        create_metadata_websocket_hook,
        is_feedback_sns_hook_available,
        is_metadata_sqs_hook_available,
        is_metadata_websocket_hook_available,
    )
    from mongodb_session_manager.errors import (
        DocumentConversionError,
        InvalidIdentifierError,
        InvalidInputError,
        MessageIdError,
        MigrationError,
        ModelUnavailableError,
        OptionalDependencyError,
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
    from mongodb_session_manager.lifecycle import (
        DeletionReport,
        SessionQuery,
        SessionSummary,
        delete_session,
        delete_session_async,
        delete_sessions,
        delete_sessions_async,
        export_session,
        export_session_async,
        list_sessions,
        list_sessions_async,
    )
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
    from mongodb_session_manager.memory import MongoDBMemoryStore
    from mongodb_session_manager.migrations import (
        MigrationReport,
        MigrationStatus,
        migrate_down,
        migrate_down_async,
        migrate_up,
        migrate_up_async,
        migration_status,
        migration_status_async,
    )
    from mongodb_session_manager.models import (
        AgentRecord,
        Feedback,
        MessageRecord,
        Metadata,
        MultiAgentRecord,
        Session,
        SessionDocument,
        SessionRecord,
        Totals,
        init_beanie_models,
    )
    from mongodb_session_manager.models.guardrail import GUARDRAIL_STOP_REASONS
    from mongodb_session_manager.repository import (
        DEFAULT_MAX_DOCUMENT_BYTES,
        MongoDBSessionRepository,
    )
    from mongodb_session_manager.snapshots import SnapshotSessions
    from mongodb_session_manager.storage import MongoDBStorage
    from mongodb_session_manager.store import CommandLog, CommandStats, MongoDBConnectionPool

_LAZY: dict[str, str] = {
    # mongodb_session_manager.aws
    "FeedbackSNSHook": "mongodb_session_manager.aws",
    "MetadataSQSHook": "mongodb_session_manager.aws",
    "MetadataWebSocketHook": "mongodb_session_manager.aws",
    "compose_hooks": "mongodb_session_manager.aws",
    "create_feedback_sns_hook": "mongodb_session_manager.aws",
    "create_metadata_sqs_hook": "mongodb_session_manager.aws",
    "create_metadata_websocket_hook": "mongodb_session_manager.aws",
    "is_feedback_sns_hook_available": "mongodb_session_manager.aws",
    "is_metadata_sqs_hook_available": "mongodb_session_manager.aws",
    "is_metadata_websocket_hook_available": "mongodb_session_manager.aws",
    # mongodb_session_manager.errors
    "DocumentConversionError": "mongodb_session_manager.errors",
    "InvalidIdentifierError": "mongodb_session_manager.errors",
    "InvalidInputError": "mongodb_session_manager.errors",
    "MigrationError": "mongodb_session_manager.errors",
    "ModelUnavailableError": "mongodb_session_manager.errors",
    "OptionalDependencyError": "mongodb_session_manager.errors",
    "SchemaVersionError": "mongodb_session_manager.errors",
    "SessionConflictError": "mongodb_session_manager.errors",
    "SessionManagerError": "mongodb_session_manager.errors",
    "SessionNotFoundError": "mongodb_session_manager.errors",
    "MessageIdError": "mongodb_session_manager.errors",
    # mongodb_session_manager.models.guardrail
    "GUARDRAIL_STOP_REASONS": "mongodb_session_manager.models.guardrail",
    "SessionTooLargeError": "mongodb_session_manager.errors",
    "StoreClosedError": "mongodb_session_manager.errors",
    "StoreThreadError": "mongodb_session_manager.errors",
    "StoreUnavailableError": "mongodb_session_manager.errors",
    # mongodb_session_manager.features
    "MetricsSummary": "mongodb_session_manager.features",
    "chain_hooks": "mongodb_session_manager.features",
    # mongodb_session_manager.lifecycle
    "DeletionReport": "mongodb_session_manager.lifecycle",
    "SessionQuery": "mongodb_session_manager.lifecycle",
    "SessionSummary": "mongodb_session_manager.lifecycle",
    "delete_session": "mongodb_session_manager.lifecycle",
    "delete_session_async": "mongodb_session_manager.lifecycle",
    "delete_sessions": "mongodb_session_manager.lifecycle",
    "delete_sessions_async": "mongodb_session_manager.lifecycle",
    "export_session": "mongodb_session_manager.lifecycle",
    "export_session_async": "mongodb_session_manager.lifecycle",
    "list_sessions": "mongodb_session_manager.lifecycle",
    "list_sessions_async": "mongodb_session_manager.lifecycle",
    # mongodb_session_manager.manager
    "MongoDBSessionManager": "mongodb_session_manager.manager",
    "MongoDBSessionManagerFactory": "mongodb_session_manager.manager",
    "close_global_factory": "mongodb_session_manager.manager",
    "close_global_factory_async": "mongodb_session_manager.manager",
    "create_mongodb_session_manager": "mongodb_session_manager.manager",
    "create_mongodb_session_manager_async": "mongodb_session_manager.manager",
    "get_global_factory": "mongodb_session_manager.manager",
    "initialize_global_factory": "mongodb_session_manager.manager",
    "initialize_global_factory_async": "mongodb_session_manager.manager",
    # mongodb_session_manager.memory
    "MongoDBMemoryStore": "mongodb_session_manager.memory",
    # mongodb_session_manager.migrations
    "MigrationReport": "mongodb_session_manager.migrations",
    "MigrationStatus": "mongodb_session_manager.migrations",
    "migrate_down": "mongodb_session_manager.migrations",
    "migrate_down_async": "mongodb_session_manager.migrations",
    "migrate_up": "mongodb_session_manager.migrations",
    "migrate_up_async": "mongodb_session_manager.migrations",
    "migration_status": "mongodb_session_manager.migrations",
    "migration_status_async": "mongodb_session_manager.migrations",
    # mongodb_session_manager.models
    "AgentRecord": "mongodb_session_manager.models",
    "Feedback": "mongodb_session_manager.models",
    "MessageRecord": "mongodb_session_manager.models",
    "Metadata": "mongodb_session_manager.models",
    "MultiAgentRecord": "mongodb_session_manager.models",
    "Session": "mongodb_session_manager.models",
    "SessionDocument": "mongodb_session_manager.models",
    "SessionRecord": "mongodb_session_manager.models",
    "Totals": "mongodb_session_manager.models",
    "init_beanie_models": "mongodb_session_manager.models",
    # mongodb_session_manager.repository
    "DEFAULT_MAX_DOCUMENT_BYTES": "mongodb_session_manager.repository",
    "MongoDBSessionRepository": "mongodb_session_manager.repository",
    "MongoDBStorage": "mongodb_session_manager.storage",
    # mongodb_session_manager.snapshots
    "SnapshotSessions": "mongodb_session_manager.snapshots",
    # mongodb_session_manager.store
    "CommandLog": "mongodb_session_manager.store",
    "CommandStats": "mongodb_session_manager.store",
    "MongoDBConnectionPool": "mongodb_session_manager.store",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "DEFAULT_MAX_DOCUMENT_BYTES",
    "GUARDRAIL_STOP_REASONS",
    "AgentRecord",
    "CommandLog",
    "CommandStats",
    "DeletionReport",
    "DocumentConversionError",
    "Feedback",
    "FeedbackSNSHook",
    "InvalidIdentifierError",
    "InvalidInputError",
    "MessageIdError",
    "MessageRecord",
    "Metadata",
    "MetadataSQSHook",
    "MetadataWebSocketHook",
    "MetricsSummary",
    "MigrationError",
    "MigrationReport",
    "MigrationStatus",
    "ModelUnavailableError",
    "MongoDBConnectionPool",
    "MongoDBMemoryStore",
    "MongoDBSessionManager",
    "MongoDBSessionManagerFactory",
    "MongoDBSessionRepository",
    "MongoDBStorage",
    "MultiAgentRecord",
    "OptionalDependencyError",
    "SchemaVersionError",
    "Session",
    "SessionConflictError",
    "SessionDocument",
    "SessionManagerError",
    "SessionNotFoundError",
    "SessionQuery",
    "SessionRecord",
    "SessionSummary",
    "SessionTooLargeError",
    "SnapshotSessions",
    "StoreClosedError",
    "StoreThreadError",
    "StoreUnavailableError",
    "Totals",
    "__version__",
    "chain_hooks",
    "close_global_factory",
    "close_global_factory_async",
    "compose_hooks",
    "create_feedback_sns_hook",
    "create_metadata_sqs_hook",
    "create_metadata_websocket_hook",
    "create_mongodb_session_manager",
    "create_mongodb_session_manager_async",
    "delete_session",
    "delete_session_async",
    "delete_sessions",
    "delete_sessions_async",
    "export_session",
    "export_session_async",
    "get_global_factory",
    "init_beanie_models",
    "initialize_global_factory",
    "initialize_global_factory_async",
    "is_feedback_sns_hook_available",
    "is_metadata_sqs_hook_available",
    "is_metadata_websocket_hook_available",
    "list_sessions",
    "list_sessions_async",
    "migrate_down",
    "migrate_down_async",
    "migrate_up",
    "migrate_up_async",
    "migration_status",
    "migration_status_async",
]
