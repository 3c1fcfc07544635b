"""Erasing a redacted original (``keep_original=False``) also erases its out-of-line values."""

from __future__ import annotations

from typing import Any

import pytest
from strands import Agent

from mongodb_session_manager import MongoDBSessionManagerFactory
from mongodb_session_manager.models.pages import PagePolicy, blobs_collection
from mongodb_session_manager.testing import ScriptedModel
from tests.helpers.types import MakeManager as Make
from tests.helpers.types import as_message

SECRET = "card 4111 1111 1111 1111 " * 240_000  # ~6 MB: stored out of line


def chunks(factory: MongoDBSessionManagerFactory) -> int:
    store = factory.repository.store

    async def count() -> int:
        name = blobs_collection(store.collection_name)
        return int(await store.other(name).count_documents({}))

    return factory.pool.run(count())


@pytest.mark.parametrize("where", ["recent", "page"])
def test_an_erased_original_leaves_no_chunk_behind(
    factory: MongoDBSessionManagerFactory, new_manager: Make, where: str
) -> None:
    manager = new_manager(f"erase-values-{where}", keep_original=False)
    store = manager.repository.store
    settings = store.settings
    if where == "page":  # seal a page after every message, so the big one is paged at once
        store.settings = settings.with_overrides(page_policy=PagePolicy(page_messages=1))
    try:
        erase(factory, manager, new_manager, where)
    finally:
        store.settings = settings


def erase(
    factory: MongoDBSessionManagerFactory, manager: Any, new_manager: Make, where: str
) -> None:
    agent = Agent(model=ScriptedModel(), session_manager=manager, callback_handler=None)
    before = chunks(factory)
    manager.append_message(as_message({"role": "user", "content": [{"text": SECRET}]}), agent)
    assert chunks(factory) > before
    if where == "page":
        for i in range(2):  # the commit of its page rides on these
            manager.append_message(
                as_message({"role": "user", "content": [{"text": f"{i}"}]}), agent
            )
    redaction: Any = {"role": "user", "content": [{"text": "[card redacted]"}]}
    if where == "recent":
        manager.redact_latest_message(redaction, agent)
    else:
        manager.repository.store.pool.run(
            manager.repository.store.update_message(
                manager.session_id,
                agent.agent_id,
                0,
                redaction,
                lambda path: {
                    "$set": {f"{path}.content": redaction["content"]},
                    "$unset": {f"{path}.blobs": ""},
                },
            )
        )
    assert chunks(factory) == before
    resumed = Agent(
        model=ScriptedModel(),
        session_manager=new_manager(f"erase-values-{where}"),
        callback_handler=None,
    )
    assert resumed.messages[0]["content"] == [{"text": "[card redacted]"}]
