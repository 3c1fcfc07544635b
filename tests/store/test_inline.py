"""Sync callers' hot writes run on their own thread through the pool's synchronous twin;
command monitoring costs nothing while nobody counts."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from pymongo import AsyncMongoClient
from strands import Agent

from mongodb_session_manager import (
    MongoDBConnectionPool,
    MongoDBSessionManager,
    StoreThreadError,
)
from mongodb_session_manager.store.inline import InlineBinding, drive
from mongodb_session_manager.store.loop import StoreLoop
from mongodb_session_manager.testing import MongoBackend, ScriptedModel
from tests.helpers.store import CommandNames


def _wire_uri(msm_backend: MongoBackend) -> str:
    if msm_backend.uri is None:
        pytest.skip("needs a MongoDB server (the mock backend has no driver traffic)")
    return msm_backend.uri


def test_a_coroutine_that_waits_on_real_io_is_refused_inline() -> None:
    async def sleeps() -> None:
        await asyncio.sleep(0)  # gives the loop a turn: a suspension

    with pytest.raises(StoreThreadError, match="waited on I/O"):
        drive(sleeps(), InlineBinding(client=None))


@pytest.mark.usefixtures("no_global_listeners")
def test_the_pool_publishes_command_events_only_while_counting(msm_backend: MongoBackend) -> None:
    uri = _wire_uri(msm_backend)
    pool = MongoDBConnectionPool(uri)
    try:
        stats = pool.command_stats

        async def ping() -> None:
            await pool.client().db.things.find_one({"_id": 1})

        pool.run(ping())  # nobody counts: PyMongo's fast path, no event
        assert stats.snapshot() == {}
        with stats.capture() as log:
            pool.run(ping())
        assert log.commands == ["find"]
        pool.run(ping())
        assert stats.snapshot() == {"find": 1}
    finally:
        pool.close()


def test_an_applications_own_listener_still_sees_every_command(msm_backend: MongoBackend) -> None:
    uri = _wire_uri(msm_backend)
    seen = CommandNames()
    pool = MongoDBConnectionPool(uri, event_listeners=[seen])
    try:

        async def find() -> None:
            await pool.client().db.things.find_one({"_id": 1})

        pool.run(find())
        pool.run(find())
        assert seen.names.count("find") == 2
    finally:
        pool.close()


def test_sync_writes_are_counted_and_a_callers_async_client_keeps_the_store_loop(
    msm_backend: MongoBackend,
) -> None:
    uri = _wire_uri(msm_backend)
    seen = CommandNames()
    client: AsyncMongoClient[Any] = AsyncMongoClient(uri, tz_aware=True, event_listeners=[seen])
    pool = MongoDBConnectionPool(client=client)
    try:
        manager = MongoDBSessionManager("inline-1", client=pool, database_name="inline_test")
        agent = Agent(
            model=ScriptedModel(["a", "b"]), session_manager=manager, callback_handler=None
        )
        agent("first")
        seen.names.clear()
        agent("second")  # no synchronous twin of the caller's client: through the store loop
        assert seen.names == ["update", "update"]
        manager.close()
        own = MongoDBSessionManager("inline-1", connection_string=uri, database_name="inline_test")
        with own.runner.command_stats.capture() as log:
            Agent(model=ScriptedModel(["c"]), session_manager=own, callback_handler=None)("third")
        assert log.commands == ["find", "update", "update"]  # resume read; two inline writes
        assert seen.names == ["update", "update"]  # none of those went through the caller's client
        own.close()
    finally:
        pool.close()
        store = StoreLoop.get()
        store.run(client.drop_database("inline_test"))
        store.run(client.close())
