"""The reference library's documented usage patterns, written as its users write them.

Each test is code from its docs (seed doc, user guide), changed only to point at
the test database and to use the offline ``ScriptedModel``; it must pass unchanged.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import pytest
from strands import Agent

from mongodb_session_manager import (
    MongoDBConnectionPool,
    MongoDBSessionManager,
    MongoDBSessionManagerFactory,
    create_mongodb_session_manager,
    get_global_factory,
    initialize_global_factory,
)
from mongodb_session_manager.testing import ScriptedModel
from tests.helpers.types import repository_of

logger = logging.getLogger("reference-user")


def test_basic_usage(uri: str, db_name: str) -> None:
    session_manager = create_mongodb_session_manager(
        session_id="customer-12345",
        connection_string=uri,
        database_name=db_name,
        collection_name="virtual_agent_sessions",
    )
    agent = Agent(
        model=ScriptedModel(["Hello Ana!"]),
        session_manager=session_manager,
        callback_handler=None,
    )
    agent("Hi, I'm Ana")
    session_manager.sync_agent(agent)
    session_manager.close()

    resumed = create_mongodb_session_manager(
        session_id="customer-12345",
        connection_string=uri,
        database_name=db_name,
        collection_name="virtual_agent_sessions",
    )
    again = Agent(model=ScriptedModel(["Ana"]), session_manager=resumed, callback_handler=None)
    assert len(again.messages) == 2
    doc = repository_of(resumed).collection.find_one({"_id": "customer-12345"})
    assert doc["session_id"] == "customer-12345"
    resumed.close()


def test_factory_pattern_with_a_shared_client(uri: str, db_name: str) -> None:
    client = MongoDBConnectionPool.initialize(uri, maxPoolSize=100, minPoolSize=10)
    factory = MongoDBSessionManagerFactory(client=client, database_name=db_name)
    for user in ("u1", "u2"):
        manager = factory.create_session_manager(f"session-{user}")
        agent = Agent(model=ScriptedModel(["ok"]), session_manager=manager, callback_handler=None)
        agent("hello")
        manager.close()
    stats = factory.get_connection_stats()
    assert stats["status"] == "connected"
    assert client[db_name]["collection_name"].count_documents({}) == 2
    factory.close()
    assert client.admin.command("ping")["ok"] == 1  # the pool's client outlives the factory


def test_global_factory_in_a_fastapi_style_app(uri: str, db_name: str) -> None:
    initialize_global_factory(connection_string=uri, database_name=db_name, maxPoolSize=50)
    manager = get_global_factory().create_session_manager("req-1")
    manager.update_metadata({"path": "/chat"})
    assert manager.get_metadata()["metadata"]["path"] == "/chat"
    manager.close()


def test_metadata_pattern(uri: str, db_name: str) -> None:
    session_manager = MongoDBSessionManager(
        session_id="meta", connection_string=uri, database_name=db_name
    )
    session_manager.update_metadata({"priority": "high", "assigned_to": "agent-123"})
    session_manager.update_metadata({"sensitive_field1": "x", "sensitive_field2": "y"})
    session_manager.delete_metadata(["sensitive_field1", "sensitive_field2"])
    metadata = session_manager.get_metadata()
    assert metadata["metadata"] == {"priority": "high", "assigned_to": "agent-123"}
    assert metadata.get("metadata", {}).get("priority") == "high"
    session_manager.close()


def test_metadata_tool_direct_and_agent_driven(uri: str, db_name: str) -> None:
    session_manager = MongoDBSessionManager("tool", uri, db_name)
    metadata_tool = session_manager.get_metadata_tool()
    assert metadata_tool(action="get") == "No metadata stored in session"
    result = metadata_tool(action="set", metadata={"key": "value", "key2": 2})
    assert result == "Successfully updated metadata fields: ['key', 'key2']"
    assert metadata_tool(action="get").startswith("All metadata: ")
    result = metadata_tool(action="delete", keys=["key", "key2"])
    assert result == "Successfully deleted metadata fields: ['key', 'key2']"
    assert metadata_tool(action="set") == (
        "Error: metadata dictionary required for set/update action"
    )
    assert metadata_tool(action="delete") == "Error: keys list required for delete action"
    assert metadata_tool(action="wipe") == (
        "Error: Unknown action 'wipe'. Use 'get', 'set', 'update', or 'delete'"
    )

    agent = Agent(
        model=ScriptedModel(
            [
                {
                    "tool": "manage_metadata",
                    "input": {"action": "set", "metadata": '{"notifications": "enabled"}'},
                },
                "Stored.",
            ]
        ),
        tools=[metadata_tool],
        session_manager=session_manager,
        callback_handler=None,
    )
    agent("Store my preference for notifications as enabled")
    assert session_manager.get_metadata()["metadata"] == {"notifications": "enabled"}
    session_manager.close()


def test_metadata_hooks_audit_validation_caching(uri: str, db_name: str) -> None:
    audit: list[str] = []

    def metadata_audit_hook(original_func: Any, action: str, session_id: str, **kwargs: Any) -> Any:
        logger.info(f"[AUDIT] {action} on session {session_id}")
        audit.append(action)
        if action == "update":
            return original_func(kwargs["metadata"])
        elif action == "delete":
            return original_func(kwargs["keys"])
        else:  # get
            return original_func()

    def validation_hook(original_func: Any, action: str, session_id: str, **kwargs: Any) -> Any:
        if action == "update":
            metadata = kwargs["metadata"]
            if "priority" in metadata and metadata["priority"] not in ["low", "medium", "high"]:
                raise ValueError(f"Invalid priority: {metadata['priority']}")
            metadata["_validated_at"] = datetime.now().isoformat()
            return original_func(metadata)
        if action == "delete":
            return original_func(kwargs["keys"])
        return original_func()

    cache: dict[str, Any] = {}

    def caching_hook(original_func: Any, action: str, session_id: str, **kwargs: Any) -> Any:
        if action == "get":
            if session_id not in cache:
                cache[session_id] = original_func()
            return cache[session_id]
        cache.pop(session_id, None)
        if action == "update":
            return original_func(kwargs["metadata"])
        return original_func(kwargs["keys"])

    with pytest.warns(DeprecationWarning, match="metadataHook= is deprecated"):
        audited = MongoDBSessionManager("hooks", uri, db_name, metadataHook=metadata_audit_hook)
    audited.update_metadata({"a": 1})
    assert audited.get_metadata()["metadata"] == {"a": 1}
    audited.delete_metadata(["a"])
    assert audit == ["update", "get", "delete"]
    audited.close()

    validated = MongoDBSessionManager("hooks", uri, db_name, metadata_hook=validation_hook)
    validated.update_metadata({"priority": "high"})
    try:
        validated.update_metadata({"priority": "urgent"})
        raise AssertionError("the validation hook should have refused")
    except ValueError as exc:
        assert "Invalid priority" in str(exc)
    stored = validated.get_metadata()["metadata"]
    assert stored["priority"] == "high" and "_validated_at" in stored
    validated.close()

    cached = MongoDBSessionManager("hooks", uri, db_name, metadata_hook=caching_hook)
    first = cached.get_metadata()
    assert cached.get_metadata() is first  # answered from the cache
    cached.update_metadata({"priority": "low"})
    assert cached.get_metadata()["metadata"]["priority"] == "low"
    cached.close()


def test_feedback_hooks_with_enrichment(uri: str, db_name: str) -> None:
    def feedback_audit_hook(original_func: Any, action: str, session_id: str, **kwargs: Any) -> Any:
        logger.info(f"[FEEDBACK] {action} on session {session_id}: {kwargs['feedback']}")
        return original_func(kwargs["feedback"])

    def feedback_validation_hook(
        original_func: Any, action: str, session_id: str, **kwargs: Any
    ) -> Any:
        feedback = kwargs["feedback"]
        if feedback.get("rating") not in ("up", "down", None):
            raise ValueError("Invalid rating")
        feedback["_validated_at"] = datetime.now().isoformat()
        feedback["session_app"] = kwargs["session_manager"].get_application_name()
        return original_func(feedback)

    with pytest.warns(DeprecationWarning, match="feedbackHook= is deprecated"):
        session_manager = MongoDBSessionManager(
            session_id="user-session",
            connection_string=uri,
            database_name=db_name,
            application_name="helpdesk",
            feedbackHook=feedback_audit_hook,
        )
    session_manager.add_feedback({"rating": "up", "comment": "Great response!"})
    session_manager.close()
    enriched = MongoDBSessionManager(
        "user-session", uri, db_name, feedback_hook=feedback_validation_hook
    )
    enriched.add_feedback({"rating": "down", "comment": "Response was incomplete"})
    feedbacks = enriched.get_feedbacks()
    assert [f["rating"] for f in feedbacks] == ["up", "down"]
    assert feedbacks[1]["comment"] == "Response was incomplete"
    assert "_validated_at" in feedbacks[1] and feedbacks[1]["session_app"] == "helpdesk"
    doc = repository_of(enriched).collection.find_one({"_id": "user-session"})
    assert doc["feedbacks"][1]["_validated_at"] == feedbacks[1]["_validated_at"]
    enriched.close()


def test_agent_configuration_persistence(uri: str, db_name: str) -> None:
    session_manager = MongoDBSessionManager("config", uri, db_name)
    agent = Agent(
        agent_id="assistant",
        model=ScriptedModel(["Hi!"]),
        system_prompt="You are a helpful assistant.",
        session_manager=session_manager,
        callback_handler=None,
    )
    agent("Hello")
    config = session_manager.get_agent_config("assistant")
    assert config is not None
    assert config["system_prompt"] == "You are a helpful assistant."
    session_manager.update_agent_config("assistant", system_prompt="You are terse.")
    session_manager.set_prompt_metadata("assistant", {"version": "2.1", "temperature": 0.3})
    for agent_info in session_manager.list_agents():
        assert agent_info["agent_id"] == "assistant"
        assert agent_info["system_prompt"] == "You are terse."
        assert agent_info["prompt_metadata"]["version"] == "2.1"
    session_manager.close()
