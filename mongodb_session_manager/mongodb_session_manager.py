"""Compatibility shim: the reference library's module path for the manager.

``from mongodb_session_manager.mongodb_session_manager import MongoDBSessionManager``
keeps working. These modules are aliases only (no second implementation); new
code imports from ``mongodb_session_manager``. All shims are listed in
``docs/upgrading.md``.
"""

from mongodb_session_manager.manager import MongoDBSessionManager, create_mongodb_session_manager

__all__ = ["MongoDBSessionManager", "create_mongodb_session_manager"]
