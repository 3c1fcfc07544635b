"""``msm local-db``: the embedded MongoDB-compatible server, in the foreground."""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer

from mongodb_session_manager.errors import LocalServerUnavailableError
from mongodb_session_manager.local.data_dir import (
    DATA_DIR_ENV,
    DEFAULT_PORT,
    LocalDatabase,
    default_data_dir,
    free_port,
    port_is_free,
)

HOST = "127.0.0.1"  # mongoeco has no authentication: never reachable from other machines


def register(app: typer.Typer) -> None:
    """Add the ``local-db`` command to ``app``."""

    @app.command("local-db")
    def local_db(
        data_dir: Annotated[
            Path | None,
            typer.Option(
                "--data-dir",
                envvar=DATA_DIR_ENV,
                help="Directory of the SQLite file (local.sqlite3). Default: ./.msm",
                show_default=False,
            ),
        ] = None,
        port: Annotated[
            int | None,
            typer.Option(
                "--port",
                help=f"TCP port. Default: {DEFAULT_PORT}, or the next free one.",
                show_default=False,
            ),
        ] = None,
    ) -> None:
        """Run the embedded MongoDB-compatible server on 127.0.0.1 until Ctrl-C.

        Several processes (your agents, msm viewer, msm playground, msm demo) can
        then share one local database. Every write is committed to the SQLite
        file as it happens; Ctrl-C (or SIGTERM) stops cleanly.
        """
        directory = data_dir or default_data_dir()
        try:
            if port is None:
                chosen = free_port(HOST, DEFAULT_PORT)
            elif port_is_free(HOST, port):
                chosen = port
            else:
                raise LocalServerUnavailableError(f"port {port} on {HOST} is already in use")
            local = LocalDatabase(directory, port=chosen, command="msm local-db")
            uri = local.start()
        except LocalServerUnavailableError as exc:
            typer.echo(f"msm local-db: {exc}", err=True)
            raise typer.Exit(1) from exc

        stop = threading.Event()

        def request_stop(signum: int, frame: FrameType | None) -> None:
            stop.set()

        previous = {
            sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)
        }
        typer.echo(f"Local MongoDB-compatible server (mongoeco) on {uri}")
        typer.echo(f"Data: {local.path}")
        typer.echo(f"Use it:  export MONGODB_URI='{uri}'")
        typer.echo("Other msm commands on this data directory find it by themselves.")
        typer.echo("Press Ctrl-C to stop.", err=False)
        try:
            # A timed wait so the main thread keeps running Python code for the handler.
            while not stop.wait(0.5):
                if not local.running:
                    typer.echo("msm local-db: the server stopped unexpectedly", err=True)
                    raise typer.Exit(1)
        finally:
            local.stop()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        typer.echo(f"Stopped. Data kept in {local.path}")
