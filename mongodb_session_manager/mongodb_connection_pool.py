"""Compatibility shim: the reference library's module path for the pool (alias only)."""

from mongodb_session_manager.store import MongoDBConnectionPool

__all__ = ["MongoDBConnectionPool"]
