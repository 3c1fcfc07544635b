"""The Typer application and the registration of every command module."""

from __future__ import annotations

import importlib
import logging
from typing import Annotated

import typer

from mongodb_session_manager._version import __version__

app = typer.Typer(
    name="msm",
    help="mongodb-session-manager: durable MongoDB memory for Strands Agents.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)

# Command modules; each defines `register(app)`. Missing optional extras are
# reported by the command itself when run, never at import.
_COMMAND_MODULES: tuple[str, ...] = (
    "demo",
    "local_db",
    "playground",
    "viewer",
    "migrate",
    "sessions",
)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"msm (mongodb-session-manager) {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_version_callback,
            is_eager=True,
            help="Print the version and exit.",
        ),
    ] = False,
    log_level: Annotated[str, typer.Option("--log-level", help="Python log level.")] = "WARNING",
) -> None:
    """mongodb-session-manager command line."""
    logging.basicConfig(
        level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )


def _register_commands() -> None:
    for name in _COMMAND_MODULES:
        module = importlib.import_module(f"mongodb_session_manager.cli.{name}")
        module.register(app)


_register_commands()


def main() -> None:
    """Console-script entry point."""
    app()
