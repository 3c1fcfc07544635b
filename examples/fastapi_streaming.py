"""FastAPI streaming with the factory: ``agent.stream_async`` chunks straight to the client.

Every database write of a streaming turn is awaited on the library's own event
loop, so the app's loop keeps serving other requests. The example starts the
app (uvicorn in a thread), streams three conversations at once with httpx,
measures how long the app's event loop was ever stalled, and stops the app.

Offline by default (embedded database, scripted model that takes 300 ms per answer)::

    uv run python examples/fastapi_streaming.py
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from _support import database, model, serve
from fastapi import FastAPI
from fastapi.responses import StreamingResponse
from pydantic import BaseModel
from strands import Agent

from mongodb_session_manager import MongoDBSessionManager, MongoDBSessionManagerFactory

DATABASE = "examples"
AGENT = "assistant"
SESSIONS = ["stream-ana", "stream-ben", "stream-chloe"]


class ChatIn(BaseModel):
    prompt: str


class LoopWatch:
    """Measures the longest time the event loop did not get to run a 5 ms timer."""

    def __init__(self) -> None:
        self.worst_ms = 0.0

    async def run(self) -> None:
        while True:
            started = time.perf_counter()
            await asyncio.sleep(0.005)
            late = (time.perf_counter() - started - 0.005) * 1000
            self.worst_ms = max(self.worst_ms, late)


def create_app(uri: str) -> FastAPI:
    watch = LoopWatch()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.factory = await MongoDBSessionManagerFactory.create_async(
            uri, DATABASE, application_name="streaming-example"
        )
        watcher = asyncio.create_task(watch.run())
        yield
        watcher.cancel()
        await app.state.factory.close_async()

    app = FastAPI(lifespan=lifespan)

    @app.post("/chat/{session_id}")
    async def chat(session_id: str, body: ChatIn) -> StreamingResponse:
        factory: MongoDBSessionManagerFactory = app.state.factory
        manager = await factory.create_session_manager_async(session_id, preload_agents=[AGENT])
        name = session_id.split("-")[1].title()
        reply = f"Hello {name}! Here is a streamed answer to: {body.prompt}"
        agent = Agent(
            model=model([reply], latency_ms=300, simulate_latency=True, chunk_size=5),
            agent_id=AGENT,
            session_manager=manager,
            callback_handler=None,
        )

        async def stream() -> AsyncIterator[str]:
            try:
                async for event in agent.stream_async(body.prompt):
                    if "data" in event:
                        yield event["data"]
            finally:
                await manager.close_async()

        return StreamingResponse(stream(), media_type="text/plain; charset=utf-8")

    @app.get("/loop")
    async def loop() -> dict[str, float]:
        return {"worst_stall_ms": round(watch.worst_ms, 1)}

    return app


async def talk(client: httpx.AsyncClient, session_id: str) -> dict[str, Any]:
    started = time.perf_counter()
    chunks: list[str] = []
    first_chunk_ms = 0.0
    async with client.stream("POST", f"/chat/{session_id}", json={"prompt": "how are you?"}) as r:
        async for chunk in r.aiter_text():
            if not chunks:
                first_chunk_ms = (time.perf_counter() - started) * 1000
            chunks.append(chunk)
    return {
        "session": session_id,
        "chunks": len(chunks),
        "text": "".join(chunks),
        "first_ms": first_chunk_ms,
        "total_ms": (time.perf_counter() - started) * 1000,
    }


async def run_clients(url: str) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        return list(await asyncio.gather(*(talk(client, s) for s in SESSIONS)))


def main() -> None:
    with database() as uri:
        for session_id in SESSIONS:
            MongoDBSessionManager(session_id, uri, DATABASE).repository.delete_session(session_id)
        with serve(create_app(uri)) as url:
            results = asyncio.run(run_clients(url))
            for result in results:
                print(
                    f"{result['session']}: {result['chunks']} chunks, first after "
                    f"{result['first_ms']:.0f} ms, done after {result['total_ms']:.0f} ms"
                )
                print(f"  {result['text']!r}")
            stall = httpx.get(f"{url}/loop").json()["worst_stall_ms"]
            print(f"Worst event-loop stall while streaming 3 conversations: {stall} ms")
        for session_id in SESSIONS:
            manager = MongoDBSessionManager(session_id, uri, DATABASE)
            print(f"{session_id}: {manager.get_message_count(AGENT)} messages stored")
            manager.close()


if __name__ == "__main__":
    main()
