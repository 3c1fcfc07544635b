"""Running the migrations from Python: blocking functions and ``*_async`` twins.

Example::

    from mongodb_session_manager import migrate_up, migration_status

    status = migration_status(connection_string=uri, database_name="my_app")
    if status.pending:
        report = migrate_up(connection_string=uri, database_name="my_app")
        assert report.ok, report.steps[-1].failures

Every function takes the keyword arguments of :class:`~.options.MigrateOptions`
(``migration_status``: of :class:`~.options.StatusOptions`); each operation is one
coroutine of :class:`~.runner.MigrationRunner`, run on the store loop.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from mongodb_session_manager.errors import StoreThreadError
from mongodb_session_manager.migrations.options import (
    MigrateOptions,
    StatusOptions,
    keyword_form,
    keyword_form_async,
)
from mongodb_session_manager.migrations.report import (
    MigrationProgress,
    MigrationReport,
    MigrationStatus,
)
from mongodb_session_manager.migrations.runner import MigrationRunner
from mongodb_session_manager.store.borrowed import borrowed_pool
from mongodb_session_manager.store.pool import MongoDBConnectionPool

__all__ = [
    "MigrationProgress",
    "migrate_down",
    "migrate_down_async",
    "migrate_up",
    "migrate_up_async",
    "migration_status",
    "migration_status_async",
]

logger = logging.getLogger(__name__)
T = TypeVar("T")

Operation = Callable[[MigrationRunner, int | None], Coroutine[Any, Any, MigrationReport]]
"""``MigrationRunner.up`` or ``MigrationRunner.down``."""


def _runner(pool: MongoDBConnectionPool, options: MigrateOptions) -> MigrationRunner:
    return MigrationRunner(
        pool,
        options.database_name,
        options.collection_name,
        target_collection=options.target_collection,
        batch_size=options.batch_size,
        max_batch_bytes=options.max_batch_bytes,
        dry_run=options.dry_run,
        transactions=options.transactions,
        progress=options.progress,
    )


def _interruptible(
    pool: MongoDBConnectionPool,
    work: Callable[[], Coroutine[Any, Any, T]],
    on_interrupt: Callable[[], None],
) -> T:
    """Run ``work()`` on the store loop; a first Ctrl-C calls ``on_interrupt`` and waits.

    ``on_interrupt`` (the runner's ``request_stop``) lets the batch in progress
    finish cleanly; a second Ctrl-C aborts.
    """
    if pool.store.in_store_thread():
        raise StoreThreadError(
            "migrations cannot be run from the store thread; use the *_async API"
        )
    future = pool.store.submit(pool.call(work()))
    try:
        return future.result()
    except KeyboardInterrupt:
        on_interrupt()
        logger.warning(
            "migration.stop_requested | finishing the batch in progress (Ctrl-C again to abort)"
        )
        return future.result()


def _migrate(options: MigrateOptions, operation: Operation) -> MigrationReport:
    with borrowed_pool(options.connection_string, client=options.client, pool=options.pool) as used:
        runner = _runner(used, options)
        return _interruptible(
            used, lambda: operation(runner, options.to_version), on_interrupt=runner.request_stop
        )


async def _migrate_async(options: MigrateOptions, operation: Operation) -> MigrationReport:
    with borrowed_pool(options.connection_string, client=options.client, pool=options.pool) as used:
        runner = _runner(used, options)
        return await used.call(operation(runner, options.to_version))


@keyword_form(MigrateOptions, documented=True)
def migrate_up(options: MigrateOptions) -> MigrationReport:
    """Migrate a session collection forward (to this library's schema by default).

    Safe to interrupt and run again: each document is converted once, by a
    compare-and-set on its ``schema_version``; what is left is picked up next time.
    The keyword arguments are the fields of :class:`~.options.MigrateOptions`.

    Returns:
        The report: documents migrated / already done / failed per step.

    Raises:
        MigrationError: bad options (nothing was written).
    """
    return _migrate(options, MigrationRunner.up)


@keyword_form_async(MigrateOptions)
async def migrate_up_async(options: MigrateOptions) -> MigrationReport:
    """Async twin of :func:`migrate_up` (runs on the store loop, never blocks yours)."""
    return await _migrate_async(options, MigrationRunner.up)


@keyword_form(MigrateOptions)
def migrate_down(options: MigrateOptions) -> MigrationReport:
    """Migrate backward (one version down by default; ``to_version=0``: the reference layout).

    Same arguments and guarantees as :func:`migrate_up`.
    """
    return _migrate(options, MigrationRunner.down)


@keyword_form_async(MigrateOptions)
async def migrate_down_async(options: MigrateOptions) -> MigrationReport:
    """Async twin of :func:`migrate_down`."""
    return await _migrate_async(options, MigrationRunner.down)


def _status_runner(pool: MongoDBConnectionPool, options: StatusOptions) -> MigrationRunner:
    return MigrationRunner(pool, options.database_name, options.collection_name)


@keyword_form(StatusOptions)
def migration_status(options: StatusOptions) -> MigrationStatus:
    """Documents per schema version in a session collection, and the recorded runs."""
    with borrowed_pool(options.connection_string, client=options.client, pool=options.pool) as used:
        return used.run(_status_runner(used, options).status())


@keyword_form_async(StatusOptions)
async def migration_status_async(options: StatusOptions) -> MigrationStatus:
    """Async twin of :func:`migration_status`."""
    with borrowed_pool(options.connection_string, client=options.client, pool=options.pool) as used:
        return await used.call(_status_runner(used, options).status())
