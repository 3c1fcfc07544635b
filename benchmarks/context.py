"""Shared set-up of a run: servers, the library's factory, the alternatives."""

from __future__ import annotations

import asyncio
import itertools
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from pymongo import MongoClient, monitoring
from pymongo.database import Database
from strands import Agent
from strands.session.file_session_manager import FileSessionManager
from strands.session.s3_session_manager import S3SessionManager

from benchmarks.config import Config
from benchmarks.servers import Helper, delayed, mongo_uri, null_server
from mongodb_session_manager import MongoDBSessionManager, MongoDBSessionManagerFactory
from mongodb_session_manager.store.monitoring import _DRIVER_COMMANDS, CommandStats
from mongodb_session_manager.testing import ScriptedModel

BUCKET = "msm-bench"
REGION = "us-east-1"

CLIENT_OPTIONS = {"connectTimeoutMS": 30_000, "serverSelectionTimeoutMS": 30_000}
"""Longer timeouts than the library's defaults, and only those: the embedded server
serves one command at a time, and on a loaded machine a multi-megabyte read can
hold it past the driver's 5 s heartbeat timeout, which would fail the run."""


class StoreClock(monitoring.CommandListener):
    """Time spent waiting for the store: MongoDB commands and S3 requests, as the clients see it.

    MongoDB: PyMongo's own ``duration_micros`` of each application command (send to
    reply decoded). S3: botocore's ``before-call`` to ``after-call``. Registered for
    every PyMongo client created after it (``monitoring.register``).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._captures: list[list[float]] = []
        self._local = threading.local()

    # PyMongo
    def started(self, event: monitoring.CommandStartedEvent) -> None:
        pass

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        if event.command_name not in _DRIVER_COMMANDS:
            self._add(event.duration_micros / 1e6)

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        if event.command_name not in _DRIVER_COMMANDS:
            self._add(event.duration_micros / 1e6)

    # botocore
    def before_call(self, **_: Any) -> None:
        stack = getattr(self._local, "stack", None)
        if stack is None:
            stack = self._local.stack = []
        stack.append(time.perf_counter())

    def after_call(self, **_: Any) -> None:
        stack = getattr(self._local, "stack", None)
        if stack:
            self._add(time.perf_counter() - stack.pop())

    def _add(self, seconds: float) -> None:
        with self._lock:
            for total in self._captures:
                total[0] += seconds

    @contextmanager
    def capture(self) -> Iterator[list[float]]:
        """``with clock.capture() as spent:`` then ``spent[0]`` is the seconds waited."""
        total = [0.0]
        with self._lock:
            self._captures.append(total)
        try:
            yield total
        finally:
            with self._lock:
                self._captures.remove(total)


STORE_CLOCK = StoreClock()
monitoring.register(STORE_CLOCK)
ALL_COMMANDS = CommandStats()
"""Commands of every PyMongo client of the process (the viewer's too, whatever its pool)."""
monitoring.register(ALL_COMMANDS)


@dataclass
class HttpLog:
    """What one capture of S3 traffic saw."""

    requests: list[str] = field(default_factory=list)
    bytes_sent: int = 0
    bytes_received: int = 0

    @property
    def round_trips(self) -> int:
        """HTTP requests sent (each is one round trip)."""
        return len(self.requests)


def _body_size(body: Any) -> int:
    """Length of a request body: bytes, text, or a seekable stream (PutObject's)."""
    if isinstance(body, bytes | str):
        return len(body)
    if hasattr(body, "getbuffer"):
        return len(body.getbuffer())
    return 0


class HttpStats:
    """Counts the S3 requests of every client made from one boto3 session."""

    def __init__(self, session: boto3.Session) -> None:
        self._lock = threading.Lock()
        self._captures: list[HttpLog] = []
        session.events.register("before-call.s3", self._before_call)
        session.events.register("after-call.s3", self._after_call)
        session.events.register("before-call.s3", STORE_CLOCK.before_call)
        session.events.register("after-call.s3", STORE_CLOCK.after_call)

    def _before_call(self, model: Any = None, params: Any = None, **_: Any) -> None:
        size = _body_size((params or {}).get("body"))
        operation = getattr(model, "name", "?")
        with self._lock:
            for log in self._captures:
                log.requests.append(str(operation))
                log.bytes_sent += size

    def _after_call(self, http_response: Any = None, **_: Any) -> None:
        if http_response is None:
            return
        size = int(http_response.headers.get("content-length", 0) or 0)
        with self._lock:
            for log in self._captures:
                log.bytes_received += size

    @contextmanager
    def capture(self) -> Iterator[HttpLog]:
        """Record the S3 requests sent inside the block (from any thread)."""
        log = HttpLog()
        with self._lock:
            self._captures.append(log)
        try:
            yield log
        finally:
            with self._lock:
                self._captures.remove(log)


class BenchContext:
    """Servers, clients and temporary storage shared by the cases of one run."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.tmp = Path(tempfile.mkdtemp(prefix="msm-bench-"))
        self._helpers: list[Helper] = []
        self._proxies: dict[tuple[str, float], str] = {}
        self.chart_dir = self.tmp
        self.stored: dict[tuple[str, int], str] = {}
        """Sessions already stored by a case: (contender, messages) -> session id."""
        self._ids = itertools.count()
        # Start both servers at once: each takes seconds to import its code.
        self.mongo_uri, mongo_helper, self.backend = mongo_uri()
        s3 = Helper("s3")
        self._helpers.append(s3)
        if mongo_helper is not None:
            self._helpers.append(mongo_helper)
            self.mongo_uri = mongo_helper.address
        self.s3_endpoint = s3.address
        self.database = f"msm_bench_{next(self._ids)}_{id(self) % 10_000}"
        self._factories: dict[str, MongoDBSessionManagerFactory] = {}
        self._raw: MongoClient[dict[str, Any]] | None = None
        self.factory = self.ours_factory(self.mongo_uri)
        self.boto = boto3.Session(
            aws_access_key_id="bench", aws_secret_access_key="bench", region_name=REGION
        )
        self.http = HttpStats(self.boto)
        self.boto.client("s3", endpoint_url=self.s3_endpoint).create_bucket(Bucket=BUCKET)
        self.loop = asyncio.Runner()

    # ------------------------------------------------------------------ naming

    def session_id(self, prefix: str) -> str:
        """A fresh session id."""
        return f"{prefix}-{next(self._ids)}"

    # ------------------------------------------------------------------ contenders

    def ours_factory(self, uri: str) -> MongoDBSessionManagerFactory:
        """The library's factory on ``uri`` (one per URI, indexes created once)."""
        if uri not in self._factories:
            self._factories[uri] = MongoDBSessionManagerFactory(
                uri, database_name=self.database, **CLIENT_OPTIONS
            )
        return self._factories[uri]

    def ours(self, session_id: str, uri: str | None = None) -> MongoDBSessionManager:
        """Our manager, opened the blocking way."""
        return self.ours_factory(uri or self.mongo_uri).create_session_manager(session_id)

    async def ours_async(self, session_id: str, uri: str | None = None) -> MongoDBSessionManager:
        """Our manager, opened with ``create_async`` (the default agent preloaded)."""
        return await self.ours_factory(uri or self.mongo_uri).create_session_manager_async(
            session_id
        )

    def raw(self) -> Database[dict[str, Any]]:
        """The benchmark database through a plain PyMongo ``MongoClient`` (no library code)."""
        if self._raw is None:
            self._raw = MongoClient(self.mongo_uri, **CLIENT_OPTIONS)  # type: ignore[arg-type]
        return self._raw[self.database]

    def file(self, session_id: str) -> FileSessionManager:
        """Strands' FileSessionManager in a temporary directory."""
        return FileSessionManager(session_id, storage_dir=str(self.tmp / "file-sessions"))

    def s3(self, session_id: str, endpoint: str | None = None) -> S3SessionManager:
        """Strands' S3SessionManager on moto's server."""
        return S3SessionManager(
            session_id,
            bucket=BUCKET,
            boto_session=self.boto,
            endpoint_url=endpoint or self.s3_endpoint,
        )

    def delayed_mongo(self, delay_ms: float) -> str:
        """The MongoDB URI behind a delay proxy (one proxy per delay, closed with the context)."""
        key = ("mongo", delay_ms)
        if key not in self._proxies:
            uri, helper = delayed(self.mongo_uri, delay_ms)
            self._helpers.append(helper)
            self._proxies[key] = uri
        return self._proxies[key]

    def null_mongo(self) -> str:
        """The URI of the do-nothing wire server (:mod:`benchmarks.null_server`), started once."""
        key = ("null", 0.0)
        if key not in self._proxies:
            helper = null_server()
            self._helpers.append(helper)
            self._proxies[key] = helper.address
        return self._proxies[key]

    def delayed_s3(self, delay_ms: float) -> str:
        """The S3 endpoint behind a delay proxy."""
        key = ("s3", delay_ms)
        if key not in self._proxies:
            endpoint, helper = delayed(self.s3_endpoint, delay_ms)
            self._helpers.append(helper)
            self._proxies[key] = endpoint
        return self._proxies[key]

    # ------------------------------------------------------------------ helpers

    @staticmethod
    def agent(manager: Any = None, script: list[Any] | None = None, **kwargs: Any) -> Agent:
        """A Strands agent on the offline model (no console output)."""
        if manager is not None:
            kwargs["session_manager"] = manager
        return Agent(model=ScriptedModel(script or []), callback_handler=None, **kwargs)

    def drop_database(self) -> None:
        """Remove the benchmark's databases (a real MongoDB keeps nothing behind)."""
        pool = self.factory.pool

        async def drop() -> None:
            for name in (self.database, f"{self.database}_viewer"):
                await pool.client().drop_database(name)

        pool.run(drop())

    def close(self) -> None:
        """Stop everything this run started."""
        try:
            self.drop_database()
        except Exception as exc:  # the report is written; a failed cleanup is only noted
            print(f"note: could not drop the benchmark database: {exc}")
        for factory in self._factories.values():
            factory.close()
        if self._raw is not None:
            self._raw.close()
        self.loop.close()
        for helper in reversed(self._helpers):
            helper.close()
        shutil.rmtree(self.tmp, ignore_errors=True)
