"""The embedded local database (mongoeco wire server)."""

from mongodb_session_manager.local.server import (
    LocalMongoServer,
    LocalServerUnavailableError,
    require_mongoeco,
)

__all__ = ["LocalMongoServer", "LocalServerUnavailableError", "require_mongoeco"]
