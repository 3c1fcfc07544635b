"""The `msm` command line."""

from __future__ import annotations

import os
import re
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


def _fresh(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


HEAVY = ("beanie", "strands", "boto3", "fastapi", "uvicorn", "pymongo", "motor")


def test_importing_the_package_pulls_in_no_driver_framework_or_aws() -> None:
    loaded = _fresh(
        "import sys, mongodb_session_manager as m\n"
        f"print(sorted(n for n in {HEAVY!r} if n in sys.modules))"
    )
    assert loaded == "[]"


def test_a_public_name_is_imported_on_first_use_and_all_of_them_resolve() -> None:
    out = _fresh(
        "import sys, mongodb_session_manager as m\n"
        "assert 'beanie' not in sys.modules\n"
        "m.MongoDBSessionManager\n"
        "assert 'beanie' in sys.modules and 'fastapi' not in sys.modules\n"
        "missing = [n for n in m.__all__ if not hasattr(m, n)]\n"
        "assert set(m.__all__) <= set(dir(m))\n"
        "print(missing)"
    )
    assert out == "[]"


def test_the_cli_starts_without_the_driver() -> None:
    # `msm --help` builds every command; none may import Beanie, Strands or the driver first.
    loaded = _fresh(
        "import sys\nfrom mongodb_session_manager.cli._app import build_command\n"
        "build_command()\n"
        f"print(sorted(n for n in {HEAVY!r} if n in sys.modules))"
    )
    assert loaded == "[]"


def _help(args: list[str], columns: int) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "mongodb_session_manager.cli", *args, "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": str(columns)},
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_help_shows_plain_metavars_and_consistent_options() -> None:
    for args in ([], ["sessions", "list"], ["migrate", "up"], ["viewer"], ["playground"]):
        output = _help(args, 100)
        assert not re.search(r"<(bool|str|int|path|float)>", output), output
        assert "--help  " in output or "--help " in output
    for args in (["sessions", "list"], ["migrate", "status"], ["viewer"], ["demo"]):
        output = _help(args, 200)
        for flag in ("--uri", "--data-dir", "-d", "-c", "MONGODB_URI", "MSM_DATA_DIR"):
            assert flag in output, (args, flag)
        assert "database_name" in output and "collection_name" in output
    assert re.search(r"--batch-size\s+INTEGER", _help(["migrate", "up"], 200))


def test_the_serve_helpers_shared_by_viewer_and_playground() -> None:
    import typer

    from mongodb_session_manager.cli._serve import (
        page_url,
        refuse_no_auth_off_loopback,
        token_url,
    )

    assert page_url("127.0.0.1", 8882) == "http://127.0.0.1:8882/"
    assert page_url("::1", 9000) == "http://[::1]:9000/"
    assert token_url("http://h:1/", "t") == "http://h:1/#token=t"
    refuse_no_auth_off_loopback(True, "127.0.0.1", "refused")
    refuse_no_auth_off_loopback(False, "0.0.0.0", "refused")
    try:
        refuse_no_auth_off_loopback(True, "0.0.0.0", "refused")
    except typer.Exit as exc:
        assert exc.exit_code == 2
    else:
        raise AssertionError("--no-auth off loopback was accepted")
