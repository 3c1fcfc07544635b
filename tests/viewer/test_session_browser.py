"""The viewer's store gateway (store/browse.py), backend quirks, the shared content reading."""

from __future__ import annotations

import base64
import dataclasses
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from mongodb_session_manager.models.content import (
    ImageBlock,
    ToolResultBlock,
    exported_size,
    result_text,
    to_blocks,
)
from mongodb_session_manager.playground.settings import PlaygroundSettings
from mongodb_session_manager.store.browse import SessionBrowser
from mongodb_session_manager.store.compat import MONGOMOCK, SERVER
from mongodb_session_manager.store.pool import MongoDBConnectionPool
from mongodb_session_manager.testing import MongoBackend
from mongodb_session_manager.viewer import ViewerSettings
from mongodb_session_manager.viewer.pipelines import Pipelines
from mongodb_session_manager.viewer.schemas import AgentMetrics, AgentMetricsView


@pytest.fixture
def browser(msm_backend: MongoBackend) -> Iterator[SessionBrowser]:
    options = msm_backend.options(f"msm_browse_{uuid.uuid4().hex[:10]}")
    database = options.pop("database_name")
    pool = MongoDBConnectionPool.acquire(**options)
    gateway = SessionBrowser(pool, database, "sessions")

    async def seed() -> None:
        await gateway.collection().insert_many(
            [
                {"_id": f"s{i}", "application_name": f"app{i % 2}", "metadata": {"n": i}}
                for i in range(5)
            ]
        )

    pool.run(seed())
    yield gateway

    async def drop() -> None:
        await pool.client().drop_database(database)

    pool.run(drop())
    pool.release()


async def test_a_page_and_its_count_with_and_without_a_match(browser: SessionBrowser) -> None:
    pipeline: list[dict[str, Any]] = [{"$sort": {"_id": 1}}, {"$limit": 2}]
    rows, total = await browser.page_async({}, pipeline)
    assert [r["_id"] for r in rows] == ["s0", "s1"] and total == 5
    match = {"application_name": "app1"}
    rows, total = await browser.page_async(match, [{"$match": match}, *pipeline])
    assert [r["_id"] for r in rows] == ["s1", "s3"] and total == 2


async def test_field_sample_reads_indexes_sample_and_distinct_values(
    browser: SessionBrowser,
) -> None:
    found = await browser.field_sample_async(
        [{"$sort": {"_id": 1}}, {"$project": {"_id": 0, "metadata": 1}}], "application_name"
    )
    assert "_id_" in found.indexes
    assert [s["metadata"]["n"] for s in found.sample] == [0, 1, 2, 3, 4]
    assert sorted(found.values) == ["app0", "app1"]


async def test_one_document_and_its_deletion(browser: SessionBrowser) -> None:
    assert (await browser.aggregate_async([{"$match": {"_id": "s2"}}]))[0]["_id"] == "s2"
    document = await browser.document_async("s2")
    assert document is not None and document["metadata"] == {"n": 2}
    assert await browser.delete_async("s2") is True
    assert await browser.delete_async("s2") is False
    assert await browser.document_async("s2") is None


def test_pipelines_use_only_what_the_backend_supports() -> None:
    server, mock = Pipelines(SERVER), Pipelines(MONGOMOCK)
    assert "$substrCP" in server.cut("$x", 3) and "$substr" in mock.cut("$x", 3)
    assert "$type" in str(server.is_text("$x")) and "$type" not in str(mock.is_text("$x"))
    assert server.slices_server_side and not mock.slices_server_side
    assert "$slice" in str(server.timeline("s", {"k": 2}, 0, 10))
    assert "$slice" not in str(mock.timeline("s", {"k": 2}, 0, 10))


def test_exported_bytes_keep_their_size_and_never_inline() -> None:
    png = b"\x89PNG" + b"x" * 100
    exported = {"$binary": {"base64": base64.b64encode(png).decode(), "subType": "00"}}
    assert exported_size(exported) == len(png)
    (block,) = to_blocks([{"image": {"format": "png", "source": {"bytes": exported}}}], 10**6)
    assert isinstance(block, ImageBlock)
    assert block.size_bytes == len(png) and block.data_url is None and block.note is None


def test_result_text_joins_text_and_json_items() -> None:
    content = [{"text": "a"}, {"json": {"b": 1}}, {"image": {"format": "png"}}]
    (block,) = to_blocks([{"toolResult": {"toolUseId": "t", "content": content}}])
    assert isinstance(block, ToolResultBlock)
    assert result_text(block) == "a\n{'b': 1}"


def test_both_apps_settings_start_with_the_same_fields() -> None:
    shared = ["connection_string", "database_name", "collection_name", "client", "host", "port"]
    for cls in (ViewerSettings, PlaygroundSettings):
        assert [f.name for f in dataclasses.fields(cls)][:6] == shared
    assert (ViewerSettings().port, PlaygroundSettings().port) == (8882, 8881)


def test_the_viewer_agent_metrics_keeps_its_published_name() -> None:
    assert AgentMetrics is AgentMetricsView
    assert AgentMetricsView.model_json_schema()["title"] == "AgentMetrics"
