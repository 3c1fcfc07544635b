"""The event-loop case's app: FastAPI + uvicorn streaming chats, in its own process.

``python -m benchmarks._chat_app --mongo-uri URI --database DB --latency-ms MS`` prints
its base URL and serves until stdin closes. ``POST /chat/{variant}/{session_id}``
streams one turn; variants:

* ``none``: the agent has no session manager (the loop's own baseline);
* ``async``: ``await factory.create_session_manager_async(...)`` and the library's
  async hooks (what the README recommends);
* ``sync-hooks``: the library's manager opened with its blocking constructor and
  registered with Strands' stock ``SessionManager.register_hooks`` (plain sync
  callbacks), so every database call blocks the app's event loop, as any
  synchronous session manager does inside ``stream_async``.

A monitor task sleeps 5 ms at a time and records how late it wakes up: the
longest lateness is the longest stall of the loop. The library's blocking entry
point (``StoreLoop.run``) is wrapped to count the calls made from a thread that
is running an event loop: each one is a database call that held up the loop.
``GET /loop`` returns the figures; ``POST /loop/reset`` starts a new window.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import socket
import sys
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from fastapi import FastAPI, HTTPException
from fastapi.responses import StreamingResponse
from strands import Agent
from strands.session.session_manager import SessionManager

from benchmarks.conversation import replies
from mongodb_session_manager import MongoDBSessionManager, MongoDBSessionManagerFactory
from mongodb_session_manager.store.loop import StoreLoop
from mongodb_session_manager.testing import ScriptedModel

TICK = 0.005


class SyncHooksManager(MongoDBSessionManager):
    """Our manager wired with Strands' stock, synchronous hooks (the blocking way)."""

    register_hooks = SessionManager.register_hooks  # type: ignore[assignment]


_blocking_calls = [0]


def _count_blocking_calls() -> None:
    """Wrap ``StoreLoop.run`` (instrumentation only: the call itself is unchanged)."""
    original = StoreLoop.run

    def run(self: StoreLoop, coro: Any, timeout: float | None = None) -> Any:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass
        else:
            _blocking_calls[0] += 1
        return original(self, coro, timeout)

    StoreLoop.run = run  # type: ignore[method-assign]


class LoopMonitor:
    """Records how late a 5 ms sleep wakes up, i.e. how long the loop was blocked."""

    def __init__(self) -> None:
        self.lags: list[float] = []
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            started = time.perf_counter()
            await asyncio.sleep(TICK)
            self.lags.append(max(0.0, time.perf_counter() - started - TICK))

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def figures(self) -> dict[str, Any]:
        lags = sorted(self.lags)
        if not lags:
            return {"samples": 0, "blocking_calls": _blocking_calls[0]}
        return {
            "samples": len(lags),
            "blocking_calls": _blocking_calls[0],
            "max_stall_ms": lags[-1] * 1000,
            "p99_stall_ms": lags[min(len(lags) - 1, int(0.99 * len(lags)))] * 1000,
            "stalls_over_50ms": sum(1 for lag in lags if lag > 0.05),
            "blocked_ms_total": sum(lag for lag in lags if lag > 0.01) * 1000,
        }


VARIANTS = ("none", "async", "sync-hooks")


def build_app(uri: str, database: str, latency_ms: int) -> FastAPI:
    """The chat app."""
    monitor = LoopMonitor()
    state: dict[str, Any] = {}
    answer = replies(1, seed=17)[0]

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state["factory"] = await MongoDBSessionManagerFactory.create_async(
            uri, database_name=database
        )
        monitor.start()
        yield
        await monitor.stop()
        state["factory"].close()

    app = FastAPI(lifespan=lifespan)

    @app.post("/chat/{variant}/{session_id}")
    async def chat(variant: str, session_id: str, prompt: str) -> StreamingResponse:
        factory: MongoDBSessionManagerFactory = state["factory"]
        manager: MongoDBSessionManager | None
        if variant == "async":
            manager = await factory.create_session_manager_async(session_id)
        elif variant == "sync-hooks":
            manager = SyncHooksManager(session_id, repository=factory.repository)
        elif variant == "none":
            manager = None
        else:
            raise HTTPException(404, f"unknown variant {variant!r}; one of {VARIANTS}")
        model = ScriptedModel([answer], latency_ms=latency_ms, simulate_latency=True, chunk_size=24)
        kwargs: dict[str, Any] = {"session_manager": manager} if manager is not None else {}
        agent = Agent(model=model, callback_handler=None, **kwargs)

        async def stream() -> AsyncIterator[str]:
            try:
                async for event in agent.stream_async(prompt):
                    if "data" in event:
                        yield event["data"]
            finally:
                if manager is not None:
                    manager.close()

        return StreamingResponse(stream(), media_type="text/plain")

    @app.get("/loop")
    async def loop_figures() -> dict[str, Any]:
        return monitor.figures()

    @app.post("/loop/reset")
    async def loop_reset() -> dict[str, str]:
        monitor.lags.clear()
        _blocking_calls[0] = 0
        return {"status": "reset"}

    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks._chat_app")
    parser.add_argument("--mongo-uri", required=True)
    parser.add_argument("--database", required=True)
    parser.add_argument("--latency-ms", type=int, default=300)
    args = parser.parse_args(argv)
    _count_blocking_calls()
    app = build_app(args.mongo_uri, args.database, args.latency_ms)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
    server = uvicorn.Server(config)

    def stop_on_eof() -> None:
        with contextlib.suppress(Exception):
            while sys.stdin.buffer.read(4096):
                pass
        server.should_exit = True

    threading.Thread(target=stop_on_eof, daemon=True).start()
    print(f"http://127.0.0.1:{sock.getsockname()[1]}", flush=True)
    server.run(sockets=[sock])


if __name__ == "__main__":
    main()
