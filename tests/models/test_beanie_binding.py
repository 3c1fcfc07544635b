"""Applications can query the sessions the manager wrote with Beanie."""

from __future__ import annotations

from typing import Any

from pymongo import AsyncMongoClient
from strands import Agent

from mongodb_session_manager import MongoDBSessionManagerFactory, Session, init_beanie_models
from mongodb_session_manager.testing import MongoBackend, ScriptedModel


async def test_sessions_written_by_the_manager_are_beanie_documents(
    factory: MongoDBSessionManagerFactory, msm_backend: MongoBackend, msm_options: dict[str, Any]
) -> None:
    manager = await factory.create_session_manager_async("beanie-1", application_name="shop")
    agent = Agent(
        agent_id="a.b",
        model=ScriptedModel(["hello"]),
        session_manager=manager,
        callback_handler=None,
    )
    await agent.invoke_async("hi")

    client: Any = msm_backend.client or AsyncMongoClient(msm_backend.uri, tz_aware=True)
    try:
        await init_beanie_models(client[msm_options["database_name"]])
        found = await Session.find_one(Session.application_name == "shop")
        assert found is not None and found.session_id == "beanie-1"
        record = found.agent("a.b")
        assert record is not None
        assert [m.content[0]["text"] for m in record.messages] == ["hi", "hello"]
        assert (record.messages[1].metadata or {})["usage"]["totalTokens"] > 0
        assert found.created_at.tzinfo is not None
    finally:
        if msm_backend.client is None:
            await client.close()
