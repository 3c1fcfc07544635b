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
from mongodb_session_manager.migrations.options import (
    DEFAULT_BATCH_SIZE,
    LOG_COLLECTION,
    MigrateOptions,
    StatusOptions,
)
from mongodb_session_manager.migrations.registry import load_migrations
from mongodb_session_manager.migrations.report import (
    Failure,
    MigrationProgress,
    MigrationReport,
    MigrationStatus,
    StepReport,
)
from mongodb_session_manager.migrations.runner import MigrationRunner

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "LOG_COLLECTION",
    "DocumentMigration",
    "Failure",
    "MigrateOptions",
    "Migration",
    "MigrationProgress",
    "MigrationReport",
    "MigrationRunner",
    "MigrationStatus",
    "StatusOptions",
    "StepReport",
    "load_migrations",
    "migrate_down",
    "migrate_down_async",
    "migrate_up",
    "migrate_up_async",
    "migration_status",
    "migration_status_async",
]
