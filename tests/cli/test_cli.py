"""The `msm` command line."""

from __future__ import annotations

import subprocess
import sys

from typer.testing import CliRunner

from mongodb_session_manager import __version__
from mongodb_session_manager.cli import app


def test_version() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"msm (mongodb-session-manager) {__version__}"


def test_the_console_script_is_installed() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mongodb_session_manager.cli", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0 and __version__ in done.stdout
