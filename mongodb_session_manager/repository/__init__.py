"""Strands' ``SessionRepository`` on MongoDB."""

from mongodb_session_manager.repository.repository import (
    DEFAULT_MAX_DOCUMENT_BYTES,
    MongoDBSessionRepository,
)

__all__ = ["DEFAULT_MAX_DOCUMENT_BYTES", "MongoDBSessionRepository"]
