"""Strands' SnapshotSessionManager on MongoDB: whole-agent snapshots, checkpoints, time travel.

``MongoDBStorage`` implements Strands' ``Storage`` protocol; the snapshot manager
keeps a mutable latest snapshot plus an immutable checkpoint per turn in it. A new
manager resumes the latest state; ``restore_snapshot`` goes back to any checkpoint.

Runs offline (embedded database, scripted model) unless MONGODB_URI / MSM_MODEL are set::

    uv run python examples/snapshot_storage.py
"""

from __future__ import annotations

import asyncio
from typing import Any

from _support import database, model
from strands import Agent
from strands.session import SnapshotSessionManager

from mongodb_session_manager import (
    MongoDBSessionManagerFactory,
    MongoDBStorage,
    SnapshotSessions,
)

DATABASE = "examples"
SESSION = "snapshot-example"


def every_turn(**kwargs: Any) -> bool:
    """Write an immutable checkpoint after every invocation."""
    return True


def texts(agent: Agent) -> list[str]:
    return ["".join(b.get("text", "") for b in m["content"]) for m in agent.messages]


def main() -> None:
    with database() as uri:
        factory = MongoDBSessionManagerFactory(uri, DATABASE)
        storage = MongoDBStorage.from_factory(factory)  # the factory's pool and store loop
        first = SnapshotSessionManager(SESSION, storage=storage)
        asyncio.run(first.delete_session())  # start from nothing on a reused database

        print("1. Two turns, a checkpoint after each")
        manager = SnapshotSessionManager(SESSION, storage=storage, snapshot_trigger=every_turn)
        agent = Agent(
            model=model(["Noted: order A-1042.", "Noted: it arrived damaged."]),
            session_manager=manager,
            callback_handler=None,
        )
        agent("My order is A-1042.")
        agent("It arrived damaged.")
        checkpoints = asyncio.run(manager.list_snapshot_ids(agent))
        print(f"  {len(agent.messages)} messages, {len(checkpoints)} checkpoints")
        for key in asyncio.run(storage.list(f"session/{SESSION}/")):
            print(f"  stored key: {key}")

        print("2. A new manager resumes the latest snapshot")
        resumed = Agent(
            model=model(["You told me about order A-1042, which arrived damaged."]),
            session_manager=SnapshotSessionManager(SESSION, storage=storage),
            callback_handler=None,
        )
        print(f"  restored {len(resumed.messages)} messages")

        print("3. Time travel to the first checkpoint")
        asyncio.run(manager.restore_snapshot(agent, snapshot_id=checkpoints[0]))
        print(f"  the agent now holds: {texts(agent)}")

        print("4. One round trip per read of a snapshot")
        key = f"session/{SESSION}/scopes/agent/default/snapshots/snapshot_latest.json"
        with storage.pool.command_stats.capture() as log:
            data = asyncio.run(storage.read(key))
        print(f"  {len(data or b'')} bytes in {log.round_trips} round trip(s)")

        print("5. What the viewer and `msm sessions snapshots` read back")
        sessions = SnapshotSessions(storage)
        for summary in asyncio.run(sessions.list_sessions(prefix="snapshot-")):
            print(
                f"  session {summary.session_id}: {summary.scopes} agent(s), {summary.size} bytes"
            )
        detail = asyncio.run(sessions.describe(SESSION))
        for checkpoint in detail.scopes[0].checkpoints if detail else []:
            snapshot = asyncio.run(sessions.read(SESSION, "default", checkpoint.snapshot_id))
            count = len(snapshot.data["messages"]) if snapshot else 0
            print(f"  checkpoint {checkpoint.created_at:%H:%M:%S}: {count} messages")

        storage.close()
        factory.close()


if __name__ == "__main__":
    main()
