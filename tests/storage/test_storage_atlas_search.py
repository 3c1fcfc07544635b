"""``atlas_search_index``: Atlas Search where the deployment has it, the text index otherwise."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

from mongodb_session_manager import MongoDBStorage
from mongodb_session_manager.testing import MongoBackend
from tests.storage.storage_fixtures import make_storage

__all__ = ["make_storage"]


async def test_without_atlas_search_the_text_index_answers_and_it_is_said_once(
    make_storage: Callable[..., MongoDBStorage],
    msm_backend: MongoBackend,
    caplog: pytest.LogCaptureFixture,
) -> None:
    if msm_backend.kind == "mongodb":
        pytest.skip("a real MongoDB may have Atlas Search: this is the fallback's test")
    storage = make_storage(collection_name="atlas", atlas_search_index="storage_text")
    await storage.write("notes/ui.md", b"dark mode toggle")
    await storage.write("notes/db.md", b"connection pool sizing")

    with caplog.at_level(logging.WARNING, logger="mongodb_session_manager"):
        first = await storage.search("toggle")
        again = await storage.search("pool")

    assert [r.key for r in first] == ["notes/ui.md"]
    assert [r.key for r in again] == ["notes/db.md"]
    refusals = [r for r in caplog.records if "storage.search_unavailable" in r.getMessage()]
    # The wire server refuses $search once; mongomock is never sent one.
    assert len(refusals) == (1 if msm_backend.kind == "wire" else 0)


@pytest.mark.usefixtures("needs_command_monitoring")
async def test_after_a_refusal_no_search_is_sent_again(
    make_storage: Callable[..., MongoDBStorage], msm_backend: MongoBackend
) -> None:
    if msm_backend.kind == "mongodb":
        pytest.skip("a real MongoDB may have Atlas Search: this is the fallback's test")
    storage = make_storage(collection_name="atlas", atlas_search_index="storage_text")
    await storage.write("a.md", b"dark mode")
    await storage.search("dark")  # the refusal, once

    with storage.pool.command_stats.capture() as log:
        results = await storage.search("dark")

    assert [r.key for r in results] == ["a.md"] and results[0].data == b"dark mode"
    # No $search any more: the text query (mongoeco returns scores only, so its
    # values take one more find, as for any text search there).
    assert log.round_trips == 2, log.commands


def test_the_index_definition_covers_what_the_stage_filters_on() -> None:
    fields = MongoDBStorage.SEARCH_INDEX["mappings"]["fields"]
    assert {"text", "namespace", "_id"} <= set(fields)
