"""The local data directory: one SQLite file served by one embedded server at a time.

``msm demo``, ``msm playground`` and ``msm local-db`` keep their data in
``<data dir>/local.sqlite3`` (default ``./.msm``). Only one process may serve
that file: it holds an exclusive lock on ``<data dir>/local.lock`` and writes
its connection string to ``<data dir>/local-db.json``. Any other ``msm`` process
started on the same directory finds the running server there and connects to
it, so agents, the viewer and the playground share one database exactly as they
would share a real MongoDB.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from mongodb_session_manager.errors import LocalServerUnavailableError
from mongodb_session_manager.local.server import LocalMongoServer

logger = logging.getLogger(__name__)

DATA_DIR_ENV = "MSM_DATA_DIR"
"""Environment variable naming the data directory."""
DEFAULT_DATA_DIR = Path(".msm")
DATABASE_FILE = "local.sqlite3"
LOCK_FILE = "local.lock"
STATE_FILE = "local-db.json"
DEFAULT_PORT = 27017
PORT_SEARCH = 50
"""How many ports after the preferred one ``msm local-db`` tries."""


def default_data_dir() -> Path:
    """``$MSM_DATA_DIR`` or ``./.msm``."""
    return Path(os.environ.get(DATA_DIR_ENV) or DEFAULT_DATA_DIR)


@dataclass(frozen=True)
class DatabaseHandle:
    """Where a command's sessions live.

    Attributes:
        uri: The MongoDB connection string to use.
        kind: ``"uri"`` (given: ``MONGODB_URI`` / ``--uri``), ``"shared"`` (the
            server of another ``msm`` process on the same data directory) or
            ``"embedded"`` (a server this process started).
        path: The SQLite file (``None`` for ``"uri"``).
        owner_pid: The process serving the file (this one when ``"embedded"``).
    """

    uri: str
    kind: Literal["uri", "shared", "embedded"]
    path: Path | None = None
    owner_pid: int | None = None

    def describe(self) -> str:
        """One line for people: where the data is and who serves it."""
        if self.kind == "uri":
            return f"MongoDB at {_redact(self.uri)}"
        if self.kind == "shared":
            return (
                f"{self.path} (served by msm process {self.owner_pid} at {self.uri})"
                if self.owner_pid
                else f"{self.path} (at {self.uri})"
            )
        return f"{self.path} (embedded MongoDB-compatible server at {self.uri})"


class DataDirLock:
    """An exclusive, non-blocking lock on a data directory (POSIX ``flock``).

    Released by the OS when the process dies, so a crash never leaves the
    directory locked. Where ``fcntl`` does not exist (Windows) it always succeeds.
    """

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / LOCK_FILE
        self._fd: int | None = None

    def acquire(self) -> bool:
        """Take the lock; ``False`` if another process holds it."""
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        """Give the lock back (closing the descriptor releases it)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def read_state(data_dir: Path) -> dict[str, Any] | None:
    """What the serving process wrote to ``local-db.json`` (``None`` if nothing readable)."""
    try:
        state = json.loads((data_dir / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return state if isinstance(state, dict) and isinstance(state.get("uri"), str) else None


def _write_state(data_dir: Path, uri: str, path: Path, command: str) -> None:
    state = {"uri": uri, "pid": os.getpid(), "path": str(path), "command": command}
    temporary = data_dir / f".{STATE_FILE}.{os.getpid()}"
    temporary.write_text(json.dumps(state), encoding="utf-8")
    temporary.replace(data_dir / STATE_FILE)  # atomic: readers never see half a file


def _remove_state(data_dir: Path) -> None:
    state = read_state(data_dir)
    if state is not None and state.get("pid") == os.getpid():
        with contextlib.suppress(OSError):
            (data_dir / STATE_FILE).unlink()


def reachable(uri: str, timeout: float = 1.0) -> bool:
    """Whether a TCP connection to the URI's first host opens."""
    parts = urlsplit(uri)
    host = parts.hostname or "127.0.0.1"
    try:
        port = parts.port or DEFAULT_PORT
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except (OSError, ValueError):
        return False


def port_is_free(host: str, port: int) -> bool:
    """Whether ``host:port`` can be bound right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # As the server binds (asyncio sets it on POSIX): a crashed server's
        # TIME_WAIT connections must not make its port look taken for a minute.
        if os.name == "posix":
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str, preferred: int, search: int = PORT_SEARCH) -> int:
    """``preferred`` if it is free, else the next free port after it.

    Raises:
        LocalServerUnavailableError: None of ``search`` ports is free.
    """
    for port in range(preferred, min(preferred + search, 65536)):
        if port_is_free(host, port):
            return port
    raise LocalServerUnavailableError(
        f"no free port on {host} between {preferred} and {preferred + search - 1}; "
        "pass --port to choose another"
    )


class LocalDatabase:
    """Serve ``<data dir>/local.sqlite3`` with the embedded server, holding the lock.

    Args:
        data_dir: The data directory (created if missing).
        port: TCP port; 0 picks any free one.
        command: Recorded in ``local-db.json`` so others can say who serves it.

    Raises:
        LocalServerUnavailableError: The embedded server cannot run here, or
            another process already serves this directory.
    """

    def __init__(self, data_dir: Path, port: int = 0, command: str = "msm") -> None:
        self.data_dir = data_dir
        self.path = data_dir / DATABASE_FILE
        self.port = port
        self.command = command
        self.server: LocalMongoServer | None = None
        self._lock: DataDirLock | None = None

    def start(self) -> str:
        """Lock the directory, start the server, advertise it; returns the URI."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        lock = DataDirLock(self.data_dir)
        if not lock.acquire():
            state = read_state(self.data_dir) or {}
            raise LocalServerUnavailableError(
                f"{self.path} is already served by msm process {state.get('pid', '?')} "
                f"at {state.get('uri', '?')}; stop it first or use another --data-dir"
            )
        try:
            server = LocalMongoServer(path=self.path, port=self.port)
            uri = server.start()
        except BaseException:
            lock.release()
            raise
        self._lock, self.server = lock, server
        _write_state(self.data_dir, uri, self.path, self.command)
        logger.info("local_db.serving | path=%s uri=%s", self.path, _redact(uri))
        return uri

    @property
    def running(self) -> bool:
        """Whether the server thread is still serving."""
        return self.server is not None and self.server.running

    def stop(self) -> None:
        """Stop the server (every write is already committed), then unlock."""
        if self.server is not None:
            self.server.stop()
            self.server = None
        _remove_state(self.data_dir)
        if self._lock is not None:
            self._lock.release()
            self._lock = None
        logger.info("local_db.stopped | path=%s", self.path)

    def __enter__(self) -> LocalDatabase:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextlib.contextmanager
def open_database(
    data_dir: Path | None = None, uri: str | None = None, command: str = "msm"
) -> Iterator[DatabaseHandle]:
    """The database a command should use, for as long as the ``with`` block runs.

    ``uri`` (``MONGODB_URI`` / ``--uri``) wins. Otherwise the data directory's
    file is used: through the server another ``msm`` process runs on it, or
    through an embedded server started here (and stopped on exit).

    Raises:
        LocalServerUnavailableError: The embedded server cannot run here (Python
            older than 3.13, mongoeco missing), or the directory is locked by a
            process whose server does not answer.
    """
    if uri:
        yield DatabaseHandle(uri=uri, kind="uri")
        return
    directory = data_dir or default_data_dir()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / DATABASE_FILE
    local = LocalDatabase(directory, command=command)
    try:
        local.start()
    except LocalServerUnavailableError:
        state = read_state(directory)
        if state is None or not reachable(state["uri"]):
            raise
        logger.info(
            "local_db.shared | path=%s uri=%s pid=%s", path, _redact(state["uri"]), state.get("pid")
        )
        yield DatabaseHandle(
            uri=state["uri"],
            kind="shared",
            path=path,
            owner_pid=state.get("pid") if isinstance(state.get("pid"), int) else None,
        )
        return
    try:
        assert local.server is not None
        yield DatabaseHandle(
            uri=local.server.uri, kind="embedded", path=path, owner_pid=os.getpid()
        )
    finally:
        local.stop()


def _redact(uri: str) -> str:
    from mongodb_session_manager._redact import redact_uri

    return redact_uri(uri)
