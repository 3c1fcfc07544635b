"""``MongoDBStorage`` as Strands' agent-level storage: every subsystem that resolves it.

``Agent(storage=...)`` is the default for the snapshot session manager, the
context manager's stash and the context-offloader plugin; a Swarm persists
through ``SnapshotSessionManager`` too; and a snapshot written here is resumed
by another process. All with the offline model, on the test backend.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest
from strands import Agent, tool
from strands.session import SnapshotSessionManager
from strands.vended_plugins.context_offloader import ContextOffloader

from mongodb_session_manager import MongoDBStorage, SnapshotSessions
from mongodb_session_manager.testing import MongoBackend, ScriptedModel
from tests.storage.storage_fixtures import make_storage, storage

__all__ = ["make_storage", "storage"]

BIG = "\n".join(f"line {n:05d} of the quarterly report" for n in range(2_000))
"""A tool result far over the offloader's threshold (about 70 KB)."""


@tool
def quarterly_report() -> str:
    """The whole quarterly report."""
    return BIG


def _texts(agent: Agent) -> list[str]:
    return ["".join(b.get("text", "") for b in m["content"]) for m in agent.messages]


def _tool_results(agent: Agent) -> list[str]:
    return [
        "".join(part.get("text", "") for part in block["toolResult"]["content"])
        for message in agent.messages
        for block in message["content"]
        if "toolResult" in block
    ]


def test_agent_storage_backs_snapshots_and_the_stash(storage: MongoDBStorage) -> None:
    manager = SnapshotSessionManager("agent-level")  # no storage: it resolves agent.storage
    agent = Agent(
        model=ScriptedModel(["stashed answer"], context_window_limit=200_000),
        storage=storage,
        session_manager=manager,
        context_manager="auto",
        callback_handler=None,
    )

    agent("a question for the stash")

    keys = asyncio.run(storage.list(""))
    assert "session/agent-level/scopes/agent/default/snapshots/snapshot_latest.json" in keys
    stash = [key for key in keys if key.startswith("context/agent-level/scopes/agent/default/")]
    assert len(stash) >= 2, keys  # the question and the answer, each kept whole
    stored = b"".join(asyncio.run(storage.read(key)) or b"" for key in stash)
    assert b"a question for the stash" in stored and b"stashed answer" in stored

    resumed = Agent(  # the same context manager: the snapshot holds its state
        model=ScriptedModel([], context_window_limit=200_000),
        storage=storage,
        session_manager=SnapshotSessionManager("agent-level"),
        context_manager="auto",
        callback_handler=None,
    )
    assert _texts(resumed) == ["a question for the stash", "stashed answer"]


def test_the_offloader_keeps_a_big_tool_result_in_mongodb_and_fetches_it_back(
    storage: MongoDBStorage, make_storage: Callable[..., MongoDBStorage]
) -> None:
    script: list[Any] = [
        {"tool": "quarterly_report", "input": {}, "toolUseId": "report-1"},
        "summarised",
    ]
    agent = Agent(
        model=ScriptedModel(script),
        tools=[quarterly_report],
        storage=storage,
        plugins=[ContextOffloader(max_result_tokens=500, preview_tokens=100)],
        callback_handler=None,
    )

    agent("read the report")

    # In context: a preview and the reference, not the 70 KB.
    (in_context,) = _tool_results(agent)
    assert len(in_context) < len(BIG) // 5
    assert "report-1_0" in in_context
    # In MongoDB: the whole block, under the offloader's namespace.
    keys = asyncio.run(storage.list("offloader/"))
    assert keys == ["offloader/report-1_0"]
    stored = asyncio.run(storage.read("offloader/report-1_0"))
    assert stored is not None and BIG.encode() in stored

    # Another agent on another MongoDBStorage (same collection) retrieves it by reference.
    reader = Agent(
        model=ScriptedModel(
            [
                {
                    "tool": "retrieve_offloaded_content",
                    "input": {
                        "reference": "report-1_0",
                        "line_range": {"start": 1000, "end": 1001},
                    },
                },
                "found it",
            ]
        ),
        storage=make_storage(),
        plugins=[ContextOffloader(max_result_tokens=500, preview_tokens=100)],
        callback_handler=None,
    )
    reader("what does line 1000 say?")
    (fetched,) = _tool_results(reader)
    assert "line 00999 of the quarterly report" in fetched
    assert _texts(reader)[-1] == "found it"


def test_a_swarm_persists_and_its_session_is_listed(storage: MongoDBStorage) -> None:
    from strands.multiagent import Swarm

    writer = Agent(name="writer", model=ScriptedModel(["the draft"]), callback_handler=None)
    swarm = Swarm(
        [writer],
        session_manager=SnapshotSessionManager("swarm-1", storage=storage),
    )

    result = swarm("write a draft")

    assert str(result.status).endswith("COMPLETED")
    keys = asyncio.run(storage.list("session/swarm-1/"))
    assert any(key.startswith("session/swarm-1/scopes/multiAgent/") for key in keys), keys
    (summary,) = asyncio.run(SnapshotSessions(storage).list_sessions())
    assert summary.session_id == "swarm-1"


_RESUME = """
import sys
from strands import Agent
from strands.session import SnapshotSessionManager
from mongodb_session_manager import MongoDBStorage
from mongodb_session_manager.testing import ScriptedModel

uri, database, collection = sys.argv[1:4]
storage = MongoDBStorage(uri, database_name=database, collection_name=collection)
agent = Agent(
    model=ScriptedModel(["from the second process"]),
    session_manager=SnapshotSessionManager("handoff", storage=storage),
    callback_handler=None,
)
print(len(agent.messages), agent.messages[0]["content"][0]["text"])
agent("and now?")
storage.close()
"""


def test_a_snapshot_is_resumed_in_a_new_process(
    msm_backend: MongoBackend,
    msm_options: dict[str, Any],
    make_storage: Callable[..., MongoDBStorage],
) -> None:
    if msm_backend.uri is None:
        pytest.skip("mongomock-motor lives inside one process; processes need a server backend")
    storage = make_storage(collection_name="handoff_storage")
    agent = Agent(
        model=ScriptedModel(["from the first process"]),
        session_manager=SnapshotSessionManager("handoff", storage=storage),
        callback_handler=None,
    )
    agent("hello")

    run = subprocess.run(
        [
            sys.executable,
            "-c",
            _RESUME,
            msm_backend.uri,
            msm_options["database_name"],
            "handoff_storage",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "2 hello"
    back = Agent(
        model=ScriptedModel([]),
        session_manager=SnapshotSessionManager("handoff", storage=storage),
        callback_handler=None,
    )
    assert _texts(back) == [
        "hello",
        "from the first process",
        "and now?",
        "from the second process",
    ]
