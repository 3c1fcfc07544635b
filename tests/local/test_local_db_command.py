"""``msm local-db``: foreground server, clean stop on SIGINT / SIGTERM, nothing lost."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections import namedtuple
from collections.abc import Iterator
from pathlib import Path

import pytest
from strands import Agent
from typer.testing import CliRunner

from mongodb_session_manager import MongoDBSessionManagerFactory
from mongodb_session_manager.cli import app
from mongodb_session_manager.local.data_dir import free_port, open_database
from mongodb_session_manager.testing import ScriptedModel

needs_313 = pytest.mark.skipif(
    sys.version_info < (3, 13),
    reason="the embedded server (mongoeco) needs Python 3.13",
)


class LocalDb:
    """A ``msm local-db`` child process and the lines it printed."""

    def __init__(self, data_dir: Path, port: int) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "mongodb_session_manager.cli",
                "local-db",
                "--data-dir",
                str(data_dir),
                "--port",
                str(port),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        assert self.process.stdout is not None
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                break
            self.lines.append(line.rstrip("\n"))
            if line.startswith("Press Ctrl-C"):
                break
        match = re.search(r"on (mongodb://\S+)", "\n".join(self.lines))
        if match is None:
            self.process.kill()
            _, err = self.process.communicate(timeout=30)
            raise AssertionError(f"msm local-db printed no URI: {self.lines} {err[-2000:]}")
        self.uri = match.group(1)

    def stop(self, sig: int) -> tuple[int, str]:
        self.process.send_signal(sig)
        out, err = self.process.communicate(timeout=60)
        return self.process.returncode, out + err


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def port() -> int:
    return free_port("127.0.0.1", 37017 + os.getpid() % 1000)


@pytest.fixture
def started(data_dir: Path, port: int) -> Iterator[list[LocalDb]]:
    processes: list[LocalDb] = []
    yield processes
    for local in processes:
        if local.process.poll() is None:
            local.process.kill()
        local.process.communicate(timeout=60)  # reaps it and closes its pipes (killed ones too)


def talk(uri: str, prompt: str, reply: str) -> None:
    factory = MongoDBSessionManagerFactory(uri, "local_db_test")
    try:
        manager = factory.create_session_manager("kept-session")
        agent = Agent(model=ScriptedModel([reply]), session_manager=manager, callback_handler=None)
        agent(prompt)
        manager.update_metadata({"run": prompt})
        manager.close()
    finally:
        factory.close()


def read_back(uri: str) -> tuple[list[str], dict[str, object]]:
    factory = MongoDBSessionManagerFactory(uri, "local_db_test", ensure_indexes=False)
    try:
        manager = factory.create_session_manager("kept-session")
        texts = [
            m.message["content"][0]["text"]
            for m in factory.repository.list_messages("kept-session", "default")
        ]
        metadata = manager.get_metadata()["metadata"]
        manager.close()
        return texts, metadata
    finally:
        factory.close()


@needs_313
def test_data_survives_sigint_and_sigterm_and_is_shared(
    data_dir: Path, port: int, started: list[LocalDb]
) -> None:
    first = LocalDb(data_dir, port)
    started.append(first)
    assert first.uri == f"mongodb://127.0.0.1:{port}/?directConnection=true"
    assert f"Data: {data_dir / 'local.sqlite3'}" in first.lines
    talk(first.uri, "first run", "stored before Ctrl-C")

    code, output = first.stop(signal.SIGINT)
    assert code == 0, output
    assert f"Stopped. Data kept in {data_dir / 'local.sqlite3'}" in output
    assert not (data_dir / "local-db.json").exists()  # no stale advertisement

    second = LocalDb(data_dir, port)
    started.append(second)
    texts, metadata = read_back(second.uri)
    assert texts == ["first run", "stored before Ctrl-C"]
    assert metadata == {"run": "first run"}

    # What msm demo / msm playground do on the same data directory: connect, don't compete.
    with open_database(data_dir) as db:
        assert (db.kind, db.uri, db.owner_pid) == ("shared", second.uri, second.process.pid)
        assert f"served by msm process {second.process.pid}" in db.describe()
        talk(db.uri, "second run", "stored before SIGTERM")
    assert second.process.poll() is None  # leaving the block does not stop someone else's server

    # A second msm local-db on the same directory is refused, clearly.
    result = CliRunner().invoke(app, ["local-db", "--data-dir", str(data_dir)])
    assert result.exit_code == 1
    assert f"is already served by msm process {second.process.pid}" in result.stderr

    code, output = second.stop(signal.SIGTERM)
    assert code == 0, output
    assert "Stopped. Data kept in" in output

    with open_database(data_dir) as db:  # the file itself, through an in-process server
        assert db.kind == "embedded"
        texts, metadata = read_back(db.uri)
    assert texts[-2:] == ["second run", "stored before SIGTERM"]
    assert metadata == {"run": "second run"}


@needs_313
def test_a_killed_local_db_restarts_on_the_same_port_at_once(
    data_dir: Path, port: int, started: list[LocalDb]
) -> None:
    import pymongo

    first = LocalDb(data_dir, port)
    started.append(first)
    talk(first.uri, "before the crash", "kept")
    client: pymongo.MongoClient[dict[str, object]] = pymongo.MongoClient(first.uri)
    try:
        client.admin.command("ping")  # a connection still open when the server dies
        first.process.kill()  # kill -9: the server side closes first, its sockets linger
        first.process.wait()
        second = LocalDb(data_dir, port)  # no "port in use" for a minute
        started.append(second)
    finally:
        client.close()
    assert second.uri == first.uri
    texts, _ = read_back(second.uri)
    assert texts == ["before the crash", "kept"]


def test_a_busy_port_is_a_clear_error(tmp_path: Path) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        result = CliRunner().invoke(
            app, ["local-db", "--data-dir", str(tmp_path), "--port", str(taken)]
        )
    assert result.exit_code == 1
    assert f"port {taken} on 127.0.0.1 is already in use" in result.stderr


def test_python_older_than_313_gets_a_clear_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    version = namedtuple("version", "major minor micro releaselevel serial")
    monkeypatch.setattr(sys, "version_info", version(3, 12, 7, "final", 0))
    result = CliRunner().invoke(app, ["local-db", "--data-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "needs Python 3.13 or newer; this is Python 3.12" in result.stderr
    assert "Set MONGODB_URI to a real MongoDB instead" in result.stderr


def _msm(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    """``msm`` as a user runs it: no MONGODB_URI, an 80-column terminal."""
    env = {k: v for k, v in os.environ.items() if k != "MONGODB_URI"}
    env.update(COLUMNS="80", MSM_DATA_DIR=str(data_dir))
    return subprocess.run(
        [sys.executable, "-m", "mongodb_session_manager.cli", *args],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
    )


@needs_313
def test_sessions_list_beside_local_db_finds_what_the_library_wrote(
    data_dir: Path, port: int, started: list[LocalDb]
) -> None:
    local = LocalDb(data_dir, port)
    started.append(local)
    # A manager with default names, as a user's agent would write (issue 11 item 2).
    factory = MongoDBSessionManagerFactory(local.uri)
    try:
        manager = factory.create_session_manager("written-by-my-agent-0123456789")
        Agent(model=ScriptedModel(["hi"]), session_manager=manager, callback_handler=None)("hello")
        manager.close()
    finally:
        factory.close()

    listed = _msm("sessions", "list", data_dir=data_dir)
    assert listed.returncode == 0, listed.stderr
    assert "written-by-my-agent-0123456789" in listed.stdout  # the id is never cut
    assert "database_name.collection_name: 1 session(s)" in listed.stdout
    assert max(len(line) for line in listed.stdout.splitlines()) <= 80
    assert "msgs" in listed.stdout and "last write (UTC)" in listed.stdout

    status = _msm("migrate", "status", data_dir=data_dir)
    assert status.returncode == 0, status.stderr
    assert local.process.poll() is None  # used, not competed with


def test_an_unreachable_server_is_one_line_that_says_what_to_do(tmp_path: Path) -> None:
    done = _msm(
        "sessions",
        "list",
        "--uri",
        "mongodb://127.0.0.1:9/?serverSelectionTimeoutMS=300",
        data_dir=tmp_path,
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("msm sessions: error: MongoDB at mongodb://127.0.0.1:9/")
    assert "msm local-db" in lines[0] and "MONGODB_URI" in lines[0]
    assert "Traceback" not in done.stderr
