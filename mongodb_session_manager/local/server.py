"""An embedded MongoDB-compatible server (mongoeco) for tests, demos and local work.

It speaks MongoDB's wire protocol on 127.0.0.1, so the real PyMongo driver
talks to it exactly as to a real server. Needs Python 3.13+ and the ``local``
extra (``pip install 'mongodb-session-manager[local]'``).
"""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
from pathlib import Path
from typing import Any

from mongodb_session_manager._redact import redact_uri
from mongodb_session_manager.errors import LocalServerUnavailableError

__all__ = ["LocalMongoServer", "LocalServerUnavailableError", "require_mongoeco"]

logger = logging.getLogger(__name__)


def require_mongoeco() -> None:
    """Raise :class:`LocalServerUnavailableError` with what to do, if mongoeco can't run."""
    if sys.version_info < (3, 13):
        raise LocalServerUnavailableError(
            "the embedded MongoDB-compatible server (mongoeco) needs Python 3.13 or newer; "
            f"this is Python {sys.version_info.major}.{sys.version_info.minor}. "
            "Set MONGODB_URI to a real MongoDB instead."
        )
    try:
        import mongoeco  # noqa: F401
    except ImportError as exc:
        raise LocalServerUnavailableError(
            "the embedded server needs mongoeco: pip install 'mongodb-session-manager[local]'"
        ) from exc


class LocalMongoServer:
    """A mongoeco wire server running in its own thread.

    Args:
        path: SQLite file to keep the data in; ``None`` keeps it in memory.
        host: Interface to bind (loopback by default).
        port: TCP port; 0 picks a free one.

    Use as a context manager, or call :meth:`start` / :meth:`stop`.
    """

    def __init__(
        self, path: str | Path | None = None, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        require_mongoeco()
        self.path = Path(path) if path is not None else None
        self.host = host
        self.port = port
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._started = threading.Event()
        self._stop: asyncio.Event | None = None
        self._error: BaseException | None = None
        self.uri = ""

    def _engine(self) -> Any:
        if self.path is None:
            from mongoeco.engines.memory import MemoryEngine

            return MemoryEngine()
        from mongoeco.engines.sqlite import SQLiteEngine

        self.path.parent.mkdir(parents=True, exist_ok=True)
        return SQLiteEngine(str(self.path))

    async def _serve(self) -> None:
        from mongoeco.wire import AsyncMongoEcoProxyServer

        self._stop = asyncio.Event()
        try:
            async with AsyncMongoEcoProxyServer(
                engine=self._engine(), host=self.host, port=self.port
            ) as server:
                self.port = server.address.port
                self.uri = f"mongodb://{self.host}:{self.port}/?directConnection=true"
                self._started.set()
                await self._stop.wait()
        except BaseException as exc:
            self._error = exc
            self._started.set()
            raise

    def _main(self) -> None:
        self._loop = asyncio.new_event_loop()
        try:
            self._loop.run_until_complete(self._serve())
        except BaseException:
            logger.exception("local_server.failed | host=%s port=%s", self.host, self.port)
        finally:
            self._loop.close()

    def start(self, timeout: float = 30.0) -> str:
        """Start serving; returns the connection string."""
        if self._thread is not None:
            return self.uri
        self._thread = threading.Thread(target=self._main, name="msm-local-mongo", daemon=True)
        self._thread.start()
        if not self._started.wait(timeout):
            raise LocalServerUnavailableError("the embedded server did not start in time")
        if self._error is not None:
            raise LocalServerUnavailableError(
                f"the embedded server failed to start: {self._error}"
            ) from self._error
        logger.info("local_server.started | uri=%s path=%s", redact_uri(self.uri), self.path)
        return self.uri

    @property
    def running(self) -> bool:
        """Whether the server thread is alive (it dies if the server fails)."""
        return self._thread is not None and self._thread.is_alive()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop serving and flush the data file."""
        if self._thread is None or self._loop is None or self._stop is None:
            return
        if not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout)
        self._thread = None

    def __enter__(self) -> LocalMongoServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
