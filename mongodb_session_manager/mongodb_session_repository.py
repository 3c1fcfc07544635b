"""Compatibility shim: the reference library's module path for the repository (alias only)."""

from mongodb_session_manager.repository import MongoDBSessionRepository

__all__ = ["MongoDBSessionRepository"]
