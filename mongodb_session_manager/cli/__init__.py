"""``msm``: the command-line interface.

Each command lives in its own module under this package and registers itself
on :data:`app` (see ``_app``), so capabilities stay in their own files. The
Typer application is built on first use: ``msm --version`` answers without it.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mongodb_session_manager.cli._app import app as app

__all__ = ["app", "main"]


def main() -> None:
    """Console-script entry point."""
    if sys.argv[1:] == ["--version"]:  # the one answer that needs no command at all
        from mongodb_session_manager._version import __version__

        print(f"msm (mongodb-session-manager) {__version__}")
        return
    from mongodb_session_manager.cli._app import main as run

    run()


def __getattr__(name: str) -> Any:
    if name == "app":
        from mongodb_session_manager.cli._app import app

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
