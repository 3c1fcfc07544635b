"""A reference-layout session: a clear error before migrating, a working agent after."""

from __future__ import annotations

from typing import Any

import pytest
from strands import Agent, tool

from mongodb_session_manager import (
    MongoDBSessionManagerFactory,
    SchemaVersionError,
    export_session,
    migrate_up,
)
from mongodb_session_manager.models import storage_key
from mongodb_session_manager.testing import ScriptedModel
from tests.helpers.store import raw_collection
from tests.migrations.legacy_fixtures import PNG, as_stored, legacy_session


@tool
def lookup_order(order_id: str) -> dict[str, str]:
    """Look an order up."""
    return {"order_id": order_id, "status": "delivered"}


def insert_legacy(factory: MongoDBSessionManagerFactory, document: dict[str, Any]) -> None:
    async def run() -> None:
        await raw_collection(factory.repository).insert_one(document)

    factory.pool.run(run())


def migrate(factory: MongoDBSessionManagerFactory) -> None:
    report = migrate_up(pool=factory.pool, database_name=factory.repository.database_name)
    assert report.ok and [step.migrated for step in report.steps] == [1, 1]


def texts(agent: Agent) -> list[str]:
    return [
        block.get("text") or next(iter(block))
        for message in agent.messages
        for block in message["content"]
    ]


def test_a_legacy_session_gives_a_clear_error_everywhere_never_a_validation_trace(
    factory: MongoDBSessionManagerFactory, new_manager: Any
) -> None:
    insert_legacy(factory, legacy_session("old-1"))

    with pytest.raises(SchemaVersionError) as opened:
        new_manager("old-1")
    message = str(opened.value)
    assert "schema_version 0" in message and "reference implementation" in message
    assert "msm migrate up" in message
    assert (opened.value.found, opened.value.supported) == (0, 2)

    with pytest.raises(SchemaVersionError):
        factory.repository.read_session("old-1")
    with pytest.raises(SchemaVersionError, match="msm migrate up"):
        export_session("old-1", repository=factory.repository)

    async def open_async() -> None:
        await factory.create_session_manager_async("old-1")

    import asyncio

    with pytest.raises(SchemaVersionError):
        asyncio.run(open_async())


def test_an_unreadable_schema_version_is_the_same_clear_error(
    factory: MongoDBSessionManagerFactory, new_manager: Any
) -> None:
    document = legacy_session("odd")
    document["schema_version"] = "1.0"  # written by hand, or by some other tool
    insert_legacy(factory, document)
    with pytest.raises(SchemaVersionError, match="msm migrate up"):
        new_manager("odd")


def test_a_strands_agent_resumes_and_continues_a_migrated_session(
    factory: MongoDBSessionManagerFactory, new_manager: Any, raw: Any
) -> None:
    insert_legacy(factory, legacy_session("shop-7"))
    migrate(factory)

    agent = Agent(
        agent_id="support",
        model=ScriptedModel(
            [{"tool": "lookup_order", "input": {"order_id": "123"}}, "It was delivered."]
        ),
        tools=[lookup_order],
        session_manager=new_manager("shop-7"),
        callback_handler=None,
    )
    assert agent.state.get("user_name") == "Ana"
    assert len(agent.messages) == 10
    assert texts(agent)[:3] == [
        "Hi, my order #123 has not arrived.",
        "Let me look that up.",
        "toolUse",
    ]
    assert agent.messages[4]["content"][1]["image"]["source"]["bytes"] == PNG
    # The guardrail's redaction is what the agent sees again.
    assert agent.messages[6]["content"] == [{"text": "[User input redacted.]"}]

    agent("Where is my order now?")

    stored = raw("shop-7")
    support = stored["agents"]["support"]
    assert [m["message_id"] for m in support["messages"]] == list(range(14))
    assert support["message_count"] == 14
    assert stored["schema_version"] == 2
    assert support["messages"][13]["content"] == [{"text": "It was delivered."}]
    assert support["totals"]["model_calls"] == 5 + 2
    assert support["totals"]["tools"]["lookup_order"]["calls"] == 1 + 1  # imported + new
    assert stored["totals"]["messages"] == 14 + 2 + 2

    resumed = Agent(
        agent_id="support",
        model=ScriptedModel(),
        session_manager=new_manager("shop-7"),
        callback_handler=None,
    )
    assert texts(resumed)[-1] == "It was delivered."
    assert len(resumed.messages) == 14


def test_an_agent_with_a_dotted_id_resumes_after_migration(
    factory: MongoDBSessionManagerFactory, new_manager: Any, raw: Any
) -> None:
    insert_legacy(factory, legacy_session("shop-8"))
    migrate(factory)

    billing = Agent(
        agent_id="billing.bot",
        model=ScriptedModel(["Refund confirmed."]),
        session_manager=new_manager("shop-8"),
        callback_handler=None,
    )
    assert texts(billing) == ["Refund order 123.", "Refund of 19.99 EUR issued."]
    billing("Confirm?")

    stored = raw("shop-8")
    record = stored["agents"][storage_key("billing.bot")]
    assert record["agent_id"] == "billing.bot"
    assert record["message_count"] == 4
    assert "billing" not in stored["agents"]  # no nested leftovers of the reference's paths
    assert as_stored(stored)["metadata"]["customer_id"] == "c-42"
