"""The store: private event loop, shared connection pool, command monitoring."""

from mongodb_session_manager._redact import redact_text, redact_uri
from mongodb_session_manager.store.loop import StoreLoop
from mongodb_session_manager.store.monitoring import CommandLog, CommandStats
from mongodb_session_manager.store.pool import (
    DEFAULT_POOL_OPTIONS,
    MongoDBConnectionPool,
)

__all__ = [
    "DEFAULT_POOL_OPTIONS",
    "CommandLog",
    "CommandStats",
    "MongoDBConnectionPool",
    "StoreLoop",
    "redact_text",
    "redact_uri",
]
