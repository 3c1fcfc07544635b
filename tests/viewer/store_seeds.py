"""Memory entries written by the real ``MongoDBMemoryStore`` for the viewer's Memory view."""

from __future__ import annotations

import asyncio
import threading

from mongodb_session_manager import MongoDBMemoryStore
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

    # In a thread of its own: a browser test module's sync Playwright keeps a loop running here.
    failures: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(write())
        except BaseException as error:  # reraised below, in the caller's thread
            failures.append(error)

    worker = threading.Thread(target=run, name="seed-memory")
    worker.start()
    worker.join()
    if failures:
        raise failures[0]
    return store
