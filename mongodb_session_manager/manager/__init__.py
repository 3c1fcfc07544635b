"""The Strands session manager and its factory."""

from mongodb_session_manager.manager.factory import (
    MongoDBSessionManagerFactory,
    close_global_factory,
    close_global_factory_async,
    create_mongodb_session_manager,
    create_mongodb_session_manager_async,
    get_global_factory,
    initialize_global_factory,
    initialize_global_factory_async,
)
from mongodb_session_manager.manager.manager import MongoDBSessionManager

__all__ = [
    "MongoDBSessionManager",
    "MongoDBSessionManagerFactory",
    "close_global_factory",
    "close_global_factory_async",
    "create_mongodb_session_manager",
    "create_mongodb_session_manager_async",
    "get_global_factory",
    "initialize_global_factory",
    "initialize_global_factory_async",
]
