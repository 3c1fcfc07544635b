"""Strands' ``Storage`` protocol (snapshots, agent storage, the stash) in MongoDB."""

from mongodb_session_manager.storage.mongodb_storage import (
    DEFAULT_STORAGE_COLLECTION,
    MongoDBStorage,
)

__all__ = ["DEFAULT_STORAGE_COLLECTION", "MongoDBStorage"]
