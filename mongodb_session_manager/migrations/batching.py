"""One batch of a migration step: convert each document, compare-and-set it, count.

A document is converted from the raw BSON read (:class:`BatchItem`), written
back only if it is still at the step's source version and unchanged since it
was read (its ``updated_at``), and re-read and converted again when someone else
changed it meanwhile (a few rounds). A copy skips documents the target already
has. The database work is the store's (:class:`MigrationStore`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import bson
from bson.raw_bson import RawBSONDocument

from mongodb_session_manager.errors import DocumentConversionError
from mongodb_session_manager.migrations.base import (
    DocumentMigration,
    document_version,
    version_filter,
)
from mongodb_session_manager.migrations.report import Failure, StepReport
from mongodb_session_manager.store.migration_items import (
    DUPLICATE_KEY,
    BatchItem,
    Write,
    WriteOutcome,
)
from mongodb_session_manager.store.migration_store import MigrationStore

__all__ = ["MAX_CONVERTED_BYTES", "BatchHandler", "convert_all"]

logger = logging.getLogger(__name__)

MAX_CONVERTED_BYTES = 16 * 1024 * 1024 - 16 * 1024
"""A converted document larger than this is refused (MongoDB's limit is 16 MiB)."""
FAILURES_KEPT = 100
"""Failures kept in a report and in a log entry (all are counted and logged)."""
_CONFLICT_ROUNDS = 3

Converted = list[tuple[BatchItem, RawBSONDocument]]


def _convert_one(conversion: DocumentMigration, item: BatchItem) -> RawBSONDocument:
    document = item.document
    if document_version(document) != conversion.source_version:
        raise DocumentConversionError(f"schema_version is {document.get('schema_version')!r}")
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
    return RawBSONDocument(encoded)


def convert_all(
    conversion: DocumentMigration, batch: list[BatchItem], failures: list[Failure]
) -> Converted:
    """Each item converted (as raw BSON); what cannot be converted goes to ``failures``."""
    converted: Converted = []
    for item in batch:
        try:
            encoded = _convert_one(conversion, item)
        except DocumentConversionError as exc:
            failures.append(Failure(item.session_id, str(exc)))
            continue
        except Exception as exc:  # a bug in one conversion must not stop the others
            logger.exception("migration.convert.crashed | session_id=%s", item.session_id)
            failures.append(Failure(item.session_id, f"{type(exc).__name__}: {exc}"))
            continue
        converted.append((item, encoded))
    return converted


@dataclass
class BatchHandler:
    """Handles the batches of one step, counting into its report.

    Attributes:
        store: The database access.
        step: The step's report (its counters grow batch by batch).
        conversion: The direction of the migration being applied.
        log_id: The step's log entry (checkpoint and failures).
        dry_run: Convert and count only.
        transactions: Write each batch and its checkpoint in one transaction.
    """

    store: MigrationStore
    step: StepReport
    conversion: DocumentMigration
    log_id: str
    dry_run: bool
    transactions: bool

    async def handle(self, batch: list[BatchItem], last_id: str) -> None:
        """Convert and write ``batch``; ``last_id`` becomes the step's checkpoint."""
        step = self.step
        step.batches += 1
        held = sum(item.size for item in batch)
        step.max_batch_documents = max(step.max_batch_documents, len(batch))
        step.max_batch_bytes = max(step.max_batch_bytes, held)
        step.bytes_read += held
        if step.copy:
            present = await self.store.present_ids(
                step.target_collection, [item.session_id for item in batch]
            )
            step.already += len(present)
            batch = [item for item in batch if item.session_id not in present]
        failures: list[Failure] = []
        await self._write_rounds(batch, last_id, failures)
        await self._record(failures)

    async def _write_rounds(
        self, batch: list[BatchItem], last_id: str, failures: list[Failure]
    ) -> None:
        step = self.step
        pending = batch
        for round_number in range(_CONFLICT_ROUNDS + 1):
            converted = convert_all(self.conversion, pending, failures)
            if self.dry_run or not converted:
                step.migrated += len(converted) if self.dry_run else 0
                return
            outcome = await self._write(converted, last_id if round_number == 0 else None)
            if step.copy:
                self._count_copy(outcome, converted, failures)
                return
            step.migrated += outcome.matched
            for index, (_code, message) in outcome.errors.items():
                session_id = converted[index][0].session_id
                failures.append(Failure(session_id, f"write refused: {message}"))
            if outcome.matched + len(outcome.errors) == len(converted):
                return
            # Some compare-and-sets missed: migrated by someone else, or changed meanwhile.
            pending = await self._reread(converted)
            step.already += len(converted) - outcome.matched - len(outcome.errors) - len(pending)
            if round_number == _CONFLICT_ROUNDS:
                failures.extend(
                    Failure(item.session_id, "changed by another writer during the migration")
                    for item in pending
                )
            else:
                logger.info(
                    "migration.batch.conflict | retrying=%d round=%d", len(pending), round_number
                )

    async def _write(self, converted: Converted, last_id: str | None) -> WriteOutcome:
        step = self.step
        writes = [
            Write(
                item.session_id,
                encoded,
                None
                if step.copy
                else {
                    "_id": item.session_id,
                    **version_filter(step.from_version),
                    **item.guard,
                },
            )
            for item, encoded in converted
        ]
        step.bytes_written += sum(write.size for write in writes)
        return await self.store.write_batch(
            step.target_collection,
            writes,
            log_id=self.log_id,
            last_id=last_id,
            transaction=self.transactions,
        )

    def _count_copy(
        self, outcome: WriteOutcome, converted: Converted, failures: list[Failure]
    ) -> None:
        for index, (code, message) in outcome.errors.items():
            if code == DUPLICATE_KEY:
                self.step.already += 1
            else:
                failures.append(
                    Failure(converted[index][0].session_id, f"write refused: {message}")
                )
        self.step.migrated += outcome.inserted

    async def _reread(self, converted: Converted) -> list[BatchItem]:
        """The documents of ``converted`` still at the source version (changed meanwhile)."""
        ids = [item.session_id for item, _ in converted]
        query = {"_id": {"$in": ids}, **version_filter(self.step.from_version)}
        return await self.store.read_by_ids(self.step.target_collection, query)

    async def _record(self, failures: list[Failure]) -> None:
        step = self.step
        step.failed += len(failures)
        room = FAILURES_KEPT - len(step.failures)
        step.failures.extend(failures[: max(room, 0)])
        if not failures or self.dry_run:
            return
        for failure in failures:
            logger.warning(
                "migration.document.failed | session_id=%s error=%s",
                failure.session_id,
                failure.error,
            )
        entries = [{"session_id": f.session_id, "error": f.error} for f in failures]
        await self.store.record_failures(self.log_id, len(failures), entries, FAILURES_KEPT)
