"""The Typer application and the registration of every command module."""

from __future__ import annotations

import importlib
import logging
from typing import Annotated, Any

import typer
import typer.main

from mongodb_session_manager._version import __version__

app = typer.Typer(
    name="msm",
    help="mongodb-session-manager: durable MongoDB memory for Strands Agents.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
    # Plain Click help: Typer's rich help imports rich.markdown and markdown-it
    # (~110 ms), which alone would break the 0.3 s budget of `msm --help`.
    rich_markup_mode=None,
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


def _plain_metavars(command: Any) -> None:
    """Click's usual metavars (``TEXT``, ``INTEGER``, ``PATH``), none for flags.

    Typer 0.2x shows Python type names (``<str>``, ``<bool>``), even for flags.
    """
    for param in getattr(command, "params", ()):
        if param.metavar is not None or not hasattr(param, "is_flag"):
            continue
        if param.is_flag or getattr(param, "count", False):
            param.metavar = ""
            continue
        desc = param.type_descriptor
        if desc.is_choice:
            values = (str(getattr(choice, "value", choice)) for choice in desc.choices or ())
            param.metavar = "[" + "|".join(values) + "]"
        elif desc.is_path:
            param.metavar = "PATH"
        else:
            bare = param.bare_type().removeprefix("list[").removesuffix("]")
            param.metavar = _METAVARS.get(bare, bare.upper())
    _quiet_help_option(command)
    for sub in getattr(command, "commands", {}).values():
        _plain_metavars(sub)


def _quiet_help_option(command: Any) -> None:
    """``--help`` is a flag too; Click builds it on demand, so mark it when it is built."""
    build = command.get_help_option

    def get_help_option(ctx: Any) -> Any:
        option = build(ctx)
        if option is not None:
            option.metavar = ""
        return option

    command.get_help_option = get_help_option


_METAVARS = {"str": "TEXT", "int": "INTEGER", "float": "FLOAT"}


def build_command() -> Any:
    """The Click command behind ``msm``, with plain metavars in its help."""
    command = typer.main.get_command(app)
    _plain_metavars(command)
    return command


def main() -> None:
    """Console-script entry point."""
    build_command()(prog_name="msm")
