"""``msm sessions snapshots list|show|export|delete``: Strands' snapshot sessions.

The sessions ``SnapshotSessionManager`` keeps in a :class:`MongoDBStorage`
collection (``strands_storage`` unless told otherwise): each agent's latest
snapshot and its immutable checkpoints. Read through
:class:`~mongodb_session_manager.snapshots.SnapshotSessions`.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from mongodb_session_manager._defaults import DEFAULT_DATABASE
from mongodb_session_manager.cli._messages import message_line
from mongodb_session_manager.cli._option_groups import with_option_groups
from mongodb_session_manager.cli._options import (
    ExportFormatOption,
    OutputOption,
    SessionIdArgument,
)
from mongodb_session_manager.cli._store_options import (
    Database,
    DataDir,
    Uri,
    opened_pool,
    parse_datetime,
    plain,
    short,
)
from mongodb_session_manager.errors import (
    InvalidInputError,
    StoredSnapshotError,
    StoreUnavailableError,
)
from mongodb_session_manager.local.server import LocalServerUnavailableError

if TYPE_CHECKING:
    from mongodb_session_manager.snapshots import SnapshotSessions

T = TypeVar("T")

app = typer.Typer(
    name="snapshots",
    help="Snapshot sessions (Strands' SnapshotSessionManager on MongoDBStorage).",
    no_args_is_help=True,
)

_COMMAND = "msm sessions snapshots"
_ERRORS = (
    InvalidInputError,
    StoredSnapshotError,
    StoreUnavailableError,
    LocalServerUnavailableError,
)


@dataclass(frozen=True)
class SnapshotStoreOptions:
    """Where the snapshot sessions are: the database options and the storage's own."""

    uri: Uri = None
    data_dir: DataDir = None
    database: Database = DEFAULT_DATABASE
    collection: Annotated[
        str,
        typer.Option(
            "--collection", "-c", help="The MongoDBStorage collection.", show_default=True
        ),
    ] = "strands_storage"
    namespace: Annotated[
        str | None, typer.Option("--namespace", help="The MongoDBStorage namespace= option.")
    ] = None


class _Reader:
    """``SnapshotSessions`` on the command's pool, with its coroutines run to the end."""

    def __init__(self, sessions: SnapshotSessions) -> None:
        self.sessions = sessions

    def __call__(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run(coro)


@contextmanager
def _sessions(ctx: typer.Context, store: SnapshotStoreOptions) -> Iterator[_Reader]:
    from mongodb_session_manager.cli._store_options import StoreOptions
    from mongodb_session_manager.snapshots import SnapshotSessions
    from mongodb_session_manager.storage import MongoDBStorage

    where = StoreOptions(uri=store.uri, data_dir=store.data_dir, database=store.database)
    with opened_pool(ctx, where, _COMMAND, _ERRORS) as pool:
        storage = MongoDBStorage(
            pool=pool,
            database_name=store.database,
            collection_name=store.collection,
            namespace=store.namespace,
        )
        try:
            yield _Reader(SnapshotSessions(storage))
        finally:
            storage.close()


def _missing(session_id: str) -> typer.Exit:
    Console(stderr=True).print(plain(f"{_COMMAND}: no snapshot session {session_id!r}"))
    return typer.Exit(1)


@app.command("list")
@with_option_groups
def list_command(
    ctx: typer.Context,
    store: SnapshotStoreOptions,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000)] = 50,
    before: Annotated[
        str | None, typer.Option("--before", help="Saved before (ISO 8601): the next page.")
    ] = None,
    prefix: Annotated[str, typer.Option("--prefix", help="Session ids starting with.")] = "",
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """Snapshot sessions, most recently saved first (no snapshot is read)."""
    until = parse_datetime(before) if before else None
    with _sessions(ctx, store) as run:
        rows = run(run.sessions.list_sessions(limit=limit, before=until, prefix=prefix))
    if as_json:
        for row in rows:
            typer.echo(json.dumps(_row(row), ensure_ascii=False))
        return
    table = Table(title=f"{store.database}.{store.collection}: {len(rows)} snapshot session(s)")
    for name, justify in (("session", "left"), ("scopes", "right"), ("bytes", "right")):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    table.add_column("last save (UTC)", justify="right")
    for row in rows:
        table.add_row(
            plain(row.session_id), str(row.scopes), f"{row.size:,}", short(row.updated_at)
        )
    console = Console()
    console.print(table)
    if len(rows) == limit:
        console.print(f"(more may follow: --before {rows[-1].updated_at.isoformat()})", style="dim")


def _row(row: Any) -> dict[str, Any]:
    return {
        "session_id": row.session_id,
        "updated_at": row.updated_at.isoformat(),
        "scopes": row.scopes,
        "size": row.size,
    }


@app.command("show")
@with_option_groups
def show_command(
    ctx: typer.Context,
    session_id: SessionIdArgument,
    store: SnapshotStoreOptions,
    checkpoint: Annotated[
        str | None,
        typer.Option("--checkpoint", help="Show the conversation at this checkpoint id."),
    ] = None,
    messages: Annotated[
        int, typer.Option("--messages", min=0, help="Last messages shown per agent.")
    ] = 10,
) -> None:
    """A snapshot session's scopes and checkpoints, and each agent's last messages."""
    with _sessions(ctx, store) as run:
        detail = run(run.sessions.describe(session_id))
        export = run(run.sessions.transcript(session_id, checkpoint)) if detail else None
    if detail is None or export is None:
        raise _missing(session_id if detail is None else f"{session_id} @ {checkpoint}")
    out = Console()
    table = Table(title=plain(f"snapshot session {session_id}"))
    for column in ("scope", "id", "checkpoints", "latest saved (UTC)", "latest bytes"):
        table.add_column(column)
    for scope in detail.scopes:
        latest = scope.latest
        table.add_row(
            scope.kind,
            plain(scope.scope_id),
            str(len(scope.checkpoints)),
            short(latest.updated_at) if latest else "-",
            f"{latest.size:,}" if latest else "-",
        )
    out.print(table)
    for scope in detail.scopes:
        for c in scope.checkpoints:
            out.print(plain(f"  {scope.scope_id}  {c.snapshot_id}  {short(c.created_at)}"))
    for agent in export["agents"]:
        shown = checkpoint or "latest"
        out.print(
            plain(f"\nagent {agent['agent_id']} at {shown}: {agent['message_count']} messages")
        )
        for message in agent["messages"][-messages:] if messages else []:
            out.print(message_line(message))


@app.command("export")
@with_option_groups
def export_command(
    ctx: typer.Context,
    session_id: SessionIdArgument,
    store: SnapshotStoreOptions,
    fmt: ExportFormatOption = "json",
    checkpoint: Annotated[
        str | None, typer.Option("--checkpoint", help="Markdown: the conversation at this one.")
    ] = None,
    output: OutputOption = None,
) -> None:
    """A snapshot session as JSON (latest and every checkpoint) or a Markdown transcript."""
    from mongodb_session_manager.lifecycle import to_markdown

    fmt = fmt.lower()
    if fmt not in ("json", "markdown", "md"):
        raise typer.BadParameter("--format must be json or markdown")
    with _sessions(ctx, store) as run:
        if fmt == "json":
            data = run(run.sessions.export(session_id))
            text = None if data is None else json.dumps(data, indent=2, ensure_ascii=False)
        else:
            export = run(run.sessions.transcript(session_id, checkpoint))
            text = None if export is None else to_markdown(export)
    if text is None:
        raise _missing(session_id)
    if output is None:
        typer.echo(text)
        return
    partial = output.with_name(output.name + ".partial")
    try:
        partial.write_text(text + "\n", encoding="utf-8")
        partial.replace(output)  # never a half-written export under the asked name
    finally:
        partial.unlink(missing_ok=True)
    Console(stderr=True).print(plain(f"wrote {output} ({output.stat().st_size:,} bytes)"))


@app.command("delete")
@with_option_groups
def delete_command(
    ctx: typer.Context,
    session_ids: Annotated[list[str], typer.Argument(help="Session ids.")],
    store: SnapshotStoreOptions,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would be deleted; delete nothing.")
    ] = False,
) -> None:
    """Delete snapshot sessions: every snapshot, checkpoint and stash value (asks first)."""
    out = Console()
    with _sessions(ctx, store) as run:
        found = [(sid, run(run.sessions.describe(sid))) for sid in session_ids]
        present = [(sid, d) for sid, d in found if d is not None]
        for sid, detail in found:
            if detail is None:
                out.print(plain(f"  {sid}: not found"))
            else:
                points = sum(len(s.checkpoints) for s in detail.scopes)
                out.print(plain(f"  {sid}: {len(detail.scopes)} scope(s), {points} checkpoint(s)"))
        if dry_run or not present:
            out.print("Dry run: nothing deleted." if dry_run else "Nothing to delete.")
            return
        if not yes and not typer.confirm(f"Delete {len(present)} snapshot session(s)?"):
            out.print("Nothing deleted.")
            raise typer.Exit(1)
        values = sum(run(run.sessions.delete(sid)) for sid, _ in present)
    out.print(plain(f"Deleted {len(present)} snapshot session(s) ({values} stored values)."))
