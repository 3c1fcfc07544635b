"""``msm sessions show --messages N`` reads each agent's last N messages, not the session."""

from __future__ import annotations

from typing import Any

from strands.types.session import Session, SessionType

from mongodb_session_manager import MongoDBSessionManagerFactory
from mongodb_session_manager.models.pages import PagePolicy, blobs_collection

SESSION = "long-show"


def test_show_prints_the_tail_without_reading_older_messages(
    factory: MongoDBSessionManagerFactory, msm: Any
) -> None:
    store = factory.repository.store.with_settings(
        page_policy=PagePolicy(page_messages=5, page_bytes=10**9)
    )
    run = store.runner.run
    run(store.create_session(Session(session_id=SESSION, session_type=SessionType.AGENT)))
    run(store.create_agent(SESSION, {"agent_id": "a", "message_count": 0, "messages": []}))
    big = {"image": {"format": "png", "source": {"bytes": b"\x89" * 5_000_000}}}
    for i in range(23):
        content: list[dict[str, Any]] = [{"text": f"turn {i}"}] + ([big] if i == 0 else [])
        run(store.append(SESSION, "a", {"message_id": i, "role": "user", "content": content}))

    async def damage_the_first_value() -> int:
        name = blobs_collection(store.collection_name)
        chunks = factory.pool.client()[store.database_name][name]
        return int((await chunks.delete_many({"session_id": SESSION})).deleted_count)

    # Message 0's 5 MB value is gone: a whole read would fail, the tail never touches it.
    assert factory.pool.run(damage_the_first_value()) == 5
    result = msm("sessions", "show", SESSION, "--messages", "2")
    assert result.exit_code == 0, result.output
    assert "messages=23" in result.output
    assert "#21 user: turn 21" in result.output and "#22 user: turn 22" in result.output
    assert "turn 20" not in result.output
    whole = msm("sessions", "export", SESSION)
    assert whole.exit_code != 0  # the whole-session read does meet the damage
