"""``msm migrate status|up|down``: schema migrations of a session collection."""

from __future__ import annotations

import json
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from mongodb_session_manager._defaults import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_COLLECTION,
    DEFAULT_DATABASE,
)

if TYPE_CHECKING:
    from mongodb_session_manager.migrations import MigrationReport, MigrationStatus
from mongodb_session_manager.cli._store_options import (
    Collection,
    Database,
    DataDir,
    Uri,
    fail,
    open_pool,
    plain,
    when,
)
from mongodb_session_manager.errors import MigrationError, StoreUnavailableError
from mongodb_session_manager.local.server import LocalServerUnavailableError

app = typer.Typer(
    name="migrate",
    help="Schema migrations of the session collection (see docs/migrations.md).",
    no_args_is_help=True,
)


class TransactionMode(StrEnum):
    """Whether batches run in transactions."""

    auto = "auto"
    on = "on"
    off = "off"


class BarProgress:
    """A rich progress bar: counts, rate, elapsed time and an estimate of what is left."""

    def __init__(self, console: Console) -> None:
        self._progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.percentage:>3.0f}%"),
            TimeElapsedColumn(),
            TextColumn("eta"),
            TimeRemainingColumn(),
            console=console,
            transient=False,
        )
        self._task: TaskID | None = None

    def __enter__(self) -> BarProgress:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()

    def start(self, description: str, total: int) -> None:
        """A step starts: a new bar of ``total`` documents."""
        self._task = self._progress.add_task(description, total=max(total, 0))

    def advance(self, count: int) -> None:
        """``count`` more documents were handled."""
        if self._task is not None:
            self._progress.advance(self._task, count)

    def finish(self) -> None:
        """The step ended: the bar shows what was handled."""
        if self._task is not None:
            task = self._progress.tasks[self._task]
            # Documents added while migrating can push past the initial count.
            self._progress.update(self._task, total=max(task.completed, task.total or 0))


BatchSize = Annotated[
    int,
    typer.Option("--batch-size", min=1, max=10_000, help="Documents per read and per bulk write."),
]
DryRun = Annotated[
    bool, typer.Option("--dry-run", help="Convert and validate everything; write nothing.")
]
Target = Annotated[
    str | None,
    typer.Option(
        "--target-collection",
        help="Write converted documents into this collection (the source is left untouched).",
    ),
]
ToVersion = Annotated[int | None, typer.Option("--to", help="Target schema version.")]
Transactions = Annotated[
    TransactionMode,
    typer.Option(
        "--transactions",
        help="Run each batch in a transaction: auto (when the server supports them), on, off.",
    ),
]
NoProgress = Annotated[bool, typer.Option("--no-progress", help="No progress bar.")]


def _report_lines(report: MigrationReport) -> list[str]:
    lines = []
    if report.dry_run:
        lines.append("Dry run: nothing written; figures are what an `up` would do.")
    for step in report.steps:
        where = (
            step.collection if not step.copy else f"{step.collection} -> {step.target_collection}"
        )
        left = (
            ""
            if step.copy or report.dry_run
            else f", {step.remaining} left at v{step.from_version}"
        )
        lines.append(
            f"{step.migration} ({step.direction} v{step.from_version} -> v{step.to_version}) "
            f"{where}: {step.migrated} migrated, {step.already} already done, "
            f"{step.failed} failed{left} ({step.total} candidates, {step.batches} batches, "
            f"{step.seconds:.1f} s{', transactions' if step.transactions else ''})"
        )
    if not report.steps:
        lines.append("Nothing to do.")
    return lines


_TRANSACTION_MODES: dict[str, bool | None] = {"auto": None, "on": True, "off": False}


def _migrate(
    ctx: typer.Context,
    direction: str,
    uri: str | None,
    data_dir: Path | None,
    options: dict[str, Any],
    no_progress: bool,
) -> MigrationReport:
    """Run ``migrate_up`` / ``migrate_down`` with ``options`` on the command's pool."""
    from mongodb_session_manager.migrations import migrate_down, migrate_up

    run = migrate_up if direction == "up" else migrate_down
    try:
        with open_pool(ctx, uri, data_dir, "msm migrate") as pool:
            if no_progress:
                return run(pool=pool, **options)
            with BarProgress(Console(stderr=True)) as bar:
                return run(progress=bar, pool=pool, **options)
    except (MigrationError, StoreUnavailableError, LocalServerUnavailableError) as exc:
        raise fail("msm migrate", exc) from exc


def _print_report(report: MigrationReport) -> None:
    """The report on stdout; exits 130 when interrupted, 1 when documents failed."""
    out = Console()
    for line in _report_lines(report):
        out.print(plain(line))
    for warning in report.warnings:
        out.print(plain(f"warning: {warning}"), style="yellow")
    for step in report.steps:
        for failure in step.failures:
            out.print(plain(f"failed: {failure.session_id}: {failure.error}"), style="red")
        if step.failed > len(step.failures):
            out.print(plain(f"... and {step.failed - len(step.failures)} more (see the logs)"))
    if report.interrupted:
        out.print("Interrupted: run the same command again to resume.", style="yellow")
        raise typer.Exit(130)
    if report.failed:
        out.print(
            plain(f"{report.failed} document(s) were left as they were; fix them and re-run."),
            style="red",
        )
        raise typer.Exit(1)


def _status_json(status: MigrationStatus) -> dict[str, Any]:
    return {
        "database": status.database,
        "collection": status.collection,
        "schema_version": status.schema_version,
        "documents_by_version": {str(k): v for k, v in status.counts.items()},
        "pending": status.pending,
        "newer": status.newer,
        "pages": status.pages,
        "blobs": status.blobs,
        "migrations": [
            {"name": m.name, "version": m.version, "description": m.description}
            for m in status.migrations
        ],
        "history": [
            {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in entry.items()}
            for entry in status.history
        ],
    }


def _counts_table(status: MigrationStatus) -> Table:
    counts = Table(title="documents by schema version")
    counts.add_column("version", justify="right")
    counts.add_column("documents", justify="right")
    counts.add_column("")
    for version, number in status.counts.items():
        note = "reference layout" if version == 0 else ""
        if isinstance(version, int) and version < status.schema_version:
            note = (note + ", " if note else "") + "needs `msm migrate up`"
        elif version != status.schema_version:
            note = "newer or unknown: upgrade the library"
        counts.add_row(str(version), str(number), note)
    return counts


def _migrations_table(status: MigrationStatus) -> Table:
    migrations = Table(title="migrations")
    for column in ("name", "version", "description"):
        migrations.add_column(column)
    for migration in status.migrations:
        migrations.add_row(
            plain(migration.name), str(migration.version), plain(migration.description)
        )
    return migrations


def _history_table(status: MigrationStatus) -> Table:
    history = Table(title="runs")
    for column in (
        "migration",
        "direction",
        "target",
        "state",
        "migrated",
        "failed",
        "finished",
    ):
        history.add_column(column)
    for entry in status.history:
        history.add_row(
            plain(entry.get("migration")),
            plain(entry.get("direction")),
            plain(entry.get("target_collection")),
            plain(entry.get("state")),
            str(entry.get("migrated", 0)),
            str(entry.get("failed", 0)),
            when(entry.get("finished_at")),
        )
    return history


def _print_status(status: MigrationStatus) -> None:
    out = Console()
    where = f"{status.database}.{status.collection}"
    out.print(plain(f"{where}: this library reads schema {status.schema_version}"))
    out.print(_counts_table(status))
    if status.pages or status.blobs:
        out.print(f"companions: {status.pages} page(s), {status.blobs} value chunk(s)")
    out.print(_migrations_table(status))
    if status.history:
        out.print(_history_table(status))
    if status.pending:
        out.print(f"{status.pending} document(s) need `msm migrate up`.", style="yellow")
    elif status.newer:
        out.print(f"{status.newer} document(s) are newer than this library.", style="yellow")
    else:
        out.print("Up to date.", style="green")


@app.command("status")
def status_command(
    ctx: typer.Context,
    uri: Uri = None,
    data_dir: DataDir = None,
    database: Database = DEFAULT_DATABASE,
    collection: Collection = DEFAULT_COLLECTION,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Documents per schema version, pending work and past runs."""
    from mongodb_session_manager.migrations import migration_status

    try:
        with open_pool(ctx, uri, data_dir, "msm migrate") as pool:
            status = migration_status(pool=pool, database_name=database, collection_name=collection)
    except (StoreUnavailableError, LocalServerUnavailableError) as exc:
        raise fail("msm migrate", exc) from exc
    if as_json:
        typer.echo(json.dumps(_status_json(status), indent=2, default=str))
        return
    _print_status(status)


def _direction_command(direction: str, summary: str) -> Callable[..., None]:
    """The ``up`` or ``down`` command: the same options, one direction."""

    def command(
        ctx: typer.Context,
        uri: Uri = None,
        data_dir: DataDir = None,
        database: Database = DEFAULT_DATABASE,
        collection: Collection = DEFAULT_COLLECTION,
        target_collection: Target = None,
        to_version: ToVersion = None,
        batch_size: BatchSize = DEFAULT_BATCH_SIZE,
        dry_run: DryRun = False,
        transactions: Transactions = TransactionMode.auto,
        no_progress: NoProgress = False,
    ) -> None:
        options: dict[str, Any] = dict(
            database_name=database,
            collection_name=collection,
            target_collection=target_collection,
            to_version=to_version,
            batch_size=batch_size,
            dry_run=dry_run,
            transactions=_TRANSACTION_MODES[transactions.value],
        )
        _print_report(_migrate(ctx, direction, uri, data_dir, options, no_progress))

    command.__name__ = command.__qualname__ = f"{direction}_command"
    command.__doc__ = summary
    return command


up_command = app.command("up")(
    _direction_command(
        "up", "Migrate forward (to this library's schema). Safe to interrupt and re-run."
    )
)
down_command = app.command("down")(
    _direction_command(
        "down", "Migrate backward (one version; --to 0 restores the reference layout)."
    )
)


def register(root: typer.Typer) -> None:
    """Add ``msm migrate`` to the root application."""
    root.add_typer(app, name="migrate")
