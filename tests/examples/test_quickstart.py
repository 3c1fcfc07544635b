"""The README's main command: the quickstart example, run as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from mongodb_session_manager.testing import MongoBackend

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def run_example(name: str, backend: MongoBackend, *args: str) -> str:
    """Run ``examples/<name>`` in a fresh interpreter; the server backend when there is one."""
    env = dict(os.environ)
    if backend.kind == "mongodb" and backend.uri:
        env["MONGODB_URI"] = backend.uri
    elif sys.version_info < (3, 13):
        pytest.skip(
            "examples start the embedded server, which needs Python 3.13 (or set MONGODB_URI)"
        )
    else:
        env.pop("MONGODB_URI", None)
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / name), *args],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
        cwd=EXAMPLES.parent,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_quickstart_persists_and_resumes(msm_backend: MongoBackend) -> None:
    out = run_example("quickstart.py", msm_backend)
    assert "Restored 6 messages from MongoDB:" in out
    assert "[tool call] multiply({'a': 12, 'b': 7.5})" in out
    assert "[tool result] 90.0" in out
    assert "The conversation continues: You asked about 12 licences, Ana." in out
    assert "Stored: 8 messages" in out
