"""Data written by the real stores for the viewer's Memory and Snapshots views.

Seeding runs in a thread of its own: a browser test module's sync Playwright keeps
an event loop running in the main thread.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from typing import Any

from strands import Agent
from strands.session import SnapshotSessionManager

from mongodb_session_manager import MongoDBMemoryStore, MongoDBStorage
from mongodb_session_manager.testing import ScriptedModel
from tests.viewer.viewer_helpers import Seeded

HOSTILE_MEMORY = (
    "<script>window.__msm_xss = 'memory'</script> likes "
    "<img src=x onerror=\"window.__msm_xss = 'memory-img'\"> tea"
)
HOSTILE_METADATA = {"<b>key</b>": "<img src=x onerror=\"window.__msm_xss = 'meta'\">"}
PAGED = 25
"""Entries of the ``paged`` namespace (several pages)."""


def seed_memory(seeded: Seeded) -> MongoDBMemoryStore:
    """Entries in three namespaces (``user-facts``, ``hostile``, ``paged``) of ``seeded``."""
    store = MongoDBMemoryStore.from_pool(
        seeded.factory, database_name=seeded.database, name="user-facts"
    )

    async def write() -> None:
        ana = store.scoped(user_id="ana")
        await ana.add("Ana's favourite city is Lisbon", {"topic": "travel", "stars": 5})
        await ana.add("Ana paid $5.00 (approx.) for the upgrade", {"topic": "billing"})
        await store.scoped(user_id="bob").add("Bob prefers dark mode", {"topic": "ui"})
        await store.add("The office closes at 6pm")
        await store.scoped(namespace="hostile").add(HOSTILE_MEMORY, HOSTILE_METADATA)
        paged = store.scoped(namespace="paged")
        for index in range(PAGED):
            await paged.add(f"paged fact number {index:02d}", {"n": index})

    in_thread(lambda: asyncio.run(write()))
    return store


def in_thread(work: Callable[[], object]) -> None:
    """Run ``work`` in a new thread and wait; its exception is raised here."""
    failures: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as error:  # reraised below, in the caller's thread
            failures.append(error)

    worker = threading.Thread(target=run, name="viewer-seed")
    worker.start()
    worker.join()
    if failures:
        raise failures[0]


HOSTILE_QUESTION = "<script>window.__msm_xss = 'snapshot'</script> what now?"
HOSTILE_ANSWER = "<img src=x onerror=\"window.__msm_xss = 'snapshot-img'\"> **bold** reply"
BULK = 4
"""One-turn sessions ``bulk-0``... besides ``chat-1`` and ``team-1`` (list paging)."""


def _always(**kwargs: Any) -> bool:
    return True


def _agent(storage: MongoDBStorage, session_id: str, answers: list[str], agent_id: str) -> Agent:
    manager = SnapshotSessionManager(session_id, storage=storage, snapshot_trigger=_always)
    return Agent(
        model=ScriptedModel(answers),
        session_manager=manager,
        agent_id=agent_id,
        callback_handler=None,
    )


def seed_snapshots(seeded: Seeded) -> MongoDBStorage:
    """Snapshot sessions written by Strands' ``SnapshotSessionManager`` (a checkpoint per turn).

    ``chat-1``: agent ``default``, three turns (the last one hostile), its state's
    ``step`` set before each; ``team-1``: agents ``planner`` and ``writer``; then
    ``bulk-0``...; saved in that order, a few milliseconds apart.
    """
    storage = MongoDBStorage(pool=seeded.factory.pool, database_name=seeded.database)

    def write() -> None:
        chat = _agent(storage, "chat-1", ["answer 0", "answer 1", HOSTILE_ANSWER], "default")
        for step, question in enumerate(["question 0", "question 1", HOSTILE_QUESTION]):
            chat.state.set("step", step)
            chat(question)
        time.sleep(0.005)
        for agent_id in ("planner", "writer"):
            _agent(storage, "team-1", [f"{agent_id} answer"], agent_id)(f"{agent_id} task")
        for index in range(BULK):
            time.sleep(0.005)
            _agent(storage, f"bulk-{index}", ["ok"], "default")(f"bulk question {index}")

    in_thread(write)
    return storage
