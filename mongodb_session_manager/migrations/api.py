"""Running the migrations from Python: blocking functions and ``*_async`` twins.

Example::

    from mongodb_session_manager import migrate_up, migration_status

    status = migration_status(connection_string=uri, database_name="my_app")
    if status.pending:
        report = migrate_up(connection_string=uri, database_name="my_app")
        assert report.ok, report.steps[-1].failures
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from mongodb_session_manager.errors import StoreThreadError
from mongodb_session_manager.migrations.runner import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_MAX_BATCH_BYTES,
    MigrationProgress,
    MigrationReport,
    MigrationRunner,
    MigrationStatus,
)
from mongodb_session_manager.models import DEFAULT_COLLECTION, DEFAULT_DATABASE
from mongodb_session_manager.store.borrowed import borrowed_pool
from mongodb_session_manager.store.pool import MongoDBConnectionPool

logger = logging.getLogger(__name__)
T = TypeVar("T")


def _runner(
    pool: MongoDBConnectionPool,
    database_name: str,
    collection_name: str,
    options: dict[str, Any],
) -> MigrationRunner:
    return MigrationRunner(pool, database_name, collection_name, **options)


def _blocking(
    pool: MongoDBConnectionPool,
    runner: MigrationRunner,
    work: Callable[[MigrationRunner], Coroutine[Any, Any, T]],
) -> T:
    """Run on the store loop; a first Ctrl-C stops after the current batch, cleanly."""
    if pool.store.in_store_thread():
        raise StoreThreadError(
            "migrations cannot be run from the store thread; use the *_async API"
        )
    future = pool.store.submit(pool.call(work(runner)))
    try:
        return future.result()
    except KeyboardInterrupt:
        runner.request_stop()
        logger.warning(
            "migration.stop_requested | finishing the batch in progress (Ctrl-C again to abort)"
        )
        return future.result()


def migrate_up(
    *,
    connection_string: str | None = None,
    database_name: str = DEFAULT_DATABASE,
    collection_name: str = DEFAULT_COLLECTION,
    target_collection: str | None = None,
    to_version: int | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    max_batch_bytes: int = DEFAULT_MAX_BATCH_BYTES,
    dry_run: bool = False,
    transactions: bool | None = None,
    progress: MigrationProgress | None = None,
    client: Any | None = None,
    pool: MongoDBConnectionPool | None = None,
) -> MigrationReport:
    """Migrate a session collection forward (to this library's schema by default).

    Safe to interrupt and run again: each document is converted once, by a
    compare-and-set on its ``schema_version``; what is left is picked up next time.

    Args:
        connection_string: MongoDB URI (or pass ``client`` / ``pool``).
        database_name: Database of the sessions.
        collection_name: Collection to migrate.
        target_collection: Write the converted documents into this collection and
            leave ``collection_name`` untouched.
        to_version: Stop at this schema version.
        batch_size: Documents per read and per bulk write (memory bound).
        max_batch_bytes: A batch also ends once it holds this many raw bytes.
        dry_run: Convert and validate everything, write nothing.
        transactions: Force transactions on / off; by default used when the server
            supports them.
        progress: Progress receiver (the CLI passes a progress bar).
        client: An existing async client.
        pool: A :class:`MongoDBConnectionPool` to use.

    Returns:
        The report: documents migrated / already done / failed per step.

    Raises:
        MigrationError: bad options (nothing was written).
    """
    options = dict(
        target_collection=target_collection,
        batch_size=batch_size,
        max_batch_bytes=max_batch_bytes,
        dry_run=dry_run,
        transactions=transactions,
        progress=progress,
    )
    with borrowed_pool(connection_string, client=client, pool=pool) as used:
        runner = _runner(used, database_name, collection_name, options)
        return _blocking(used, runner, lambda r: r.up(to_version))


async def migrate_up_async(
    *,
    connection_string: str | None = None,
    database_name: str = DEFAULT_DATABASE,
    collection_name: str = DEFAULT_COLLECTION,
    target_collection: str | None = None,
    to_version: int | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    max_batch_bytes: int = DEFAULT_MAX_BATCH_BYTES,
    dry_run: bool = False,
    transactions: bool | None = None,
    progress: MigrationProgress | None = None,
    client: Any | None = None,
    pool: MongoDBConnectionPool | None = None,
) -> MigrationReport:
    """Async twin of :func:`migrate_up` (runs on the store loop, never blocks yours)."""
    options = dict(
        target_collection=target_collection,
        batch_size=batch_size,
        max_batch_bytes=max_batch_bytes,
        dry_run=dry_run,
        transactions=transactions,
        progress=progress,
    )
    with borrowed_pool(connection_string, client=client, pool=pool) as used:
        runner = _runner(used, database_name, collection_name, options)
        return await used.call(runner.up(to_version))


def migrate_down(
    *,
    connection_string: str | None = None,
    database_name: str = DEFAULT_DATABASE,
    collection_name: str = DEFAULT_COLLECTION,
    target_collection: str | None = None,
    to_version: int | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    max_batch_bytes: int = DEFAULT_MAX_BATCH_BYTES,
    dry_run: bool = False,
    transactions: bool | None = None,
    progress: MigrationProgress | None = None,
    client: Any | None = None,
    pool: MongoDBConnectionPool | None = None,
) -> MigrationReport:
    """Migrate backward (one version down by default; ``to_version=0``: the reference layout).

    Same arguments and guarantees as :func:`migrate_up`.
    """
    options = dict(
        target_collection=target_collection,
        batch_size=batch_size,
        max_batch_bytes=max_batch_bytes,
        dry_run=dry_run,
        transactions=transactions,
        progress=progress,
    )
    with borrowed_pool(connection_string, client=client, pool=pool) as used:
        runner = _runner(used, database_name, collection_name, options)
        return _blocking(used, runner, lambda r: r.down(to_version))


async def migrate_down_async(
    *,
    connection_string: str | None = None,
    database_name: str = DEFAULT_DATABASE,
    collection_name: str = DEFAULT_COLLECTION,
    target_collection: str | None = None,
    to_version: int | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    max_batch_bytes: int = DEFAULT_MAX_BATCH_BYTES,
    dry_run: bool = False,
    transactions: bool | None = None,
    progress: MigrationProgress | None = None,
    client: Any | None = None,
    pool: MongoDBConnectionPool | None = None,
) -> MigrationReport:
    """Async twin of :func:`migrate_down`."""
    options = dict(
        target_collection=target_collection,
        batch_size=batch_size,
        max_batch_bytes=max_batch_bytes,
        dry_run=dry_run,
        transactions=transactions,
        progress=progress,
    )
    with borrowed_pool(connection_string, client=client, pool=pool) as used:
        runner = _runner(used, database_name, collection_name, options)
        return await used.call(runner.down(to_version))


def migration_status(
    *,
    connection_string: str | None = None,
    database_name: str = DEFAULT_DATABASE,
    collection_name: str = DEFAULT_COLLECTION,
    client: Any | None = None,
    pool: MongoDBConnectionPool | None = None,
) -> MigrationStatus:
    """Documents per schema version in a session collection, and the recorded runs."""
    with borrowed_pool(connection_string, client=client, pool=pool) as used:
        return used.run(MigrationRunner(used, database_name, collection_name).status())


async def migration_status_async(
    *,
    connection_string: str | None = None,
    database_name: str = DEFAULT_DATABASE,
    collection_name: str = DEFAULT_COLLECTION,
    client: Any | None = None,
    pool: MongoDBConnectionPool | None = None,
) -> MigrationStatus:
    """Async twin of :func:`migration_status`."""
    with borrowed_pool(connection_string, client=client, pool=pool) as used:
        return await used.call(MigrationRunner(used, database_name, collection_name).status())
