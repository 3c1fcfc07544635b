"""FastAPI integration: one factory for the app, one cheap manager per request.

The factory (one connection pool, the indexes) is created in the lifespan; each
request builds a manager with ``await create_session_manager_async(...)`` (one
read, never blocking the event loop) and runs the agent with ``invoke_async``.
Metadata and feedback have their own endpoints.

The example starts the app with uvicorn in a thread, calls it with httpx, and
stops it. Offline by default (embedded database, scripted model)::

    uv run python examples/fastapi_app.py
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Literal

import httpx
from _support import database, model, serve
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel
from strands import Agent
from strands.types.exceptions import EventLoopException

from mongodb_session_manager import (
    MongoDBSessionManager,
    SessionConflictError,
    SessionNotFoundError,
    close_global_factory_async,
    get_global_factory,
    initialize_global_factory_async,
)

DATABASE = "examples"
AGENT = "assistant"
# What the offline model answers, by prompt (a real model answers for itself).
REPLIES = {
    "Hi! I need help with my order A-1042.": "Of course! What's wrong with order A-1042?",
    "It arrived damaged.": "Sorry to hear that. I've opened a replacement for order A-1042.",
}


class ChatIn(BaseModel):
    prompt: str


class FeedbackIn(BaseModel):
    rating: Literal["up", "down"] | None
    comment: str = ""
    message_id: int | None = None


def create_app(uri: str) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Once per process: the pool and the indexes. Never per request.
        await initialize_global_factory_async(
            uri, database_name=DATABASE, application_name="fastapi-example"
        )
        yield
        await close_global_factory_async()

    app = FastAPI(lifespan=lifespan)

    async def open_manager(session_id: str, create: bool = True) -> MongoDBSessionManager:
        # One read; the agent's state and messages come with it (preloaded).
        # create=False: a missing session is a SessionNotFoundError, nothing is written.
        return await get_global_factory().create_session_manager_async(
            session_id, preload_agents=[AGENT], create=create
        )

    @app.post("/chat/{session_id}")
    async def chat(session_id: str, body: ChatIn) -> dict[str, Any]:
        manager = await open_manager(session_id)
        try:
            agent = Agent(
                model=model([REPLIES.get(body.prompt, "Noted.")]),
                agent_id=AGENT,
                session_manager=manager,
                callback_handler=None,
            )
            before = manager.latest_message_id(AGENT)
            try:
                result = await agent.invoke_async(body.prompt)  # writes awaited on the store loop
            except (SessionConflictError, EventLoopException) as exc:
                # A lost race on the reply's write reaches us inside Strands' EventLoopException.
                conflict = exc if isinstance(exc, SessionConflictError) else exc.__cause__
                if not isinstance(conflict, SessionConflictError):
                    raise
                if manager.latest_message_id(AGENT) != before:  # part of the turn is stored
                    raise HTTPException(409, str(exc)) from exc
                # Another request wrote first; nothing of this turn was stored nor kept in
                # memory (docs/failures.md): reload what is stored and retry once.
                await manager.reload_async(agent)
                result = await agent.invoke_async(body.prompt)
            return {
                "reply": str(result).strip(),
                "message_id": manager.latest_message_id(AGENT),
                "messages": await manager.get_message_count_async(AGENT),
            }
        finally:
            await manager.close_async()

    @app.put("/sessions/{session_id}/metadata")
    async def set_metadata(session_id: str, metadata: dict[str, Any]) -> dict[str, Any]:
        manager = await open_manager(session_id)
        try:
            await manager.update_metadata_async(metadata)
            return (await manager.get_session_metadata_async()).model_dump()
        finally:
            await manager.close_async()

    @app.post("/sessions/{session_id}/feedback")
    async def feedback(session_id: str, body: FeedbackIn) -> dict[str, Any]:
        try:  # feedback never creates a session
            manager = await open_manager(session_id, create=False)
        except SessionNotFoundError as exc:
            raise HTTPException(404, str(exc)) from exc
        try:
            stored = await manager.add_feedback_async({**body.model_dump(), "agent_id": AGENT})
            return dict(stored.model_dump(mode="json"))
        except SessionNotFoundError as exc:
            raise HTTPException(404, str(exc)) from exc
        finally:
            await manager.close_async()

    @app.get("/sessions/{session_id}/summary")
    async def summary(session_id: str) -> dict[str, Any]:
        manager = await open_manager(session_id)
        try:
            metrics = await manager.get_metrics_summary_async()
            return {
                "messages": metrics.totals.messages,
                "tokens": metrics.totals.total_tokens,
                "feedbacks": len(await manager.get_feedbacks_async()),
                "metadata": (await manager.get_session_metadata_async()).model_dump(),
            }
        finally:
            await manager.close_async()

    return app


def main() -> None:
    with database() as uri:
        MongoDBSessionManager("user-42", uri, DATABASE).repository.delete_session("user-42")
        with serve(create_app(uri)) as url, httpx.Client(base_url=url, timeout=60) as client:
            last: dict[str, Any] = {}
            for prompt in REPLIES:
                last = client.post("/chat/user-42", json={"prompt": prompt}).json()
                print(f"POST /chat/user-42 {prompt!r}")
                reply, message_id, stored = last["reply"], last["message_id"], last["messages"]
                print(f"  -> {reply!r} (message #{message_id}, {stored} stored)")
            metadata = client.put(
                "/sessions/user-42/metadata", json={"customer_id": "c-42", "topic": "damaged order"}
            ).json()
            print(f"PUT metadata -> {metadata}")
            feedback = client.post(
                "/sessions/user-42/feedback",
                json={"rating": "up", "comment": "fast", "message_id": last["message_id"]},
            ).json()
            rating, message_id = feedback["rating"], feedback["message_id"]
            print(f"POST feedback -> rating={rating} on message #{message_id}")
            print(f"GET summary -> {client.get('/sessions/user-42/summary').json()}")
            missing = client.post("/sessions/nobody/feedback", json={"rating": "up"})
            print(f"POST feedback on a session that does not exist -> {missing.status_code}")
        print("Server stopped; the conversation stays in MongoDB.")


if __name__ == "__main__":
    main()
