"""The local data directory: one server per directory, others connect, clear errors."""

from __future__ import annotations

import json
import os
import socket
import sys
from pathlib import Path

import pytest

from mongodb_session_manager.local import LocalServerUnavailableError
from mongodb_session_manager.local.data_dir import (
    DataDirLock,
    free_port,
    open_database,
    reachable,
)


def test_one_holder_per_directory(tmp_path: Path) -> None:
    first, second = DataDirLock(tmp_path), DataDirLock(tmp_path)
    assert first.acquire()
    assert not second.acquire()  # another holder (flock is per open file, even in one process)
    first.release()
    assert second.acquire()
    second.release()


def test_a_given_uri_wins_and_touches_no_directory(tmp_path: Path) -> None:
    data_dir = tmp_path / "never-created"
    with open_database(data_dir, uri="mongodb://db.example:27017/") as db:
        assert (db.kind, db.uri, db.path) == ("uri", "mongodb://db.example:27017/", None)
        assert db.describe() == "MongoDB at mongodb://db.example:27017/"
    assert not data_dir.exists()


def test_passwords_are_not_printed(tmp_path: Path) -> None:
    with open_database(tmp_path, uri="mongodb://app:s3cret@db.example/") as db:
        assert "s3cret" not in db.describe()


def test_a_locked_directory_whose_server_is_gone_is_a_clear_error(tmp_path: Path) -> None:
    holder = DataDirLock(tmp_path)
    assert holder.acquire()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead_port = probe.getsockname()[1]  # closed again below: nothing listens there
    dead = f"mongodb://127.0.0.1:{dead_port}/?directConnection=true"
    (tmp_path / "local-db.json").write_text(json.dumps({"uri": dead, "pid": 4242}))
    try:
        assert not reachable(dead, timeout=0.5)
        refused = pytest.raises(LocalServerUnavailableError, match="served by msm process 4242")
        with refused, open_database(tmp_path):
            pass
    finally:
        holder.release()


@pytest.mark.skipif(sys.version_info < (3, 13), reason="the embedded server needs Python 3.13")
def test_an_embedded_server_advertises_itself_and_cleans_up(tmp_path: Path) -> None:
    with open_database(tmp_path) as db:
        assert db.kind == "embedded" and db.owner_pid == os.getpid()
        state = json.loads((tmp_path / "local-db.json").read_text())
        assert state["uri"] == db.uri and state["pid"] == os.getpid()
        assert reachable(db.uri)
    assert not (tmp_path / "local-db.json").exists()
    assert (tmp_path / "local.sqlite3").exists()
    assert DataDirLock(tmp_path).acquire()  # released


def test_the_next_free_port_is_found() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        assert free_port("127.0.0.1", taken) > taken
