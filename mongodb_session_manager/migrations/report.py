"""What a migration run reports: its steps, their failures, a collection's status.

Plain dataclasses, filled by the runner (:mod:`.runner`) and read by callers and
the ``msm migrate`` commands. :class:`MigrationProgress` is what a progress bar
implements to follow a run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from mongodb_session_manager.migrations.base import Migration

__all__ = [
    "Direction",
    "Failure",
    "MigrationProgress",
    "MigrationReport",
    "MigrationStatus",
    "StepReport",
]

Direction = Literal["up", "down"]


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
    pages_written: int = 0
    """Page documents upserted (``<sessions>_pages``), re-writes included."""
    pages_deleted: int = 0
    """Page documents deleted: orphans of missed writes, pages of sessions moved back."""
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
    pages: int = 0
    """Documents in ``<collection>_pages`` (schema 2's older messages), estimated."""
    blobs: int = 0
    """Documents in ``<collection>_blobs`` (chunks of out-of-line values), estimated."""

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
