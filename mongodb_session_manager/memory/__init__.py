"""Long-term memory in MongoDB: :class:`MongoDBMemoryStore` for Strands' ``MemoryManager``.

See ``docs/memory.md`` for the document layout and which search strategy runs where.
"""

from mongodb_session_manager.memory.documents import MemoryWriteResult, MongoDBSearchOptions
from mongodb_session_manager.memory.store import DEFAULT_MEMORY_COLLECTION, MongoDBMemoryStore

__all__ = [
    "DEFAULT_MEMORY_COLLECTION",
    "MemoryWriteResult",
    "MongoDBMemoryStore",
    "MongoDBSearchOptions",
]
