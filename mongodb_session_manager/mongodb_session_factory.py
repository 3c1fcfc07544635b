"""Compatibility shim: the reference library's module path for the factory (aliases only)."""

from mongodb_session_manager.manager import (
    MongoDBSessionManagerFactory,
    close_global_factory,
    get_global_factory,
    initialize_global_factory,
)

__all__ = [
    "MongoDBSessionManagerFactory",
    "close_global_factory",
    "get_global_factory",
    "initialize_global_factory",
]
