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
* **transactions when the server has them** (replica set / sharded cluster): the
  batch's writes and its checkpoint commit together; on a standalone server each
  document's write is atomic on its own, which is all correctness needs.
"""

from __future__ import annotations

import inspect
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

import bson
from bson.codec_options import CodecOptions
from bson.raw_bson import RawBSONDocument
from pymongo import InsertOne, ReplaceOne
from pymongo.errors import BulkWriteError, DuplicateKeyError, PyMongoError

from mongodb_session_manager._defaults import DEFAULT_BATCH_SIZE as DEFAULT_BATCH_SIZE
from mongodb_session_manager.errors import DocumentConversionError, MigrationError
from mongodb_session_manager.migrations.base import (
    DocumentMigration,
    Migration,
    document_version,
    version_filter,
)
from mongodb_session_manager.migrations.registry import load_migrations
from mongodb_session_manager.models import SCHEMA_VERSION, session_indexes, utcnow
from mongodb_session_manager.store.pool import MongoDBConnectionPool

logger = logging.getLogger(__name__)

Direction = Literal["up", "down"]

DEFAULT_MAX_BATCH_BYTES = 16 * 1024 * 1024
LOG_COLLECTION = "msm_migrations"
MAX_CONVERTED_BYTES = 16 * 1024 * 1024 - 16 * 1024
"""A converted document larger than this is refused (MongoDB's limit is 16 MiB)."""
_FAILURES_KEPT = 100
_CONFLICT_ROUNDS = 3
_DUPLICATE_KEY = 11000
_AWARE: CodecOptions[dict[str, Any]] = CodecOptions(tz_aware=True)


class MigrationProgress(Protocol):
    """Receives progress; the CLI's progress bar implements it. Called on the store loop."""

    def start(self, description: str, total: int) -> None:
        """A step starts with ``total`` candidate documents."""

    def advance(self, count: int) -> None:
        """``count`` more documents were handled (migrated, skipped or failed)."""

    def finish(self) -> None:
        """The step ended."""


@dataclass
class Failure:
    """A document a step left as it was, and why."""

    session_id: str
    error: str


@dataclass
class StepReport:
    """What one migration step did (or, in a dry run, would do)."""

    migration: str
    direction: Direction
    collection: str
    target_collection: str
    from_version: int
    to_version: int
    dry_run: bool
    transactions: bool
    total: int = 0
    """Documents at ``from_version`` when the step started."""
    migrated: int = 0
    already: int = 0
    """Documents another run (or a copy already in the target) had taken care of."""
    failed: int = 0
    failures: list[Failure] = field(default_factory=list)
    remaining: int = 0
    """Documents still at ``from_version`` in the collection after the step (in place)."""
    resumed_after: str | None = None
    batches: int = 0
    max_batch_documents: int = 0
    max_batch_bytes: int = 0
    """The most raw BSON bytes held for one batch: the memory bound in practice."""
    bytes_read: int = 0
    bytes_written: int = 0
    seconds: float = 0.0
    interrupted: bool = False

    @property
    def copy(self) -> bool:
        """Whether this step copied into another collection."""
        return self.collection != self.target_collection


@dataclass
class MigrationReport:
    """The steps of one ``up`` / ``down`` run."""

    direction: Direction
    dry_run: bool
    steps: list[StepReport] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    """Problems that did not stop the migration (e.g. an index that could not be built)."""

    @property
    def migrated(self) -> int:
        """Documents converted, over all steps."""
        return sum(step.migrated for step in self.steps)

    @property
    def failed(self) -> int:
        """Documents left unconverted because they could not be converted."""
        return sum(step.failed for step in self.steps)

    @property
    def interrupted(self) -> bool:
        """Whether the run stopped early (a stop was requested); run again to resume."""
        return any(step.interrupted for step in self.steps)

    @property
    def ok(self) -> bool:
        """No failures and not interrupted."""
        return not self.failed and not self.interrupted


@dataclass
class MigrationStatus:
    """Where a collection stands: documents per schema version, the log of runs."""

    database: str
    collection: str
    schema_version: int
    counts: dict[int | str, int]
    """Documents per stored ``schema_version`` (0: none, the reference layout)."""
    migrations: list[Migration]
    history: list[dict[str, Any]]

    @property
    def pending(self) -> int:
        """Documents older than this library's schema (need ``msm migrate up``)."""
        old = [n for v, n in self.counts.items() if isinstance(v, int) and v < self.schema_version]
        return sum(old)

    @property
    def newer(self) -> int:
        """Documents written by a newer library version (or of an unknown version)."""
        return sum(
            n for v, n in self.counts.items() if not isinstance(v, int) or v > self.schema_version
        )


@dataclass
class _Item:
    """One document of a batch, kept as raw BSON until its turn to be converted."""

    session_id: str
    size: int
    guard: dict[str, Any]
    """The compare-and-set condition besides the version (``updated_at`` as read)."""
    raw: bytes | None = None
    decoded: dict[str, Any] | None = None
    codec_options: Any = None

    @property
    def document(self) -> dict[str, Any]:
        """The document, decoded now (raw items are not kept decoded: memory)."""
        if self.decoded is not None:
            return self.decoded
        assert self.raw is not None
        document: dict[str, Any] = bson.decode(self.raw, codec_options=self.codec_options)
        return document

    @classmethod
    def of(cls, document: dict[str, Any], size: int, **kwargs: Any) -> _Item:
        return cls(str(document["_id"]), size, _unchanged(document), **kwargs)


@dataclass
class _Outcome:
    matched: int = 0
    inserted: int = 0
    errors: dict[int, tuple[int, str]] = field(default_factory=dict)


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
        self._stop = threading.Event()
        self._use_transactions = False

    def request_stop(self) -> None:
        """Stop after the batch in progress (thread-safe); the report says ``interrupted``."""
        self._stop.set()

    # ------------------------------------------------------------------------ entry points

    async def status(self) -> MigrationStatus:
        """Documents per schema version and the recorded runs for this collection."""
        pipeline = [{"$group": {"_id": {"$ifNull": ["$schema_version", 0]}, "n": {"$sum": 1}}}]
        counts: dict[int | str, int] = {}
        for row in await _aggregate(self._collection(self.collection_name), pipeline):
            version = row["_id"]
            key: int | str = (
                version if isinstance(version, int) and not isinstance(version, bool) else "other"
            )
            counts[key] = counts.get(key, 0) + int(row["n"])
        logs = self._collection(self.log_collection)
        history = await logs.find(
            {"database": self.database_name, "collection": self.collection_name}
        ).to_list(None)
        history.sort(key=lambda entry: entry.get("started_at") or utcnow())
        return MigrationStatus(
            database=self.database_name,
            collection=self.collection_name,
            schema_version=SCHEMA_VERSION,
            counts=dict(sorted(counts.items(), key=lambda kv: (isinstance(kv[0], str), kv[0]))),
            migrations=list(load_migrations()),
            history=history,
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
        source = self.collection_name
        for migration, conversion in plan:
            if self._stop.is_set():
                break
            step = await self._run_step(migration, direction, conversion, source)
            report.steps.append(step)
            source = self.target_collection  # later steps run in place on the target
            if step.interrupted:
                break
        if direction == "up" and not self.dry_run and not report.interrupted:
            report.warnings.extend(await self._ensure_indexes(self.target_collection))
        return report

    async def _run_step(
        self,
        migration: Migration,
        direction: Direction,
        conversion: DocumentMigration,
        source_name: str,
    ) -> StepReport:
        target_name = self.target_collection
        step = StepReport(
            migration=migration.name,
            direction=direction,
            collection=source_name,
            target_collection=target_name,
            from_version=conversion.source_version,
            to_version=conversion.target_version,
            dry_run=self.dry_run,
            transactions=self._use_transactions and not self.dry_run,
        )
        log_id = f"{self.database_name}.{source_name}:{migration.name}:{direction}"
        if step.copy:
            log_id += f"->{target_name}"
        logs = self._collection(self.log_collection)
        previous = await logs.find_one({"_id": log_id})
        resuming = previous is not None and previous.get("state") in ("running", "interrupted")
        if step.copy and resuming and isinstance((previous or {}).get("last_id"), str):
            step.resumed_after = previous["last_id"]
        query: dict[str, Any] = {
            "_id": {"$type": "string"},
            **version_filter(conversion.source_version),
        }
        source = self._collection(source_name)
        started = time.monotonic()
        step.total = await source.count_documents(_after(query, step.resumed_after))
        if not self.dry_run:
            fresh = {"migrated": 0, "already": 0, "failed": 0, "failures": []}
            counters = {} if resuming else fresh
            await logs.update_one(
                {"_id": log_id},
                {
                    "$set": {
                        "migration": migration.name,
                        "direction": direction,
                        "database": self.database_name,
                        "collection": source_name,
                        "target_collection": target_name,
                        "from_version": step.from_version,
                        "to_version": step.to_version,
                        "state": "running",
                        "updated_at": utcnow(),
                        **({} if resuming else {"started_at": utcnow(), "last_id": None}),
                        **counters,
                    },
                    "$unset": {"finished_at": ""},
                    "$inc": {"runs": 1},
                },
                upsert=True,
            )
        logger.info(
            "migration.step.start | migration=%s direction=%s collection=%s target=%s "
            "total=%d dry_run=%s transactions=%s resumed_after=%s",
            migration.name,
            direction,
            source_name,
            target_name,
            step.total,
            self.dry_run,
            step.transactions,
            step.resumed_after,
        )
        if self.progress is not None:
            self.progress.start(
                f"{migration.name} {direction} (v{step.from_version} -> v{step.to_version})",
                step.total,
            )
        last_id = step.resumed_after
        try:
            while True:
                if self._stop.is_set():
                    step.interrupted = True
                    break
                batch = await self._read_batch(source, query, last_id)
                if not batch:
                    break
                last_id = batch[-1].session_id
                await self._handle_batch(step, conversion, batch, log_id, last_id)
                if self.progress is not None:
                    self.progress.advance(len(batch))
        except BaseException:
            step.interrupted = True
            await self._finish_log(logs, log_id, "interrupted", step)
            raise
        finally:
            step.seconds = time.monotonic() - started
            if self.progress is not None:
                self.progress.finish()
        if not step.copy and not self.dry_run:
            step.remaining = await source.count_documents(query)
        state = "interrupted" if step.interrupted else ("done" if not step.failed else "failed")
        await self._finish_log(logs, log_id, state, step)
        logger.info(
            "migration.step.end | migration=%s direction=%s state=%s migrated=%d already=%d "
            "failed=%d remaining=%d batches=%d seconds=%.3f",
            migration.name,
            direction,
            state,
            step.migrated,
            step.already,
            step.failed,
            step.remaining,
            step.batches,
            step.seconds,
        )
        return step

    async def _finish_log(self, logs: Any, log_id: str, state: str, step: StepReport) -> None:
        if self.dry_run:
            return
        try:
            await logs.update_one(
                {"_id": log_id},
                {"$set": {"state": state, "finished_at": utcnow(), "updated_at": utcnow()}},
            )
        except PyMongoError:
            logger.exception("migration.log.failed | id=%s state=%s", log_id, state)

    # ------------------------------------------------------------------------ one batch

    async def _read_batch(
        self, collection: Any, query: dict[str, Any], after: str | None
    ) -> list[_Item]:
        """Up to ``batch_size`` documents (and about ``max_batch_bytes``) after ``after``."""
        raw_mode = not self.pool.is_mock
        if raw_mode:
            decode_options = collection.codec_options
            collection = collection.with_options(
                codec_options=decode_options.with_options(document_class=RawBSONDocument)
            )
        cursor = collection.find(_after(query, after), sort=[("_id", 1)], limit=self.batch_size)
        items: list[_Item] = []
        held = 0
        try:
            async for raw in cursor:
                if raw_mode:
                    size = len(raw.raw)
                    document = bson.decode(raw.raw, codec_options=decode_options)
                    item = _Item.of(document, size, raw=raw.raw, codec_options=decode_options)
                    del document  # only the raw bytes stay until conversion
                else:
                    item = _Item.of(dict(raw), len(bson.encode(raw)), decoded=dict(raw))
                items.append(item)
                held += item.size
                if held >= self.max_batch_bytes:
                    break
        finally:
            closed = cursor.close()
            if inspect.isawaitable(closed):
                await closed
        return items

    async def _handle_batch(
        self,
        step: StepReport,
        conversion: DocumentMigration,
        batch: list[_Item],
        log_id: str,
        last_id: str,
    ) -> None:
        step.batches += 1
        held = sum(item.size for item in batch)
        step.max_batch_documents = max(step.max_batch_documents, len(batch))
        step.max_batch_bytes = max(step.max_batch_bytes, held)
        step.bytes_read += held
        target = self._collection(step.target_collection)
        if step.copy:
            present = await target.find(
                {"_id": {"$in": [item.session_id for item in batch]}}, {"_id": 1}
            ).to_list(None)
            present_ids = {row["_id"] for row in present}
            step.already += len(present_ids)
            batch = [item for item in batch if item.session_id not in present_ids]
        failures: list[Failure] = []
        pending = batch
        for round_number in range(_CONFLICT_ROUNDS + 1):
            converted = self._convert_all(conversion, pending, failures)
            if self.dry_run or not converted:
                step.migrated += len(converted) if self.dry_run else 0
                break
            ops: list[InsertOne[Any] | ReplaceOne[Any]] = [
                InsertOne(encoded)
                if step.copy
                else ReplaceOne(
                    {
                        "_id": item.session_id,
                        **version_filter(step.from_version),
                        **item.guard,
                    },
                    encoded,
                )
                for item, encoded in converted
            ]
            step.bytes_written += sum(len(encoded.raw) for _, encoded in converted)
            first = round_number == 0
            outcome = await self._write(
                target,
                ops,
                log_id,
                last_id if first else None,
                step.copy,
            )
            if step.copy:
                for index, (code, message) in outcome.errors.items():
                    item = converted[index][0]
                    if code == _DUPLICATE_KEY:
                        step.already += 1
                    else:
                        failures.append(Failure(item.session_id, f"write refused: {message}"))
                step.migrated += outcome.inserted
                break
            step.migrated += outcome.matched
            for index, (_code, message) in outcome.errors.items():
                session_id = converted[index][0].session_id
                failures.append(Failure(session_id, f"write refused: {message}"))
            if outcome.matched + len(outcome.errors) == len(ops):
                break
            # Some compare-and-sets missed: migrated by someone else, or changed meanwhile.
            ids = [item.session_id for item, _ in converted]
            pending = await self._read_by_ids(target, ids, step.from_version)
            step.already += len(ops) - outcome.matched - len(outcome.errors) - len(pending)
            if round_number == _CONFLICT_ROUNDS:
                failures.extend(
                    Failure(item.session_id, "changed by another writer during the migration")
                    for item in pending
                )
            else:
                logger.info(
                    "migration.batch.conflict | retrying=%d round=%d", len(pending), round_number
                )
        step.failed += len(failures)
        room = _FAILURES_KEPT - len(step.failures)
        step.failures.extend(failures[: max(room, 0)])
        if failures and not self.dry_run:
            for failure in failures:
                logger.warning(
                    "migration.document.failed | session_id=%s error=%s",
                    failure.session_id,
                    failure.error,
                )
            await self._collection(self.log_collection).update_one(
                {"_id": log_id},
                {
                    "$inc": {"failed": len(failures)},
                    "$push": {
                        "failures": {
                            "$each": [
                                {"session_id": f.session_id, "error": f.error}
                                for f in failures[:_FAILURES_KEPT]
                            ],
                            "$slice": -_FAILURES_KEPT,
                        }
                    },
                },
            )

    def _convert_all(
        self, conversion: DocumentMigration, batch: list[_Item], failures: list[Failure]
    ) -> list[tuple[_Item, RawBSONDocument]]:
        converted: list[tuple[_Item, RawBSONDocument]] = []
        for item in batch:
            try:
                document = item.document
                if document_version(document) != conversion.source_version:
                    raise DocumentConversionError(
                        f"schema_version is {document.get('schema_version')!r}"
                    )
                output = conversion.convert(document)
                del document
                if output.get("_id") != item.session_id:
                    raise DocumentConversionError("the conversion changed the _id")
                encoded = bson.encode(output)
                del output  # the batch keeps converted documents as raw BSON only
                if len(encoded) > MAX_CONVERTED_BYTES:
                    raise DocumentConversionError(
                        f"{len(encoded)} bytes once converted; MongoDB's limit is 16 MiB"
                    )
            except DocumentConversionError as exc:
                failures.append(Failure(item.session_id, str(exc)))
                continue
            except Exception as exc:  # a bug in one conversion must not stop the others
                logger.exception("migration.convert.crashed | session_id=%s", item.session_id)
                failures.append(Failure(item.session_id, f"{type(exc).__name__}: {exc}"))
                continue
            converted.append((item, RawBSONDocument(encoded)))
        return converted

    async def _read_by_ids(self, collection: Any, ids: list[str], version: int) -> list[_Item]:
        query = {"_id": {"$in": ids}, **version_filter(version)}
        rows = await collection.find(query).sort("_id", 1).to_list(None)
        return [_Item.of(dict(row), len(bson.encode(row)), decoded=dict(row)) for row in rows]

    # ------------------------------------------------------------------------ writing

    async def _write(
        self,
        collection: Any,
        ops: list[InsertOne[Any] | ReplaceOne[Any]],
        log_id: str,
        last_id: str | None,
        copy: bool,
    ) -> _Outcome:
        """Apply ``ops`` and move the checkpoint; in one transaction when enabled."""
        logs = self._collection(self.log_collection)

        async def apply(session: Any) -> _Outcome:
            outcome = await self._apply(collection, ops, session)
            done = outcome.inserted if copy else outcome.matched
            update: dict[str, Any] = {"$inc": {"migrated": done}, "$set": {"updated_at": utcnow()}}
            if last_id is not None:
                update["$set"]["last_id"] = last_id
            await logs.update_one({"_id": log_id}, update, session=session)
            return outcome

        if not self._use_transactions:
            return await apply(None)
        try:
            async with self.pool.client().start_session() as session:
                outcome: _Outcome = await session.with_transaction(apply)
                return outcome
        except _TransactionRefused:
            # A write error (e.g. a duplicate in the target) aborts a transaction; each
            # document write is atomic on its own, so apply the batch without one.
            logger.info("migration.transaction.fallback | ops=%d", len(ops))
            return await apply(None)

    async def _apply(
        self, collection: Any, ops: list[InsertOne[Any] | ReplaceOne[Any]], session: Any
    ) -> _Outcome:
        if self.pool.is_mock:
            return await _apply_one_by_one(collection, ops)
        try:
            result = await collection.bulk_write(ops, ordered=False, session=session)
        except BulkWriteError as exc:
            if session is not None:
                raise _TransactionRefused from exc
            details = exc.details
            return _Outcome(
                matched=int(details.get("nMatched", 0)),
                inserted=int(details.get("nInserted", 0)),
                errors={
                    int(e["index"]): (int(e.get("code", 0)), str(e.get("errmsg", "")))
                    for e in details.get("writeErrors", [])
                },
            )
        return _Outcome(matched=result.matched_count, inserted=result.inserted_count)

    # ------------------------------------------------------------------------ helpers

    def _collection(self, name: str) -> Any:
        return self.pool.collection(self.database_name, name)

    async def _decide_transactions(self) -> bool:
        if self.dry_run:
            return False
        if self.transactions is not None:
            return self.transactions
        if self.pool.is_mock:
            return False
        try:
            hello = await self.pool.client().admin.command("hello")
        except PyMongoError:
            logger.warning("migration.transactions.unknown | the server did not answer hello")
            return False
        return bool(hello.get("setName")) or hello.get("msg") == "isdbgrid"

    async def _ensure_indexes(self, collection_name: str) -> list[str]:
        """Create the session indexes one by one; returns what could not be created.

        An equivalent existing index (e.g. the reference's own on the same keys under
        another name) is fine, and a failure here never undoes the migrated data:
        the factory creates missing indexes at start-up anyway.
        """
        collection = self._collection(collection_name)
        problems: list[str] = []
        for index in session_indexes():
            name = index.document.get("name")
            try:
                await collection.create_indexes([index])
            except PyMongoError as exc:
                logger.warning(
                    "migration.index.skipped | collection=%s index=%s reason=%s",
                    collection_name,
                    name,
                    exc,
                )
                problems.append(f"index {name} on {collection_name} not created: {exc}")
        return problems


class _TransactionRefused(Exception):
    """A bulk write inside a transaction had a write error (the transaction aborted)."""


def _after(query: dict[str, Any], after: str | None) -> dict[str, Any]:
    if after is None:
        return query
    return {**query, "_id": {"$type": "string", "$gt": after}}


def _unchanged(document: dict[str, Any]) -> dict[str, Any]:
    """The compare-and-set guard: the document's ``updated_at`` as it was read."""
    if "updated_at" in document:
        return {"updated_at": document["updated_at"]}
    return {"updated_at": {"$exists": False}}


async def _aggregate(collection: Any, pipeline: list[dict[str, Any]]) -> list[dict[str, Any]]:
    cursor = collection.aggregate(pipeline)
    if inspect.isawaitable(cursor):  # PyMongo's async API returns the cursor from a coroutine
        cursor = await cursor
    rows: list[dict[str, Any]] = await cursor.to_list(None)
    return rows


async def _apply_one_by_one(
    collection: Any, ops: list[InsertOne[Any] | ReplaceOne[Any]]
) -> _Outcome:
    """mongomock's ``bulk_write`` does not accept PyMongo 4.9+ operations: one by one."""
    outcome = _Outcome()
    for index, op in enumerate(ops):
        raw = op._doc
        if isinstance(raw, RawBSONDocument):
            raw = bson.decode(raw.raw, codec_options=_AWARE)
        document = raw
        try:
            if isinstance(op, InsertOne):
                await collection.insert_one(document)
                outcome.inserted += 1
            else:
                result = await collection.replace_one(op._filter, document)
                outcome.matched += result.matched_count
        except DuplicateKeyError as exc:
            outcome.errors[index] = (_DUPLICATE_KEY, str(exc))
    return outcome
