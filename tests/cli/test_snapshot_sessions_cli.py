"""``msm sessions snapshots list|show|export|delete`` on Strands' snapshot sessions."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from strands import Agent
from strands.session import SnapshotSessionManager
from typer.testing import CliRunner

from mongodb_session_manager import MongoDBSessionManagerFactory, MongoDBStorage, SnapshotSessions
from mongodb_session_manager.cli import app
from mongodb_session_manager.testing import MongoBackend, ScriptedModel

Run = Callable[..., Any]


def _always(**kwargs: Any) -> bool:
    return True


@pytest.fixture
def storage(factory: MongoDBSessionManagerFactory) -> Iterator[MongoDBStorage]:
    storage = MongoDBStorage.from_factory(factory)
    yield storage
    storage.close()


@pytest.fixture
def snapshots(
    factory: MongoDBSessionManagerFactory, msm_backend: MongoBackend, storage: MongoDBStorage
) -> Run:
    """``snapshots(command, *args)``: ``msm sessions snapshots <command>`` on the test data."""
    for session_id, turns in (("chat-1", 3), ("chat-2", 1)):
        manager = SnapshotSessionManager(session_id, storage=storage, snapshot_trigger=_always)
        answers = [f"answer {n}" for n in range(turns)]
        if session_id == "chat-2":  # text that would be rich markup or an escape sequence
            answers = ["[bold red]pwned[/bold red]\x1b]0;title\x07"]
        agent = Agent(model=ScriptedModel(answers), session_manager=manager, callback_handler=None)
        for n in range(turns):
            agent(f"question {n}")
    database = factory.repository.database_name

    def run(command: str, *args: str, input: str | None = None) -> Any:
        options = ["--database", database]
        obj = None
        if msm_backend.uri is not None:
            options += ["--uri", msm_backend.uri]
        else:
            obj = {"pool": factory.pool}
        argv = ["sessions", "snapshots", command, *options, *args]
        return CliRunner().invoke(app, argv, input=input, obj=obj)

    return run


def _checkpoints(storage: MongoDBStorage, session_id: str) -> list[str]:
    detail = asyncio.run(SnapshotSessions(storage).describe(session_id))
    assert detail is not None
    return [c.snapshot_id for c in detail.scopes[0].checkpoints]


def test_list_shows_both_sessions_newest_first(snapshots: Run) -> None:
    result = snapshots("list", "--json")

    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [r["session_id"] for r in rows] == ["chat-2", "chat-1"]
    assert all(r["scopes"] == 1 and r["size"] > 0 for r in rows)
    table = " ".join(snapshots("list").output.split())  # the title may wrap
    assert "chat-1" in table and "2 snapshot session(s)" in table


def test_show_travels_to_a_checkpoint(snapshots: Run, storage: MongoDBStorage) -> None:
    first = _checkpoints(storage, "chat-1")[0]

    latest = snapshots("show", "chat-1")
    back = snapshots("show", "chat-1", "--checkpoint", first)

    assert latest.exit_code == 0 and back.exit_code == 0, latest.output + back.output
    assert "answer 2" in latest.output and "6 messages" in latest.output
    assert "answer 2" not in back.output and "2 messages" in back.output
    assert first in latest.output  # the checkpoint list
    assert snapshots("show", "nobody").exit_code == 1
    assert snapshots("show", "chat-1", "--checkpoint", "not-a-uuid").exit_code == 2


def test_show_prints_llm_text_inert(snapshots: Run) -> None:
    result = snapshots("show", "chat-2")

    assert "[bold red]pwned[/bold red]" in result.output
    assert "\x1b" not in result.output


def test_export_json_has_every_checkpoint_and_markdown_fences_the_text(
    snapshots: Run, tmp_path: Path
) -> None:
    out = tmp_path / "chat-1.json"
    assert snapshots("export", "chat-1", "-o", str(out)).exit_code == 0
    data = json.loads(out.read_text())
    assert len(data["scopes"][0]["checkpoints"]) == 3

    markdown = snapshots("export", "chat-2", "--format", "markdown")
    assert markdown.exit_code == 0, markdown.output
    assert "# Session `chat-2`" in markdown.output
    assert "| Schema version | - |" in markdown.output  # not "None": none is stored
    assert "question 0" in markdown.output
    assert snapshots("export", "nobody").exit_code == 1


def test_delete_asks_first_and_honours_dry_run(snapshots: Run, storage: MongoDBStorage) -> None:
    dry = snapshots("delete", "chat-1", "nobody", "--dry-run")
    assert "chat-1: 1 scope(s), 3 checkpoint(s)" in dry.output
    assert "nobody: not found" in dry.output
    refused = snapshots("delete", "chat-1", input="n\n")
    assert refused.exit_code == 1
    assert asyncio.run(storage.list("session/chat-1/"))

    done = snapshots("delete", "chat-1", "--yes")

    assert done.exit_code == 0, done.output
    assert "Deleted 1 snapshot session(s) (4 stored values)" in done.output
    assert asyncio.run(storage.list("session/chat-1/")) == []
    assert asyncio.run(storage.list("session/chat-2/"))
