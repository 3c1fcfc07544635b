"""Every Python block of README.md runs, as written, against the test server.

* the quickstart: ``examples/quickstart.py`` is that block (test_quickstart.py);
* a block whose first line is ``# <name>.py`` is a file: ``app.py`` (FastAPI) is
  served and called; ``conftest.py`` + ``test_*.py`` are run with pytest;
* every other block continues one script, run top to bottom in a fresh interpreter.

The server reaches the blocks the way the README says: ``MONGODB_URI``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from mongodb_session_manager.testing import MongoBackend
from tests.examples.readme_blocks import Block, blocks, drop_database

QUICKSTART = "30-second quickstart"


def _needs_server(backend: MongoBackend) -> str:
    if backend.uri is None:
        pytest.skip("README blocks reach MongoDB through MONGODB_URI; the mock backend has none")
    return backend.uri


def _run(args: list[str], cwd: Path, uri: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("MSM_MODEL", "MSM_TEST_BACKEND")}
    env["MONGODB_URI"] = uri
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, timeout=240, env=env, cwd=cwd
    )


def _files() -> list[Block]:
    return [block for block in blocks() if block.filename]


def _script() -> list[Block]:
    return [block for block in blocks() if not block.filename and block.heading != QUICKSTART]


def test_every_block_is_run_by_one_of_these_tests() -> None:
    found = blocks()
    quickstart = [block for block in found if block.heading == QUICKSTART]
    assert len(quickstart) == 1
    assert len(found) == len(quickstart) + len(_files()) + len(_script())
    assert {block.filename for block in _files()} == {"app.py", "conftest.py", "test_my_agent.py"}
    assert len(_script()) >= 6  # setup, metadata, feedback, agent config, retention, export


def test_the_task_snippets_run_in_order(msm_backend: MongoBackend, tmp_path: Path) -> None:
    uri = _needs_server(msm_backend)
    drop_database(msm_backend, "my_app")
    script = tmp_path / "readme_snippets.py"
    script.write_text("\n".join(block.code for block in _script()), encoding="utf-8")
    done = _run([str(script)], tmp_path, uri)
    assert done.returncode == 0, done.stderr[-3000:]


def test_the_fastapi_app_streams_an_answer_and_stores_it(
    msm_backend: MongoBackend, tmp_path: Path
) -> None:
    uri = _needs_server(msm_backend)
    drop_database(msm_backend, "my_app")
    (app,) = [block for block in _files() if block.filename == "app.py"]
    (tmp_path / "app.py").write_text(app.code, encoding="utf-8")
    client = (
        "from fastapi.testclient import TestClient\n"
        "import app\n"
        "with TestClient(app.app) as client:\n"
        "    first = client.post('/chat/web-1', params={'prompt': 'hello there'})\n"
        "    second = client.post('/chat/web-1', params={'prompt': 'again'})\n"
        "    from mongodb_session_manager import get_global_factory\n"
        "    count = get_global_factory().create_session_manager('web-1')"
        ".get_message_count('assistant')\n"
        "print(first.status_code, second.status_code, count)\n"
        "print(first.text)\n"
    )
    done = _run(["-c", client], tmp_path, uri)
    assert done.returncode == 0, done.stderr[-3000:]
    status, body = done.stdout.split("\n", 1)
    assert status == "200 200 4"  # two turns, two messages each, on the same session
    assert "hello there" in body  # the offline model echoes what it was told


def test_the_testing_snippet_is_a_passing_pytest_suite(
    msm_backend: MongoBackend, tmp_path: Path
) -> None:
    uri = _needs_server(msm_backend)
    for block in _files():
        if block.filename in ("conftest.py", "test_my_agent.py"):
            (tmp_path / block.filename).write_text(block.code, encoding="utf-8")
    done = _run(["-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)], tmp_path, uri)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "1 passed" in done.stdout
