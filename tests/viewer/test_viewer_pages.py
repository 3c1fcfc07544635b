"""The viewer on a long session: older messages come from pages, exactly once, in order.

The session (``tests/helpers/paged.py``) has 300 messages for ``assistant``: ids
0..249 in pages, 250..299 recent, plus a stray page and another incarnation's
page that must never show.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from mongodb_session_manager.testing import MongoBackend
from mongodb_session_manager.viewer import SessionQueries, ViewerSettings
from mongodb_session_manager.viewer.export import export_body
from mongodb_session_manager.viewer.filters import SessionSearch
from tests.helpers.paged import (
    GHOST,
    HELPER_MESSAGES,
    PAGED,
    STRAY,
    TOTAL,
    companions,
    insert_paged,
    text_of,
)

SESSION = "long-1"
OTHER = "long-2"


@pytest.fixture(scope="module")
def queries(msm_backend: MongoBackend) -> Iterator[SessionQueries]:
    database = f"msm_pages_{uuid.uuid4().hex[:10]}"
    options = msm_backend.options(database)
    queries = SessionQueries(
        ViewerSettings(
            connection_string=options.get("connection_string"),
            client=options.get("client"),
            database_name=database,
        )
    )
    name = queries.settings.collection_name

    async def seed() -> None:
        for session_id in (SESSION, OTHER):
            await insert_paged(queries.pool.client(), database, name, session_id)

    queries.pool.run(seed())
    yield queries

    async def drop() -> None:
        await queries.pool.client().drop_database(database)

    queries.pool.run(drop())
    queries.close()


def _walk(queries: SessionQueries, limit: int) -> tuple[dict[str, list[int]], list[str], int]:
    """Every timeline page: message ids per agent, texts shown, most reads of one page."""

    async def walk() -> tuple[dict[str, list[int]], list[str], int]:
        shown: dict[str, list[int]] = {}
        texts: list[str] = []
        cursor: str | None = None
        worst = 0
        for _ in range(1000):
            with queries.pool.command_stats.capture() as log:
                page = await queries.timeline(SESSION, cursor, limit)
            worst = max(worst, log.reads)
            for item in page.items:
                data: Any = item.model_dump()
                if "message_id" in data and data.get("role"):
                    shown.setdefault(data["agent_id"], []).append(data["message_id"])
                    texts.extend(b.get("text") or "" for b in data["blocks"])
            cursor = page.next_cursor
            if cursor is None:
                return shown, texts, worst
        raise AssertionError("the timeline never ended")

    return queries.pool.run(walk())


@pytest.mark.parametrize("limit", [7, 40, 120])
def test_timeline_walks_pages_then_recent_messages_once_each_in_order(
    queries: SessionQueries, limit: int, needs_command_monitoring: None
) -> None:
    shown, texts, worst = _walk(queries, limit)

    assert shown["assistant"] == list(range(TOTAL))  # across the boundary at 250: no gap
    assert shown["helper"] == list(range(HELPER_MESSAGES))
    assert texts.count(text_of("assistant", PAGED - 1)) == 1
    assert texts.count(text_of("assistant", PAGED)) == 1
    assert not [t for t in texts if STRAY in t or GHOST in t]  # invisible pages stay invisible
    assert worst <= 2  # the session, then one find for the pages of every agent


def test_timeline_page_at_the_boundary_reads_pages_and_recent_together(
    queries: SessionQueries,
) -> None:
    from mongodb_session_manager.viewer.timeline import Cursor

    cursor = Cursor(offsets={"assistant": PAGED - 3, "helper": HELPER_MESSAGES}).encode()
    page = queries.pool.run(queries.timeline(SESSION, cursor, 6))
    ids = [item.model_dump()["message_id"] for item in page.items]
    assert ids == list(range(PAGED - 3, PAGED + 3))
    assert page.total == TOTAL + HELPER_MESSAGES


def test_metrics_count_the_calls_of_pages_too(
    queries: SessionQueries, needs_command_monitoring: None
) -> None:
    with queries.pool.command_stats.capture() as log:
        metrics = queries.pool.run(queries.metrics(SESSION))
    assistant = [c.message_id for c in metrics.calls if c.agent_id == "assistant"]
    assert assistant == list(range(1, TOTAL, 2))  # every assistant turn, paged ones included
    assert [c.seq for c in metrics.calls] == list(range(len(metrics.calls)))
    assert log.reads <= 2


def test_search_row_and_header_count_every_message_and_preview_the_first(
    queries: SessionQueries,
) -> None:
    page = queries.pool.run(queries.search(SessionSearch(limit=10)))
    row = next(r for r in page.items if r.session_id == SESSION)
    assert row.message_count == TOTAL + HELPER_MESSAGES
    # The opener is message 0 of the assistant, which lives in the first page.
    assert row.preview == text_of("assistant", 0)
    detail = queries.pool.run(queries.session(SESSION))
    counts = {a.agent_id: a.message_count for a in detail.agents}
    assert counts == {"assistant": TOTAL, "helper": HELPER_MESSAGES}


def test_export_holds_every_message_in_order(queries: SessionQueries) -> None:
    import json

    document = queries.pool.run(queries.document(SESSION))
    body, media, _ = export_body(document, "json")
    assert media == "application/json"
    agents = {a["agent_id"]: a for a in json.loads(body)["agents"]}
    assert [m["message_id"] for m in agents["assistant"]["messages"]] == list(range(TOTAL))
    assert STRAY not in body and GHOST not in body
    markdown, _, _ = export_body(document, "markdown")
    positions = [markdown.index(text_of("assistant", i) + "\n") for i in (0, PAGED - 1, PAGED)]
    assert positions == sorted(positions)


def test_delete_removes_the_pages_and_chunks_of_that_session_only(
    queries: SessionQueries,
) -> None:
    database, name = queries.settings.database_name, queries.settings.collection_name

    def left(session_id: str) -> int:
        async def count() -> int:
            return await companions(queries.pool.client(), database, name, session_id)

        return queries.pool.run(count())

    assert left(OTHER) == 6  # five pages and a chunk
    assert queries.pool.run(queries.delete(OTHER)) is True
    assert left(OTHER) == 0
    assert left(SESSION) == 6
    assert queries.pool.run(queries.delete(OTHER)) is False


def test_lenient_path_slices_whole_arrays_the_same_way() -> None:
    # Where $slice takes no computed offset (mongomock) the recent array comes whole.
    from mongodb_session_manager.models import storage_key
    from mongodb_session_manager.viewer.mappers import timeline_from
    from mongodb_session_manager.viewer.timeline import Cursor
    from tests.helpers.paged import paged_session

    document, pages = paged_session(SESSION)
    agents = [{"key": key, **agent} for key, agent in document["agents"].items()]
    raw = {"agents": agents, "feedbacks": [], "feedback_count": 0}
    mine = sorted(
        (p for p in pages if p["agent_key"] == storage_key("assistant")),
        key=lambda p: p["first_id"],
    )
    seen: list[int] = []
    position = Cursor(offsets={"helper": HELPER_MESSAGES})
    while True:
        page = timeline_from(
            SESSION, raw, position, 33, sliced=False, max_inline_bytes=0, pages=mine
        )
        seen += [item.model_dump()["message_id"] for item in page.items]
        if page.next_cursor is None:
            break
        position = Cursor.decode(page.next_cursor)
    assert seen == list(range(TOTAL))


async def test_http_export_streams_every_message_a_batch_at_a_time(
    queries: SessionQueries, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dataclasses
    import json

    import httpx

    from mongodb_session_manager.viewer import create_app
    from tests.viewer.viewer_helpers import TOKEN

    monkeypatch.setattr("mongodb_session_manager.viewer.queries.EXPORT_BATCH", 30)
    settings = dataclasses.replace(queries.settings, token=TOKEN, allowed_hosts=("viewer.test",))
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    try:
        async with httpx.AsyncClient(
            transport=transport, base_url="http://viewer.test", headers=headers
        ) as http:
            response = await http.get(f"/api/v1/sessions/{SESSION}/export")
            markdown = await http.get(f"/api/v1/sessions/{SESSION}/export?format=markdown")
            missing = await http.get("/api/v1/sessions/nope/export")
    finally:
        app.state.queries.close()
    assert response.status_code == 200
    assert 'filename="session-long-1.json"' in response.headers["content-disposition"]
    agents = {a["agent_id"]: a for a in response.json()["agents"]}
    assert [m["message_id"] for m in agents["assistant"]["messages"]] == list(range(TOTAL))
    assert [m["message_id"] for m in agents["helper"]["messages"]] == list(range(4))
    assert STRAY not in response.text and GHOST not in response.text
    assert json.loads(response.text)["session"]["session_id"] == SESSION
    assert markdown.status_code == 200
    assert markdown.headers["content-type"].startswith("text/markdown")
    positions = [markdown.text.index(text_of("assistant", i) + "\n") for i in range(TOTAL)]
    assert positions == sorted(positions)
    assert missing.status_code == 404


def test_a_session_the_library_paged_reads_back_whole(
    factory: Any, needs_command_monitoring: None
) -> None:
    # Not hand-built: the store's own writer seals the pages (5 messages each here).
    from strands.types.session import Session, SessionType

    from mongodb_session_manager.models.pages import PagePolicy

    store = factory.repository.store.with_settings(
        page_policy=PagePolicy(page_messages=5, page_bytes=10**9)
    )
    run = store.runner.run
    run(store.create_session(Session(session_id="written", session_type=SessionType.AGENT)))
    counts = {"a": 23, "b": 7}
    for agent_id, count in counts.items():
        run(
            store.create_agent(
                "written", {"agent_id": agent_id, "message_count": 0, "messages": [], "state": {}}
            )
        )
        for i in range(count):
            text = [{"text": f"{agent_id} says {i}"}]
            run(
                store.append(
                    "written", agent_id, {"message_id": i, "role": "user", "content": text}
                )
            )
    settings = ViewerSettings(
        database_name=store.database_name, collection_name=store.collection_name
    )
    viewer = SessionQueries(settings, pool=factory.pool)

    async def walk() -> dict[str, list[int]]:
        shown: dict[str, list[int]] = {}
        cursor: str | None = None
        while True:
            with factory.pool.command_stats.capture() as log:
                page = await viewer.timeline("written", cursor, 4)
            assert log.reads <= 2  # both agents' pages in one read ($or of two branches)
            for item in page.items:
                data: Any = item.model_dump()
                shown.setdefault(data["agent_id"], []).append(data["message_id"])
                assert data["blocks"][0]["text"] == f"{data['agent_id']} says {data['message_id']}"
            cursor = page.next_cursor
            if cursor is None:
                return shown

    assert factory.pool.run(walk()) == {k: list(range(n)) for k, n in counts.items()}
    document = factory.pool.run(viewer.document("written"))
    agents = {a["agent_id"]: a for a in document["agents"].values()}
    assert agents["a"]["paged_count"] == 20 and agents["b"]["paged_count"] == 5  # really paged
    assert [m["message_id"] for m in agents["a"]["messages"]] == list(range(23))
    assert factory.pool.run(viewer.delete("written")) is True
    viewer.close()

    async def left() -> int:
        client = factory.pool.client()
        return await companions(client, store.database_name, store.collection_name, "written")

    assert factory.pool.run(left()) == 0


def test_a_paged_timeline_page_reads_only_the_messages_it_shows(
    queries: SessionQueries, needs_command_monitoring: None
) -> None:
    from mongodb_session_manager.viewer.timeline import Cursor

    def received(offset: int) -> int:
        cursor = Cursor(offsets={"assistant": offset, "helper": HELPER_MESSAGES}).encode()

        async def page() -> int:
            with queries.pool.command_stats.capture() as log:
                await queries.timeline(SESSION, cursor, 10)
            return log.bytes_received

        return queries.pool.run(page())

    recent = received(PAGED + 10)  # one read: the session's recent messages only
    # 10 messages of a 100-message page: the page is cut on the server, not shipped whole.
    assert received(0) < 2 * recent
    assert received(PAGED - 5) < 2 * recent
