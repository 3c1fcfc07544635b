"""The public API, pinned: a name added or removed here is a deliberate, visible change.

The facade is lazy (``mongodb_session_manager._LAZY``): every name must still resolve, and
``import mongodb_session_manager`` alone must not load the driver, Beanie or the apps.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
import types

import pytest

FACADE_ALL = frozenset(
    {
        "AgentRecord",
        "CommandLog",
        "CommandStats",
        "DEFAULT_MAX_DOCUMENT_BYTES",
        "DeletionReport",
        "DocumentConversionError",
        "Feedback",
        "FeedbackSNSHook",
        "GUARDRAIL_STOP_REASONS",
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
        "SessionDocument",
        "SessionConflictError",
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
    }
)

MODELS_ALL = frozenset(
    {
        "AGENT_HEADER_FIELDS",
        "AgentRecord",
        "DEFAULT_COLLECTION",
        "DEFAULT_DATABASE",
        "DEFAULT_GUARDRAIL_ACTION",
        "Feedback",
        "GUARDRAIL_STOP_REASONS",
        "GuardrailEvent",
        "MAX_ID_LENGTH",
        "MessageMetadata",
        "MessageMetrics",
        "MessageRecord",
        "MessageUsage",
        "Metadata",
        "MultiAgentRecord",
        "SCHEMA_VERSION",
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
    }
)

# ``testing`` has no ``__all__``: its public names are its re-exports (``import X as X``).
TESTING_PUBLIC = frozenset({"MongoBackend", "ScriptedModel"})

# Heavy third-party packages the bare facade import must not load.
NOT_LOADED_BY_FACADE = ("beanie", "pymongo", "strands", "boto3", "fastapi", "uvicorn")


def test_facade_all_is_pinned() -> None:
    import mongodb_session_manager

    assert frozenset(mongodb_session_manager.__all__) == FACADE_ALL
    assert len(mongodb_session_manager.__all__) == len(FACADE_ALL), "duplicates in __all__"


@pytest.mark.parametrize("name", sorted(FACADE_ALL))
def test_facade_name_resolves(name: str) -> None:
    import mongodb_session_manager

    assert getattr(mongodb_session_manager, name) is not None
    assert name in dir(mongodb_session_manager)


def test_facade_unknown_name_raises_attribute_error() -> None:
    import mongodb_session_manager

    with pytest.raises(AttributeError, match="no_such_name"):
        getattr(mongodb_session_manager, "no_such_name")  # noqa: B009


def test_models_all_is_pinned() -> None:
    models = importlib.import_module("mongodb_session_manager.models")
    assert frozenset(models.__all__) == MODELS_ALL
    for name in MODELS_ALL:
        assert getattr(models, name) is not None, name


def test_testing_public_names_are_pinned() -> None:
    testing = importlib.import_module("mongodb_session_manager.testing")
    public = {
        name
        for name, value in vars(testing).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert public == TESTING_PUBLIC


def test_bare_import_loads_no_heavy_dependency() -> None:
    code = (
        "import sys, mongodb_session_manager\n"
        f"heavy = {NOT_LOADED_BY_FACADE!r}\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]", f"import mongodb_session_manager loaded: {out.stdout}"
