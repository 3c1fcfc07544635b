"""One batch of a migration step: convert each document, compare-and-set it, count.

A document is converted from the raw BSON read (:class:`BatchItem`), written
back only if it is still at the step's source version and unchanged since it
was read (its ``updated_at``), and re-read and converted again when someone else
changed it meanwhile (a few rounds). A copy skips documents the target already
has. The database work is the store's (:class:`MigrationStore`,
:class:`MigrationPages`).

A conversion may come with page documents (``<sessions>_pages``, see
:mod:`.message_pages`): they are upserted by ``_id`` *before* the sessions'
compare-and-set (a session never points at a page that is not there), and the
ones whose session was not written (a missed compare-and-set, a refused write)
are deleted after it. A conversion that reads pages (back to schema 1) gets each
session's pages, holds a batch's sessions and pages within ``max_batch_bytes``
(the batch is cut into parts), and has the pages deleted once its session is
written.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import bson
from bson.raw_bson import RawBSONDocument

from mongodb_session_manager.errors import DocumentConversionError
from mongodb_session_manager.migrations.base import (
    DocumentMigration,
    document_version,
    version_filter,
)
from mongodb_session_manager.migrations.message_pages import Converted
from mongodb_session_manager.migrations.report import Failure, StepReport
from mongodb_session_manager.store.migration_items import (
    DUPLICATE_KEY,
    BatchItem,
    Write,
    WriteOutcome,
)
from mongodb_session_manager.store.migration_pages import MigrationPages
from mongodb_session_manager.store.migration_store import MigrationStore

__all__ = ["MAX_CONVERTED_BYTES", "BatchHandler", "Prepared", "convert_all"]

logger = logging.getLogger(__name__)

MAX_CONVERTED_BYTES = 16 * 1024 * 1024 - 16 * 1024
"""A converted document larger than this is refused (MongoDB's limit is 16 MiB)."""
FAILURES_KEPT = 100
"""Failures kept in a report and in a log entry (all are counted and logged)."""
_CONFLICT_ROUNDS = 3


@dataclass
class Prepared:
    """One converted document, as raw BSON, and its page documents."""

    item: BatchItem
    encoded: RawBSONDocument
    pages: list[RawBSONDocument] = field(default_factory=list)
    retire: bool = False

    @property
    def page_ids(self) -> list[str]:
        """The ``_id`` of the pages to write."""
        return [str(page["_id"]) for page in self.pages]


def _convert_one(
    conversion: DocumentMigration,
    item: BatchItem,
    pages: Sequence[dict[str, Any]],
    values: Mapping[str, bytes] | None,
) -> Prepared:
    document = item.document
    if document_version(document) != conversion.source_version:
        raise DocumentConversionError(f"schema_version is {document.get('schema_version')!r}")
    output = conversion.convert(document, pages, values)
    del document
    result = output if isinstance(output, Converted) else Converted(output)
    if result.document.get("_id") != item.session_id:
        raise DocumentConversionError("the conversion changed the _id")
    encoded = bson.encode(result.document)
    if len(encoded) > MAX_CONVERTED_BYTES:
        raise DocumentConversionError(
            f"{len(encoded)} bytes once converted; MongoDB's limit is 16 MiB"
        )
    # The batch keeps converted documents as raw BSON only.
    page_docs = [RawBSONDocument(bson.encode(page)) for page in result.pages]
    return Prepared(item, RawBSONDocument(encoded), page_docs, result.retire)


def convert_all(
    conversion: DocumentMigration,
    batch: list[BatchItem],
    failures: list[Failure],
    pages_of: dict[str, list[dict[str, Any]]] | None = None,
    values_of: dict[str, dict[str, bytes]] | None = None,
) -> list[Prepared]:
    """Each item converted (as raw BSON); what cannot be converted goes to ``failures``."""
    converted: list[Prepared] = []
    for item in batch:
        try:
            prepared = _convert_one(
                conversion,
                item,
                (pages_of or {}).get(item.session_id, []),
                (values_of or {}).get(item.session_id) if values_of is not None else None,
            )
        except DocumentConversionError as exc:
            failures.append(Failure(item.session_id, str(exc)))
            continue
        except Exception as exc:  # a bug in one conversion must not stop the others
            logger.exception("migration.convert.crashed | session_id=%s", item.session_id)
            failures.append(Failure(item.session_id, f"{type(exc).__name__}: {exc}"))
            continue
        converted.append(prepared)
    return converted


@dataclass
class BatchHandler:
    """Handles the batches of one step, counting into its report.

    Attributes:
        store: The database access.
        pages: The page collections' access.
        step: The step's report (its counters grow batch by batch).
        conversion: The direction of the migration being applied.
        log_id: The step's log entry (checkpoint and failures).
        dry_run: Convert and count only.
        transactions: Write each batch and its checkpoint in one transaction.
        max_bytes: The most session and page bytes held at once (``max_batch_bytes``).
    """

    store: MigrationStore
    pages: MigrationPages
    step: StepReport
    conversion: DocumentMigration
    log_id: str
    dry_run: bool
    transactions: bool
    max_bytes: int

    async def handle(self, batch: list[BatchItem], last_id: str) -> None:
        """Convert and write ``batch``; ``last_id`` becomes the step's checkpoint."""
        step = self.step
        step.batches += 1
        held = sum(item.size for item in batch)
        step.max_batch_documents = max(step.max_batch_documents, len(batch))
        step.bytes_read += held
        if step.copy:
            present = await self.store.present_ids(
                step.target_collection, [item.session_id for item in batch]
            )
            step.already += len(present)
            batch = [item for item in batch if item.session_id not in present]
        parts: list[tuple[list[BatchItem], int]] = [(batch, held)]
        if self.conversion.reads_pages and batch:
            page_bytes = await self.pages.companion_bytes(
                step.collection, [item.session_id for item in batch]
            )
            step.bytes_read += sum(page_bytes.values())
            parts = _cut(batch, page_bytes, self.max_bytes)
        step.max_batch_bytes = max(step.max_batch_bytes, *(size for _, size in parts))
        failures: list[Failure] = []
        for number, (part, _) in enumerate(parts, start=1):
            await self._write_rounds(part, last_id if number == len(parts) else None, failures)
        await self._record(failures)

    async def _write_rounds(
        self, batch: list[BatchItem], last_id: str | None, failures: list[Failure]
    ) -> None:
        step = self.step
        pending = batch
        for round_number in range(_CONFLICT_ROUNDS + 1):
            pages_of = values_of = None
            if self.conversion.reads_pages and pending:
                ids = [item.session_id for item in pending]
                pages_of = await self.pages.read_pages(step.collection, ids)
                values_of = await self.pages.read_values(step.collection, ids)
            converted = convert_all(self.conversion, pending, failures, pages_of, values_of)
            del pages_of, values_of
            if self.dry_run or not converted:
                step.migrated += len(converted) if self.dry_run else 0
                return
            outcome = await self._write(converted, last_id if round_number == 0 else None)
            if step.copy:
                self._count_copy(outcome, converted, failures)
                return
            step.migrated += outcome.matched
            for index, (_code, message) in outcome.errors.items():
                session_id = converted[index].item.session_id
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

    async def _write(self, converted: list[Prepared], last_id: str | None) -> WriteOutcome:
        step = self.step
        writes = [
            Write(
                one.item.session_id,
                one.encoded,
                None
                if step.copy
                else {
                    "_id": one.item.session_id,
                    **version_filter(step.from_version),
                    **one.item.guard,
                },
            )
            for one in converted
        ]
        pages = [page for one in converted for page in one.pages]
        if pages:
            # Before the sessions: a written session never points at a missing page.
            await self.pages.upsert_pages(step.target_collection, pages)
            step.pages_written += len(pages)
            step.bytes_written += sum(len(page.raw) for page in pages)
        step.bytes_written += sum(write.size for write in writes)
        outcome = await self.store.write_batch(
            step.target_collection,
            writes,
            log_id=self.log_id,
            last_id=last_id,
            transaction=self.transactions,
        )
        if pages and outcome.done != len(converted):
            await self._drop_orphans(converted)
        if not step.copy and any(one.retire for one in converted):
            await self._retire(converted)
        return outcome

    async def _drop_orphans(self, converted: list[Prepared]) -> None:
        """Delete the pages just written whose session does not point at them."""
        step = self.step
        with_pages = [one for one in converted if one.pages]
        current = await self.pages.agent_incarnations(
            step.target_collection, [one.item.session_id for one in with_pages]
        )
        orphans: list[str] = []
        for one in with_pages:
            version, incarnations = current.get(one.item.session_id, (None, set()))
            orphans += [
                str(page["_id"])
                for page in one.pages
                if version != step.to_version or page["incarnation"] not in incarnations
            ]
        deleted = await self.pages.delete_pages(step.target_collection, orphans)
        step.pages_deleted += deleted
        logger.info("migration.pages.orphans_deleted | pages=%d", deleted)

    async def _retire(self, converted: list[Prepared]) -> None:
        """Delete the pages of the sessions written back (they hold their messages again)."""
        step = self.step
        ids = [one.item.session_id for one in converted if one.retire]
        done = await self.pages.at_version(step.target_collection, ids, step.to_version)
        step.pages_deleted += await self.pages.delete_for(step.target_collection, done)

    def _count_copy(
        self, outcome: WriteOutcome, converted: list[Prepared], failures: list[Failure]
    ) -> None:
        for index, (code, message) in outcome.errors.items():
            if code == DUPLICATE_KEY:
                self.step.already += 1
            else:
                failures.append(
                    Failure(converted[index].item.session_id, f"write refused: {message}")
                )
        self.step.migrated += outcome.inserted

    async def _reread(self, converted: list[Prepared]) -> list[BatchItem]:
        """The documents of ``converted`` still at the source version (changed meanwhile)."""
        ids = [one.item.session_id for one in converted]
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


def _cut(
    batch: list[BatchItem], page_bytes: dict[str, int], max_bytes: int
) -> list[tuple[list[BatchItem], int]]:
    """``batch`` in parts of at most ``max_bytes`` (sessions and their pages; one at least)."""
    parts: list[tuple[list[BatchItem], int]] = []
    current: list[BatchItem] = []
    held = 0
    for item in batch:
        size = item.size + page_bytes.get(item.session_id, 0)
        if current and held + size > max_bytes:
            parts.append((current, held))
            current, held = [], 0
        current.append(item)
        held += size
    parts.append((current, held))
    return parts
