"""The migration runner: bounded batches, compare-and-set writes, a resumable log.

Why not Beanie's runner (``beanie.migrations``): its iterative migrations keep
every converted document of the collection in memory until the end, run inside
one transaction by default (so they need a replica set, and one huge transaction
hits MongoDB's time and size limits), record only "the current migration" (not
progress inside one), bind models to one collection name through ``init_beanie``,
and open their own client. This runner keeps Beanie's shape (one module per
migration with ``Forward`` / ``Backward`` classes, a log collection) and adds:

* **bounded memory**: documents are read ``batch_size`` at a time (and at most
  ``max_batch_bytes`` of them), as raw BSON, converted one by one, and written
  back with one ``bulk_write`` per batch;
* **no document migrated twice or lost**: each write is a compare-and-set on the
  document's ``schema_version`` (and its ``updated_at`` as read), so a document
  converted by another run, or changed by a writer meanwhile, is never
  overwritten; when copying into a new collection, documents already there are
  skipped. A document that cannot be converted is left as it is and reported;
* **resumable and idempotent**: the version of each document is the truth, so
  re-running picks up exactly what is left; a copy resumes after the last
  checkpointed ``_id`` recorded in the log collection (``msm_migrations``);
* **one pass per step**: from the reference layout to schema 2, ``m0001`` runs over
  the version 0 documents, then ``m0002`` over the version 1 ones (each session is
  written once per step; steps are not fused);
* **companion pages** (``m0002``): written by ``_id`` before the sessions'
  compare-and-set, deleted when it missed (:mod:`.batching`);
* **transactions when the server has them** (replica set / sharded cluster): the
  batch's writes and its checkpoint commit together; on a standalone server each
  document's write is atomic on its own, which is all correctness needs.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from mongodb_session_manager._defaults import DEFAULT_BATCH_SIZE
from mongodb_session_manager.errors import MigrationError
from mongodb_session_manager.migrations.base import (
    DocumentMigration,
    Migration,
    version_filter,
)
from mongodb_session_manager.migrations.batching import MAX_CONVERTED_BYTES, BatchHandler
from mongodb_session_manager.migrations.options import DEFAULT_MAX_BATCH_BYTES, LOG_COLLECTION
from mongodb_session_manager.migrations.registry import load_migrations
from mongodb_session_manager.migrations.report import (
    Direction,
    Failure,
    MigrationProgress,
    MigrationReport,
    MigrationStatus,
    StepReport,
)
from mongodb_session_manager.models import SCHEMA_VERSION, utcnow
from mongodb_session_manager.store.migration_items import BatchItem
from mongodb_session_manager.store.migration_pages import MigrationPages
from mongodb_session_manager.store.migration_store import MigrationStore
from mongodb_session_manager.store.pool import MongoDBConnectionPool

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "DEFAULT_MAX_BATCH_BYTES",
    "LOG_COLLECTION",
    "MAX_CONVERTED_BYTES",
    "Direction",
    "Failure",
    "MigrationProgress",
    "MigrationReport",
    "MigrationRunner",
    "MigrationStatus",
    "StepReport",
]

logger = logging.getLogger(__name__)

PAGED_SCHEMA = 2
"""The first schema with message pages (``m0002_message_pages``)."""
RETIRED_INDEXES: tuple[str, ...] = ("session_id_unique",)
"""Session indexes of older schemas, dropped after an ``up`` reaching :data:`PAGED_SCHEMA`
(a unique index that is not ``_id`` stops the collection from being sharded)."""


def _version_key(version: Any) -> int | str:
    """A stored ``schema_version`` as a status key: the integer, or ``"other"``."""
    return version if isinstance(version, int) and not isinstance(version, bool) else "other"


class MigrationRunner:
    """Runs the registered migrations over one session collection.

    Args:
        pool: The connection pool (its store loop runs every coroutine here).
        database_name: Database of the sessions.
        collection_name: The session collection to migrate.
        target_collection: Write converted documents there instead of in place
            (the first step copies; later steps run in place on the target).
        batch_size: Documents per read and per ``bulk_write``.
        max_batch_bytes: A batch also ends once its raw documents reach this size.
        dry_run: Convert and validate, count, write nothing.
        transactions: ``True`` / ``False`` to force; ``None`` uses them when the
            server supports them (replica set or sharded cluster).
        progress: Receives progress (a progress bar).
        log_collection: Where runs and checkpoints are recorded.

    Raises:
        MigrationError: bad options (nothing was read or written).
    """

    def __init__(
        self,
        pool: MongoDBConnectionPool,
        database_name: str,
        collection_name: str,
        *,
        target_collection: str | None = None,
        batch_size: int = DEFAULT_BATCH_SIZE,
        max_batch_bytes: int = DEFAULT_MAX_BATCH_BYTES,
        dry_run: bool = False,
        transactions: bool | None = None,
        progress: MigrationProgress | None = None,
        log_collection: str = LOG_COLLECTION,
    ) -> None:
        if not 1 <= batch_size <= 10_000:
            raise MigrationError(f"batch_size must be between 1 and 10000, got {batch_size}")
        if max_batch_bytes < 1:
            raise MigrationError(f"max_batch_bytes must be positive, got {max_batch_bytes}")
        for name in (collection_name, target_collection):
            if name is not None and (not name or "$" in name or name == log_collection):
                raise MigrationError(f"{name!r} cannot be a session collection")
        self.pool = pool
        self.database_name = database_name
        self.collection_name = collection_name
        self.target_collection = target_collection or collection_name
        self.batch_size = batch_size
        self.max_batch_bytes = max_batch_bytes
        self.dry_run = dry_run
        self.transactions = transactions
        self.progress = progress
        self.log_collection = log_collection
        self.store = MigrationStore(pool, database_name, log_collection)
        self.pages = MigrationPages(pool, database_name)
        self._stop = threading.Event()
        self._use_transactions = False

    def request_stop(self) -> None:
        """Stop after the batch in progress (thread-safe); the report says ``interrupted``."""
        self._stop.set()

    # ------------------------------------------------------------------------ entry points

    async def status(self) -> MigrationStatus:
        """Documents per schema version and the recorded runs for this collection."""
        counts: dict[int | str, int] = {}
        for version, number in await self.store.version_counts(self.collection_name):
            key = _version_key(version)
            counts[key] = counts.get(key, 0) + number
        history = await self.store.history(self.database_name, self.collection_name)
        history.sort(key=lambda entry: entry.get("started_at") or utcnow())
        pages, blobs = await self.pages.companion_counts(self.collection_name)
        return MigrationStatus(
            database=self.database_name,
            collection=self.collection_name,
            schema_version=SCHEMA_VERSION,
            counts=dict(sorted(counts.items(), key=lambda kv: (isinstance(kv[0], str), kv[0]))),
            migrations=list(load_migrations()),
            history=history,
            pages=pages,
            blobs=blobs,
        )

    async def up(self, to_version: int | None = None) -> MigrationReport:
        """Migrate forward to ``to_version`` (default: this library's schema version)."""
        target = SCHEMA_VERSION if to_version is None else to_version
        if not 0 <= target <= SCHEMA_VERSION:
            raise MigrationError(f"cannot migrate up to version {target}; 0..{SCHEMA_VERSION}")
        plan = [m for m in load_migrations() if m.version <= target]
        return await self._run("up", [(m, m.forward) for m in plan])

    async def down(self, to_version: int | None = None) -> MigrationReport:
        """Migrate backward to ``to_version`` (default: one version below the current)."""
        target = SCHEMA_VERSION - 1 if to_version is None else to_version
        if not 0 <= target < SCHEMA_VERSION:
            raise MigrationError(
                f"cannot migrate down to version {target}; 0..{SCHEMA_VERSION - 1}"
            )
        plan = [m for m in reversed(load_migrations()) if m.version > target]
        return await self._run("down", [(m, m.backward) for m in plan])

    # ------------------------------------------------------------------------ steps

    async def _run(
        self, direction: Direction, plan: list[tuple[Migration, DocumentMigration]]
    ) -> MigrationReport:
        self._use_transactions = await self._decide_transactions()
        report = MigrationReport(direction=direction, dry_run=self.dry_run)
        copying = self.target_collection != self.collection_name
        for index, (migration, conversion) in enumerate(plan):
            # The first step reads the source; later ones run in place on the target
            # and, when copying, also copy the source's documents of their version.
            sources = [self.collection_name] if index == 0 else [self.target_collection]
            if index > 0 and copying:
                sources.append(self.collection_name)
            for source in sources:
                if self._stop.is_set():
                    break
                step = await self._run_step(migration, direction, conversion, source)
                report.steps.append(step)
                if step.interrupted:
                    break
            if report.interrupted or self._stop.is_set():
                break
        if direction == "up" and not self.dry_run and not report.interrupted:
            report.warnings.extend(await self.store.ensure_session_indexes(self.target_collection))
            if plan and plan[-1][1].target_version >= PAGED_SCHEMA:
                target = self.target_collection
                report.warnings.extend(await self.pages.ensure_companion_indexes(target))
                report.warnings.extend(
                    await self.pages.drop_retired_indexes(target, RETIRED_INDEXES)
                )
        return report

    async def _run_step(
        self,
        migration: Migration,
        direction: Direction,
        conversion: DocumentMigration,
        source_name: str,
    ) -> StepReport:
        step = StepReport(
            migration=migration.name,
            direction=direction,
            collection=source_name,
            target_collection=self.target_collection,
            from_version=conversion.source_version,
            to_version=conversion.target_version,
            dry_run=self.dry_run,
            transactions=self._use_transactions and not self.dry_run,
        )
        log_id = f"{self.database_name}.{source_name}:{migration.name}:{direction}"
        if step.copy:
            log_id += f"->{step.target_collection}"
        query: dict[str, Any] = {
            "_id": {"$type": "string"},
            **version_filter(conversion.source_version),
        }
        started = await self._open_step(step, log_id, query)
        handler = BatchHandler(
            self.store,
            self.pages,
            step,
            conversion,
            log_id,
            self.dry_run,
            self._use_transactions,
            self.max_batch_bytes,
        )
        try:
            await self._run_batches(handler, query)
        except BaseException:
            step.interrupted = True
            await self._finish_log(log_id, "interrupted")
            raise
        finally:
            step.seconds = time.monotonic() - started
            if self.progress is not None:
                self.progress.finish()
        if not step.copy and not self.dry_run:
            step.remaining = await self.store.count_in(source_name, query)
        state = "interrupted" if step.interrupted else ("done" if not step.failed else "failed")
        await self._finish_log(log_id, state)
        _log_step_end(step, state)
        return step

    async def _open_step(self, step: StepReport, log_id: str, query: dict[str, Any]) -> float:
        """Resume point, candidate count, log entry, progress; returns the start time."""
        previous = await self.store.log_entry(log_id)
        resuming = previous is not None and previous.get("state") in ("running", "interrupted")
        if step.copy and resuming and isinstance((previous or {}).get("last_id"), str):
            step.resumed_after = (previous or {})["last_id"]
        started = time.monotonic()
        step.total = await self.store.count_in(step.collection, query, step.resumed_after)
        if not self.dry_run:
            fields = {
                "migration": step.migration,
                "direction": step.direction,
                "database": self.database_name,
                "collection": step.collection,
                "target_collection": step.target_collection,
                "from_version": step.from_version,
                "to_version": step.to_version,
            }
            await self.store.open_log(log_id, fields, resuming=resuming)
        logger.info(
            "migration.step.start | migration=%s direction=%s collection=%s target=%s "
            "total=%d dry_run=%s transactions=%s resumed_after=%s",
            step.migration,
            step.direction,
            step.collection,
            step.target_collection,
            step.total,
            self.dry_run,
            step.transactions,
            step.resumed_after,
        )
        if self.progress is not None:
            self.progress.start(
                f"{step.migration} {step.direction} (v{step.from_version} -> v{step.to_version})",
                step.total,
            )
        return started

    async def _run_batches(self, handler: BatchHandler, query: dict[str, Any]) -> None:
        step = handler.step
        last_id = step.resumed_after
        while True:
            if self._stop.is_set():
                step.interrupted = True
                return
            batch = await self._read_batch(step.collection, query, last_id)
            if not batch:
                return
            last_id = batch[-1].session_id
            await handler.handle(batch, last_id)
            if self.progress is not None:
                self.progress.advance(len(batch))

    async def _read_batch(
        self, collection_name: str, query: dict[str, Any], after: str | None
    ) -> list[BatchItem]:
        """Up to ``batch_size`` documents (and about ``max_batch_bytes``) after ``after``."""
        return await self.store.read_batch(
            collection_name,
            query,
            after=after,
            limit=self.batch_size,
            max_bytes=self.max_batch_bytes,
        )

    async def _finish_log(self, log_id: str, state: str) -> None:
        if not self.dry_run:
            await self.store.close_log(log_id, state)

    async def _decide_transactions(self) -> bool:
        if self.dry_run:
            return False
        if self.transactions is not None:
            return self.transactions
        return await self.store.server_has_transactions()


def _log_step_end(step: StepReport, state: str) -> None:
    logger.info(
        "migration.step.end | migration=%s direction=%s state=%s migrated=%d already=%d "
        "failed=%d remaining=%d batches=%d seconds=%.3f",
        step.migration,
        step.direction,
        state,
        step.migrated,
        step.already,
        step.failed,
        step.remaining,
        step.batches,
        step.seconds,
    )
