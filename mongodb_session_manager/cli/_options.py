"""Options several ``msm`` commands share, declared once."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mongodb_session_manager.local.data_dir import DATA_DIR_ENV

UriOption = Annotated[
    str | None,
    typer.Option(
        "--uri",
        envvar="MONGODB_URI",
        help="MongoDB connection string. Default: the msm local-db serving --data-dir, "
        "else an embedded server on its file.",
        show_default=False,
    ),
]
DataDirOption = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        envvar=DATA_DIR_ENV,
        help="Directory of the local database (local.sqlite3). Default: ./.msm",
        show_default=False,
    ),
]
DatabaseOption = Annotated[
    str,
    typer.Option("--database", "-d", envvar="MSM_DATABASE", help="Database of the sessions."),
]
CollectionOption = Annotated[
    str,
    typer.Option("--collection", "-c", envvar="MSM_COLLECTION", help="Collection of the sessions."),
]
SessionIdArgument = Annotated[str, typer.Argument(help="The session id.")]
ExportFormatOption = Annotated[
    str, typer.Option("--format", help="json or markdown.", case_sensitive=False)
]
OutputOption = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write to this file (default: stdout).")
]
ModelOption = Annotated[
    str | None,
    typer.Option(
        "--model",
        envvar="MSM_MODEL",
        help="'scripted' (offline, default) or 'bedrock:<model-id>'.",
        show_default=False,
    ),
]
AllowedHostOption = Annotated[
    list[str] | None,
    typer.Option(
        "--allowed-host",
        help="Host name the app answers to besides the bind host, localhost, 127.0.0.1 and "
        "[::1] (repeatable; also $MSM_ALLOWED_HOSTS, comma-separated; '*' turns the "
        "DNS-rebinding check off).",
        show_default=False,
    ),
]
