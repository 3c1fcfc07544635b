"""Schema migrations of the session collection (shipped with the library).

Every session document carries ``schema_version``; documents without one are in
the reference implementation's layout (version 0). ``msm migrate status|up|down``
or the functions below move a collection between versions in bounded batches,
resumably, with or without transactions. See ``docs/migrations.md``.
"""

from mongodb_session_manager.migrations.api import (
    migrate_down,
    migrate_down_async,
    migrate_up,
    migrate_up_async,
    migration_status,
    migration_status_async,
)
from mongodb_session_manager.migrations.base import DocumentMigration, Migration
from mongodb_session_manager.migrations.registry import load_migrations
from mongodb_session_manager.migrations.runner import (
    DEFAULT_BATCH_SIZE,
    LOG_COLLECTION,
    Failure,
    MigrationProgress,
    MigrationReport,
    MigrationRunner,
    MigrationStatus,
    StepReport,
)

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "LOG_COLLECTION",
    "DocumentMigration",
    "Failure",
    "Migration",
    "MigrationProgress",
    "MigrationReport",
    "MigrationRunner",
    "MigrationStatus",
    "StepReport",
    "load_migrations",
    "migrate_down",
    "migrate_down_async",
    "migrate_up",
    "migrate_up_async",
    "migration_status",
    "migration_status_async",
]
