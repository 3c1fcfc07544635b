"""Export, show and delete of a long session: every message (pages, then recent), no leftovers.

The session (``tests/helpers/paged.py``) has 300 messages for ``assistant``: ids
0..249 in pages, 250..299 recent, plus a stray page and another incarnation's
page that must never be exported.
"""

from __future__ import annotations

import asyncio
import io
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from mongodb_session_manager import MongoDBSessionManagerFactory, SessionNotFoundError
from mongodb_session_manager.cli import app
from mongodb_session_manager.lifecycle import (
    SessionQuery,
    delete_session,
    delete_sessions,
    export_document,
    export_session,
    export_session_data,
    export_session_to,
    export_session_to_async,
    to_json,
    to_markdown,
)
from mongodb_session_manager.lifecycle.stream import ExportWriter
from mongodb_session_manager.testing import MongoBackend
from tests.helpers.paged import (
    GHOST,
    HELPER_MESSAGES,
    STRAY,
    TOTAL,
    companions,
    insert_paged,
    message,
    paged_session,
    text_of,
)

SESSIONS = ("long-1", "long-2", "long-3")


@pytest.fixture
def long(factory: MongoDBSessionManagerFactory) -> MongoDBSessionManagerFactory:
    store = factory.repository.store

    async def seed() -> None:
        for session_id in SESSIONS:
            await insert_paged(
                factory.pool.client(), store.database_name, store.collection_name, session_id
            )

    factory.pool.run(seed())
    return factory


def left(
    factory: MongoDBSessionManagerFactory,
    session_id: str,
    kinds: tuple[str, ...] = ("pages", "blobs"),
) -> int:
    store = factory.repository.store

    async def count() -> int:
        return await companions(
            factory.pool.client(), store.database_name, store.collection_name, session_id, kinds
        )

    return factory.pool.run(count())


def assistant_ids(exported: dict[str, Any]) -> list[int]:
    agents = {a["agent_id"]: a for a in exported["agents"]}
    assert [m["message_id"] for m in agents["helper"]["messages"]] == list(range(HELPER_MESSAGES))
    return [m["message_id"] for m in agents["assistant"]["messages"]]


def in_order(markdown: str) -> bool:
    positions = [markdown.find(text_of("assistant", i) + "\n") for i in range(TOTAL)]
    return -1 not in positions and positions == sorted(positions)


def without_time(text: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(text)
    data.pop("exported_at")
    return data


def test_export_holds_every_message_in_order(long: MongoDBSessionManagerFactory) -> None:
    text = export_session("long-1", repository=long.repository)
    assert assistant_ids(json.loads(text)) == list(range(TOTAL))
    assert STRAY not in text and GHOST not in text
    assert "paged_count" not in text  # where messages are stored is not part of the export
    markdown = export_session("long-1", format="markdown", repository=long.repository)
    assert in_order(markdown)
    assert STRAY not in markdown and GHOST not in markdown
    data = export_session_data("long-1", repository=long.repository)
    assert assistant_ids(data) == list(range(TOTAL))


def test_streamed_export_writes_the_same_text(long: MongoDBSessionManagerFactory) -> None:
    whole = export_session("long-1", repository=long.repository)
    out = io.StringIO()
    assert export_session_to("long-1", out, repository=long.repository) == TOTAL + HELPER_MESSAGES
    assert without_time(out.getvalue()) == without_time(whole)

    markdown = io.StringIO()
    export_session_to("long-1", markdown, format="markdown", repository=long.repository)
    assert in_order(markdown.getvalue())

    async def streamed() -> str:
        out = io.StringIO()
        await export_session_to_async("long-1", out, repository=long.repository)
        return out.getvalue()

    assert without_time(asyncio.run(streamed())) == without_time(whole)

    nothing = io.StringIO()
    with pytest.raises(SessionNotFoundError):
        export_session_to("missing", nothing, repository=long.repository)
    assert nothing.getvalue() == ""


def test_export_writer_text_equals_the_in_memory_export() -> None:
    document, _ = paged_session("s")
    full = {**document, "agents": {k: dict(a) for k, a in document["agents"].items()}}
    full["agents"]["assistant"]["messages"] = [message("assistant", i) for i in range(TOTAL)]
    for fmt in ("json", "markdown"):
        out = io.StringIO()
        writer = ExportWriter(document, out, format=fmt)
        for index, agent_id in enumerate(writer.agent_ids):
            writer.begin_agent(index)
            messages = full["agents"][agent_id]["messages"]
            for start in range(0, len(messages), 7):
                writer.add(messages[start : start + 7])
            writer.end_agent()
        writer.finish()
        expected = export_document(full)
        expected["exported_at"] = writer.export["exported_at"]
        render = to_json if fmt == "json" else to_markdown
        assert out.getvalue() == render(expected)


def _msm(backend: MongoBackend, factory: MongoDBSessionManagerFactory, *args: str) -> Any:
    command, rest = list(args[:2]), list(args[2:])
    options = ["--database", factory.repository.store.database_name]
    obj = None
    if backend.uri is not None:
        options += ["--uri", backend.uri]
    else:
        obj = {"pool": factory.pool}
    return CliRunner().invoke(app, [*command, *options, *rest], obj=obj)


def test_cli_show_and_export_include_paged_messages(
    long: MongoDBSessionManagerFactory, msm_backend: MongoBackend, tmp_path: Path
) -> None:
    shown = _msm(msm_backend, long, "sessions", "show", "long-1", "--messages", "400")
    assert shown.exit_code == 0, shown.output
    assert f"messages={TOTAL}" in shown.output
    lines = [line for line in shown.output.splitlines() if "assistant message" in line]
    assert [int(line.split("#")[1].split()[0]) for line in lines] == list(range(TOTAL))

    target = tmp_path / "long.json"
    exported = _msm(msm_backend, long, "sessions", "export", "long-1", "--output", str(target))
    assert exported.exit_code == 0, exported.output
    assert assistant_ids(json.loads(target.read_text(encoding="utf-8"))) == list(range(TOTAL))
    markdown = _msm(msm_backend, long, "sessions", "export", "long-1", "--format", "markdown")
    assert markdown.exit_code == 0 and in_order(markdown.output)

    target.write_text("kept", encoding="utf-8")
    missing = _msm(msm_backend, long, "sessions", "export", "nope", "--output", str(target))
    assert missing.exit_code == 1
    assert target.read_text(encoding="utf-8") == "kept"  # an error never clobbers a file
    assert sorted(p.name for p in tmp_path.iterdir()) == ["long.json"]


def test_delete_and_delete_by_query_leave_no_pages_or_chunks(
    long: MongoDBSessionManagerFactory,
) -> None:
    assert left(long, "long-1") == 6  # five pages (one stray, one of an old incarnation), a chunk
    assert delete_session("long-1", repository=long.repository) is True
    assert left(long, "long-1") == 0

    report = delete_sessions(SessionQuery(session_ids=["long-2"]), repository=long.repository)
    assert report.deleted == 1
    assert left(long, "long-2") == 0
    assert left(long, "long-3") == 6  # another session's pages and chunk stay


def test_exports_put_out_of_line_values_back(factory: MongoDBSessionManagerFactory) -> None:
    # Written by the store itself: a paged agent whose message 3 has a 200 KB image
    # kept out of line (the inline limit is 64 KiB here).
    import base64
    import os

    from strands.types.session import Session, SessionType

    from mongodb_session_manager.models.pages import PagePolicy

    policy = PagePolicy(page_messages=4, page_bytes=10**9, inline_message_bytes=65_536)
    store = factory.repository.store.with_settings(page_policy=policy)
    image = os.urandom(200_000)
    run = store.runner.run
    run(store.create_session(Session(session_id="big", session_type=SessionType.AGENT)))
    run(store.create_agent("big", {"agent_id": "a", "message_count": 0, "messages": []}))
    for i in range(10):
        content: list[dict[str, Any]] = [{"text": f"a says {i}"}]
        if i == 3:
            content.append({"image": {"format": "png", "source": {"bytes": image}}})
        run(store.append("big", "a", {"message_id": i, "role": "user", "content": content}))
    raw = run(store.find_one({"_id": "big"}))
    assert raw is not None and raw["agents"]["a"]["paged_count"] == 8  # message 3 is paged
    assert left(factory, "big", ("blobs",)) > 0  # the image really is out of line

    out = io.StringIO()
    assert export_session_to("big", out, repository=factory.repository) == 10
    (agent,) = json.loads(out.getvalue())["agents"]
    assert [m["message_id"] for m in agent["messages"]] == list(range(10))
    stored = agent["messages"][3]["content"][1]["image"]["source"]["bytes"]["$binary"]["base64"]
    assert base64.b64decode(stored) == image
    assert without_time(export_session("big", repository=factory.repository)) == without_time(
        out.getvalue()
    )

    # The viewer's download too (streamed: pages a batch at a time, values put back).
    from mongodb_session_manager.viewer import SessionQueries, ViewerSettings
    from mongodb_session_manager.viewer.export import export_chunks

    settings = ViewerSettings(
        database_name=store.database_name, collection_name=store.collection_name
    )
    viewer = SessionQueries(settings, pool=factory.pool)

    async def download() -> str:
        header = await viewer.header("big")
        return "".join([chunk async for chunk in export_chunks(viewer, header, "json")])

    body = factory.pool.run(download())
    viewer.close()
    assert without_time(body) == without_time(out.getvalue())
