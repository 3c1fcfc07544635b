"""The shared pool: one per connection string, stats, release."""

from __future__ import annotations

from typing import Any

import pytest
from strands import Agent

from mongodb_session_manager import MongoDBConnectionPool, MongoDBSessionManagerFactory
from mongodb_session_manager._redact import redact_uri
from mongodb_session_manager.testing import ScriptedModel
from tests.helpers.store import CommandNames


def test_managers_with_the_same_uri_share_one_pool(msm_options: dict[str, Any]) -> None:
    one = MongoDBSessionManagerFactory(**msm_options)
    two = MongoDBSessionManagerFactory(**msm_options)
    try:
        assert one.pool is two.pool
        assert one.pool.get_pool_stats()["users"] == 2
    finally:
        one.close()
        two.close()
    assert one.pool.get_pool_stats()["status"] == "closed"


@pytest.mark.usefixtures("no_global_listeners")
def test_pool_stats_report_commands_and_hide_the_password(msm_backend: Any) -> None:
    # A pool of its own, so that its clients are built without other tests' listeners.
    factory = MongoDBSessionManagerFactory(**msm_backend.options("stats"), appname="stats-test")
    try:
        manager = factory.create_session_manager("s")
        agent = Agent(
            model=ScriptedModel(["x", "z", "u"]), session_manager=manager, callback_handler=None
        )
        agent("y")  # not counted: nobody asked
        factory.pool.command_stats.enable()
        try:
            agent("w")
        finally:
            factory.pool.command_stats.disable()
        agent("v")  # not counted either
        stats = factory.get_connection_stats()
        assert stats["status"] == "connected"
        assert stats["options"]["maxPoolSize"] == 100
        if msm_backend.counts_commands:
            assert stats["commands"] == {"update": 2}  # the one counted turn: two writes
            sessions = f"{factory.repository.database_name}.{factory.repository.collection_name}"
            assert stats["indexed_collections"] == [
                sessions,
                f"{sessions}_blobs",
                f"{sessions}_pages",
            ]
    finally:
        factory.close()
    # user and password both go (tests/web/test_redaction.py has the hostile cases)
    assert redact_uri("mongodb://bob:s3cret@host:27017/db") == "mongodb://***@host:27017/db"


def test_reference_singleton_api(msm_backend: Any) -> None:
    if msm_backend.uri is None:
        return
    from pymongo import MongoClient

    client = MongoDBConnectionPool.initialize(msm_backend.uri, maxPoolSize=5)
    try:
        assert isinstance(client, MongoClient)
        assert MongoDBConnectionPool.initialize(msm_backend.uri, maxPoolSize=5) is client
        assert MongoDBConnectionPool.get_client() is client
        pool = MongoDBConnectionPool.get_instance()
        assert pool is not None and pool.get_pool_stats()["options"]["maxPoolSize"] == 5
        assert MongoDBConnectionPool.get_pool_stats()["options"]["maxPoolSize"] == 5
    finally:
        MongoDBConnectionPool.close()
    assert MongoDBConnectionPool.get_client() is None
    assert MongoDBConnectionPool.get_instance() is None


def test_an_application_can_add_its_own_command_listeners(msm_backend: Any) -> None:
    if msm_backend.uri is None:
        return  # an external (mock) client is used as given
    names = CommandNames()
    factory = MongoDBSessionManagerFactory(
        msm_backend.uri, database_name="listeners", event_listeners=[names], appname="my-service"
    )
    try:
        factory.create_session_manager("s").close()
        assert "find" in names.names and "insert" in names.names
        assert factory.get_connection_stats()["commands"]["find"] >= 1  # ours still counts
    finally:
        factory.close()
