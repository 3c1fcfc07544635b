"""``msm sessions list|show|export|delete``: operator tasks on stored sessions."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer
from rich.console import Console
from rich.table import Table

from mongodb_session_manager.cli._messages import message_line
from mongodb_session_manager.cli._option_groups import with_option_groups
from mongodb_session_manager.cli._options import (
    ExportFormatOption,
    OutputOption,
    SessionIdArgument,
)
from mongodb_session_manager.cli._store_options import (
    StoreOptions,
    opened_pool,
    parse_datetime,
    parse_duration,
    parse_pairs,
    plain,
    short,
)
from mongodb_session_manager.cli._tables import Cell, Column, fitted_table
from mongodb_session_manager.errors import (
    InvalidInputError,
    SchemaVersionError,
    SessionNotFoundError,
    StoreUnavailableError,
)
from mongodb_session_manager.local.server import LocalServerUnavailableError

if TYPE_CHECKING:
    from mongodb_session_manager.lifecycle import SessionQuery
    from mongodb_session_manager.repository.repository import MongoDBSessionRepository

app = typer.Typer(
    name="sessions",
    help="List, show, export and delete stored sessions.",
    no_args_is_help=True,
)

Application = Annotated[
    str | None, typer.Option("--application", help="Only sessions of this application_name.")
]
InactiveFor = Annotated[
    str | None,
    typer.Option("--inactive-for", help="Not written for at least this long (30d, 12h, 1w2d)."),
]
UpdatedBefore = Annotated[
    str | None, typer.Option("--updated-before", help="Last written before (ISO 8601, UTC).")
]
CreatedBefore = Annotated[
    str | None, typer.Option("--created-before", help="Created before (ISO 8601, UTC).")
]
MetadataFilter = Annotated[
    list[str] | None,
    typer.Option("--metadata", help="Metadata field equal to a value: key=value (repeatable)."),
]
SchemaVersion = Annotated[
    int | None, typer.Option("--schema-version", help="Stored schema version (0: reference).")
]
IncludeRedacted = Annotated[
    bool,
    typer.Option(
        "--include-redacted", help="Also include the original content of redacted messages."
    ),
]


@dataclass(frozen=True)
class SessionFilters:
    """The filters of ``list`` and ``delete``: which sessions (all when none is given)."""

    application: Application = None
    inactive_for: InactiveFor = None
    updated_before: UpdatedBefore = None
    created_before: CreatedBefore = None
    metadata: MetadataFilter = None
    schema_version: SchemaVersion = None

    def query(self, session_ids: list[str] | None = None) -> SessionQuery:
        """The lifecycle query (``BadParameter`` for an unreadable duration or date)."""
        inactive: timedelta | None = (
            parse_duration(self.inactive_for) if self.inactive_for else None
        )
        from mongodb_session_manager.lifecycle import SessionQuery

        return SessionQuery(
            session_ids=session_ids or None,
            application_name=self.application,
            inactive_for=inactive,
            updated_before=parse_datetime(self.updated_before) if self.updated_before else None,
            created_before=parse_datetime(self.created_before) if self.created_before else None,
            metadata=parse_pairs(self.metadata) or None,
            schema_version=self.schema_version,
        )


_ERRORS = (
    InvalidInputError,
    SchemaVersionError,
    StoreUnavailableError,
    LocalServerUnavailableError,
)


@contextmanager
def _repository(
    ctx: typer.Context, store: StoreOptions, *, missing: bool = False
) -> Iterator[MongoDBSessionRepository]:
    """The repository of ``store``; errors inside exit with an error line.

    With ``missing``, a session that does not exist exits with code 1 (else 2).
    """
    from mongodb_session_manager.repository.repository import MongoDBSessionRepository

    errors = (SessionNotFoundError, *_ERRORS) if missing else _ERRORS
    codes: dict[type[Exception], int] | None = {SessionNotFoundError: 1} if missing else None
    with opened_pool(ctx, store, "msm sessions", errors, codes) as pool:
        yield MongoDBSessionRepository(
            pool=pool, database_name=store.database, collection_name=store.collection
        )


@app.command("list")
@with_option_groups
def list_command(
    ctx: typer.Context,
    store: StoreOptions,
    filters: SessionFilters,
    limit: Annotated[int, typer.Option("--limit", min=1, max=10_000)] = 50,
    skip: Annotated[int, typer.Option("--skip", min=0)] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """Sessions, most recently written first (no messages are transferred)."""
    from mongodb_session_manager import lifecycle

    query = filters.query()
    with _repository(ctx, store) as repository:
        rows = lifecycle.list_sessions(query, limit=limit, skip=skip, repository=repository)
    if as_json:
        for row in rows:
            typer.echo(json.dumps(vars(row), default=str, ensure_ascii=False))
        return
    columns = [
        Column("session", 0),
        Column("app", 3),
        Column("v", 7, "right"),
        Column("agents", 5, "right"),
        Column("msgs", 1, "right"),
        Column("fb", 4, "right"),
        Column("bytes", 6, "right"),
        Column("last write (UTC)", 2, "right"),
        Column("expires (UTC)", 8, "right"),
    ]
    cells: list[list[Cell]] = [
        [
            plain(row.session_id),
            plain(row.application_name or "-"),
            str(row.schema_version),
            str(row.agents),
            "-" if row.messages is None else str(row.messages),
            str(row.feedbacks),
            "-" if row.size_bytes is None else f"{row.size_bytes:,}",
            short(row.updated_at),
            short(row.expires_at),
        ]
        for row in rows
    ]
    console = Console()
    title = f"{store.database}.{store.collection}: {len(rows)} session(s)"
    table = fitted_table(title, columns, cells, console.width)
    console.print(table)
    if len(rows) == limit:
        Console().print(f"(more may follow: --skip {skip + limit})", style="dim")


@app.command("show")
@with_option_groups
def show_command(
    ctx: typer.Context,
    session_id: SessionIdArgument,
    store: StoreOptions,
    messages: Annotated[
        int, typer.Option("--messages", min=0, help="Last messages shown per agent.")
    ] = 10,
    include_redacted: IncludeRedacted = False,
) -> None:
    """A session's fields, metadata, feedback, agents and latest messages."""
    from mongodb_session_manager.lifecycle.export import export_document
    from mongodb_session_manager.lifecycle.stream import read_tail

    with _repository(ctx, store, missing=True) as repository:
        # Only each agent's last ``messages`` are read, not the whole session.
        tail = repository.store.runner.run(read_tail(repository.store, session_id, messages))
    data = export_document(tail, include_redacted=include_redacted)
    _print_session(Console(), data, messages)


def _print_session(out: Console, data: dict[str, Any], messages: int) -> None:
    """The ``show`` output: fields and totals, metadata, feedback, then each agent's messages."""
    session = data["session"]
    header = Table(show_header=False, title=f"session {session['session_id']}")
    header.add_column()
    header.add_column()
    for key in (
        "application_name",
        "schema_version",
        "created_at",
        "updated_at",
        "expires_at",
        "size_bytes",
    ):
        header.add_row(key, plain(session.get(key)))
    totals = data.get("totals") or {}
    for key in ("messages", "model_calls", "input_tokens", "output_tokens", "latency_ms"):
        header.add_row(f"totals.{key}", plain(totals.get(key, 0)))
    out.print(header)
    out.print("metadata:")
    out.print(plain(json.dumps(data.get("metadata") or {}, indent=2, ensure_ascii=False)))
    out.print(f"feedback ({len(data['feedbacks'])}):")
    for feedback in data["feedbacks"]:
        out.print(
            plain(
                f"  {feedback.get('rating') or '-'}  {feedback.get('created_at')}  "
                f"{feedback.get('comment') or ''}"
            )
        )
    for agent in data["agents"]:
        out.print(
            plain(
                f"\nagent {agent['agent_id']}  model={agent.get('model') or '-'}  "
                f"messages={agent.get('message_count') or len(agent['messages'])}"
            )
        )
        for message in agent["messages"][-messages:] if messages else []:
            out.print(message_line(message))


@app.command("export")
@with_option_groups
def export_command(
    ctx: typer.Context,
    session_id: SessionIdArgument,
    store: StoreOptions,
    fmt: ExportFormatOption = "json",
    output: OutputOption = None,
    include_redacted: IncludeRedacted = False,
) -> None:
    """Everything in one session as JSON (bytes in base64) or Markdown."""
    from mongodb_session_manager import lifecycle

    fmt = fmt.lower()
    if fmt not in ("json", "markdown", "md"):
        raise typer.BadParameter("--format must be json or markdown")
    kind: Literal["json", "markdown"] = "json" if fmt == "json" else "markdown"
    # Written as it is read: a long session never sits in memory whole.
    with _repository(ctx, store, missing=True) as repository:
        if output is None:
            lifecycle.export_session_to(
                session_id,
                sys.stdout,
                format=kind,
                include_redacted=include_redacted,
                repository=repository,
            )
            return
        partial = output.with_name(output.name + ".partial")
        try:
            with partial.open("w", encoding="utf-8") as file:
                lifecycle.export_session_to(
                    session_id,
                    file,
                    format=kind,
                    include_redacted=include_redacted,
                    repository=repository,
                )
            partial.replace(output)  # never a half-written export under the asked name
        finally:
            partial.unlink(missing_ok=True)
    size = output.stat().st_size
    Console(stderr=True).print(plain(f"wrote {output} ({size:,} bytes)"))


@app.command("delete")
@with_option_groups
def delete_command(
    ctx: typer.Context,
    store: StoreOptions,
    filters: SessionFilters,
    session_ids: Annotated[
        list[str] | None, typer.Argument(help="Session ids (or use the filters).")
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would be deleted; delete nothing.")
    ] = False,
) -> None:
    """Delete sessions by id or by filter (asks first; --dry-run shows the matches)."""
    from mongodb_session_manager import lifecycle

    query = filters.query(session_ids)
    out = Console()
    with _repository(ctx, store) as repository:
        preview = lifecycle.delete_sessions(query, dry_run=True, repository=repository)
        where = f"{store.database}.{store.collection}"
        out.print(plain(f"{preview.matched} session(s) match in {where}"))
        for session_id in preview.sample_ids:
            out.print(plain(f"  {session_id}"))
        if preview.matched > len(preview.sample_ids):
            out.print(plain(f"  ... and {preview.matched - len(preview.sample_ids)} more"))
        if dry_run or not preview.matched:
            if dry_run:
                out.print("Dry run: nothing deleted.")
            return
        if not yes and not typer.confirm(f"Delete {preview.matched} session(s)?"):
            out.print("Nothing deleted.")
            raise typer.Exit(1)
        # Never more than what was confirmed, even if more match by now.
        report = lifecycle.delete_sessions(query, limit=preview.matched, repository=repository)
    out.print(plain(f"Deleted {report.deleted} session(s)."))


def register(root: typer.Typer) -> None:
    """Add ``msm sessions`` (and ``msm sessions snapshots``) to the root application."""
    from mongodb_session_manager.cli import snapshot_sessions

    app.add_typer(snapshot_sessions.app, name="snapshots")
    root.add_typer(app, name="sessions")
