"""The embedded local database (mongoeco wire server) and the local data directory."""

from mongodb_session_manager.local.data_dir import (
    DatabaseHandle,
    LocalDatabase,
    default_data_dir,
    open_database,
)
from mongodb_session_manager.local.server import (
    LocalMongoServer,
    LocalServerUnavailableError,
    require_mongoeco,
)

__all__ = [
    "DatabaseHandle",
    "LocalDatabase",
    "LocalMongoServer",
    "LocalServerUnavailableError",
    "default_data_dir",
    "open_database",
    "require_mongoeco",
]
