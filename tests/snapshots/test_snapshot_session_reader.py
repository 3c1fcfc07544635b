"""``SnapshotSessions``: what the viewer and ``msm sessions`` read of Strands' snapshot sessions."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

import pytest
from strands import Agent, Snapshot
from strands.session import SnapshotSessionManager
from strands.session.snapshot_session_manager import _multi_agent_latest_key, _snapshot_key

from mongodb_session_manager import MongoDBStorage, SnapshotSessions
from mongodb_session_manager.errors import InvalidInputError, StoredSnapshotError
from mongodb_session_manager.snapshots import parse_key, snapshot_key
from mongodb_session_manager.testing import ScriptedModel
from tests.storage.storage_fixtures import make_storage, storage

__all__ = ["make_storage", "storage"]

UUID7 = "0190f1c2-3b4a-7c5d-8e6f-0123456789ab"


def _always(**kwargs: Any) -> bool:
    return True


def _chat(storage: MongoDBStorage, session_id: str, turns: int, agent_id: str = "default") -> Agent:
    manager = SnapshotSessionManager(session_id, storage=storage, snapshot_trigger=_always)
    answers = [f"answer {n}" for n in range(turns)]
    agent = Agent(
        model=ScriptedModel(answers),
        session_manager=manager,
        agent_id=agent_id,
        callback_handler=None,
    )
    for n in range(turns):
        agent(f"question {n}")
    return agent


def _texts(messages: list[dict[str, Any]]) -> list[str]:
    return ["".join(b.get("text", "") for b in m["content"]) for m in messages]


def test_the_layout_is_the_one_strands_writes() -> None:
    # Strands' own key builders (private, so this test is what notices a change).
    latest = "session/" + _snapshot_key("s-1", "agent-7", snapshot_id=None)
    checkpoint = "session/" + _snapshot_key("s-1", "agent-7", snapshot_id=UUID7)
    orchestrator = "session/" + _multi_agent_latest_key("s-1", "graph")

    assert snapshot_key("s-1", "agent-7", None) == latest
    assert snapshot_key("s-1", "agent-7", UUID7) == checkpoint
    assert snapshot_key("s-1", "graph", None, kind="multiAgent") == orchestrator
    assert parse_key(checkpoint) is not None
    assert parse_key(checkpoint).snapshot_id == UUID7  # type: ignore[union-attr]
    assert parse_key(orchestrator).kind == "multiAgent"  # type: ignore[union-attr]
    # Look-alikes are not snapshots.
    history = "session/s-1/scopes/agent/a/snapshots/immutable_history"
    assert parse_key(f"{history}/snapshot_1.json") is None
    assert parse_key("session/s-1/scopes/agent/a/snapshots/snapshot_latest.json.bak") is None


def test_checkpoints_are_listed_oldest_first_and_each_reads_back_as_it_was(
    storage: MongoDBStorage,
) -> None:
    _chat(storage, "chat-1", turns=3)
    sessions = SnapshotSessions(storage)

    detail = asyncio.run(sessions.describe("chat-1"))

    assert detail is not None
    [scope] = detail.scopes
    assert (scope.kind, scope.scope_id) == ("agent", "default")
    assert scope.latest is not None
    assert len(scope.checkpoints) == 3
    times = [c.created_at for c in scope.checkpoints]
    assert times == sorted(times)
    first = asyncio.run(sessions.read("chat-1", "default", scope.checkpoints[0].snapshot_id))
    latest = asyncio.run(sessions.read("chat-1", "default"))
    assert first is not None and latest is not None
    assert _texts(first.data["messages"]) == ["question 0", "answer 0"]
    assert _texts(latest.data["messages"])[-1] == "answer 2"
    assert len(latest.data["messages"]) == 6
    assert detail.total_bytes == scope.latest.size + sum(c.size for c in scope.checkpoints)


def test_sessions_are_listed_newest_first_and_page_without_repeats(
    make_storage: Callable[..., MongoDBStorage],
) -> None:
    storage = make_storage(collection_name="listing")
    for name in ("old", "middle", "new"):
        _chat(storage, name, turns=1)
        time.sleep(0.01)  # distinct write times (ordering, not timing, is asserted)
    _chat(storage, "middle", turns=1, agent_id="helper")  # a second scope, saved last
    sessions = SnapshotSessions(storage)

    first = asyncio.run(sessions.list_sessions(limit=2))
    rest = asyncio.run(sessions.list_sessions(limit=2, before=first[-1].updated_at))

    assert [s.session_id for s in first] == ["middle", "new"]
    assert first[0].scopes == 2
    assert [s.session_id for s in rest] == ["old"]
    assert [s.session_id for s in asyncio.run(sessions.list_sessions(prefix="ne"))] == ["new"]


def test_delete_removes_every_snapshot_checkpoint_and_chunk_of_one_session_only(
    make_storage: Callable[..., MongoDBStorage],
) -> None:
    # Tiny chunks: every snapshot is chunked, so the chunks must go too.
    storage = make_storage(collection_name="deleting", inline_bytes=256, chunk_bytes=128)
    _chat(storage, "gone", turns=2)
    _chat(storage, "kept", turns=1)
    asyncio.run(storage.write("context/gone/stash-1", b"offloaded"))
    sessions = SnapshotSessions(storage)

    deleted = asyncio.run(sessions.delete("gone"))

    assert deleted == 4  # latest, two checkpoints, the stash value
    assert asyncio.run(storage.list("session/gone/")) == []
    assert asyncio.run(storage.list("context/gone/")) == []
    assert asyncio.run(sessions.describe("gone")) is None
    kept = asyncio.run(sessions.read("kept", "default"))
    assert kept is not None and _texts(kept.data["messages"]) == ["question 0", "answer 0"]
    chunks = storage.pool.collection(storage.database_name, "deleting_chunks")

    def left(session_id: str) -> int:
        query = {"head": {"$regex": f"^session/{session_id}/"}}
        return int(storage.pool.run(chunks.count_documents(query)))

    assert left("gone") == 0
    assert left("kept") > 0


def test_namespaces_do_not_see_each_others_sessions(
    make_storage: Callable[..., MongoDBStorage],
) -> None:
    _chat(make_storage(collection_name="shared", namespace="app-a"), "a-chat", turns=1)
    _chat(make_storage(collection_name="shared"), "plain-chat", turns=1)

    seen_a = asyncio.run(
        SnapshotSessions(make_storage(collection_name="shared", namespace="app-a")).list_sessions()
    )
    seen_plain = asyncio.run(
        SnapshotSessions(make_storage(collection_name="shared")).list_sessions()
    )

    assert [s.session_id for s in seen_a] == ["a-chat"]
    assert [s.session_id for s in seen_plain] == ["plain-chat"]


@pytest.mark.parametrize(
    "call",
    [
        lambda s: s.describe("a/b"),
        lambda s: s.describe(""),
        lambda s: s.read("chat", "agent\0"),
        lambda s: s.read("chat", "default", "not-a-uuid"),
        lambda s: s.read("chat", "graph", UUID7, kind="multiAgent"),
        lambda s: s.delete(".."),
        lambda s: s.list_sessions(limit=0),
        lambda s: s.list_sessions(prefix="x/y"),
    ],
)
def test_bad_ids_are_refused_before_any_read(
    storage: MongoDBStorage, call: Callable[[SnapshotSessions], Any]
) -> None:
    with pytest.raises(InvalidInputError):
        asyncio.run(call(SnapshotSessions(storage)))


def test_a_value_that_is_not_a_snapshot_is_a_typed_error_naming_its_key(
    storage: MongoDBStorage,
) -> None:
    key = snapshot_key("broken", "default", None)
    asyncio.run(storage.write(key, b'{"scope": "agent", "schema_version": "0.1"}'))
    sessions = SnapshotSessions(storage)

    with pytest.raises(StoredSnapshotError, match="broken"):
        asyncio.run(sessions.read("broken", "default"))
    asyncio.run(storage.write(key, b"\xff not json"))
    with pytest.raises(StoredSnapshotError, match="not JSON"):
        asyncio.run(sessions.export("broken"))
    assert asyncio.run(storage.read(key)) == b"\xff not json"  # nothing was changed


def test_export_holds_every_checkpoint_as_strands_wrote_it(storage: MongoDBStorage) -> None:
    _chat(storage, "exported", turns=2)
    sessions = SnapshotSessions(storage)

    export = asyncio.run(sessions.export("exported"))

    assert export is not None
    [scope] = export["scopes"]
    assert [len(c["snapshot"]["data"]["messages"]) for c in scope["checkpoints"]] == [2, 4]
    assert scope["latest"]["data"]["messages"][-1]["content"][0]["text"] == "answer 1"
    assert asyncio.run(sessions.export("nobody")) is None


@pytest.mark.usefixtures("needs_command_monitoring")
def test_round_trips_do_not_grow_with_checkpoints(
    make_storage: Callable[..., MongoDBStorage],
) -> None:
    storage = make_storage(collection_name="budget", ttl=timedelta(days=1))
    _chat(storage, "long", turns=6)
    sessions = SnapshotSessions(storage)
    stats = storage.pool.command_stats

    budgets: list[tuple[str, Coroutine[Any, Any, object], int]] = [
        ("list", sessions.list_sessions(), 1),
        ("describe", sessions.describe("long"), 2),
        ("read", sessions.read("long", "default"), 1),
        ("delete", sessions.delete("long"), 4),
    ]
    for name, call, budget in budgets:
        with stats.capture() as log:
            asyncio.run(call)
        assert log.round_trips == budget, (name, log.commands)


def test_an_orchestrator_is_listed_after_its_agents_and_read_as_its_kind(
    storage: MongoDBStorage,
) -> None:
    _chat(storage, "graph-run", turns=1, agent_id="writer")
    state = Snapshot(
        scope="multiAgent", schema_version="1.0", data={"status": "completed"}, app_data={}
    )
    key = snapshot_key("graph-run", "graph", None, kind="multiAgent")
    asyncio.run(storage.write(key, json.dumps(state.to_dict()).encode()))
    sessions = SnapshotSessions(storage)

    detail = asyncio.run(sessions.describe("graph-run"))
    read = asyncio.run(sessions.read("graph-run", "graph", kind="multiAgent"))
    transcript = asyncio.run(sessions.transcript("graph-run"))

    assert detail is not None
    assert [(s.kind, s.scope_id) for s in detail.scopes] == [
        ("agent", "writer"),
        ("multiAgent", "graph"),
    ]
    assert read is not None and read.data == {"status": "completed"}
    assert transcript is not None
    assert transcript["multi_agents"] == [
        {"multi_agent_id": "graph", "state": {"status": "completed"}}
    ]
    assert [a["agent_id"] for a in transcript["agents"]] == ["writer"]


def test_reading_creates_no_collection_and_no_index(
    make_storage: Callable[..., MongoDBStorage],
) -> None:
    storage = make_storage(collection_name="never_written")
    sessions = SnapshotSessions(storage)

    assert asyncio.run(sessions.list_sessions()) == []
    assert asyncio.run(sessions.describe("nobody")) is None
    assert asyncio.run(sessions.read("nobody", "default")) is None
    assert asyncio.run(storage.list("")) == []

    async def names() -> list[str]:
        return list(await storage.pool.client()[storage.database_name].list_collection_names())

    assert "never_written" not in storage.pool.run(names())
