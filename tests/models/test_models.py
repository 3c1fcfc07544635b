"""The stored models: validation, ids and keys, timestamps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from mongodb_session_manager.models import (
    Feedback,
    MessageRecord,
    SessionRecord,
    Totals,
    storage_key,
    validate_id,
)


def test_storage_keys_are_readable_when_safe_and_digests_otherwise() -> None:
    assert storage_key("support-agent_2") == "support-agent_2"
    for hostile in ("a.b", "$x", "é", "~abc", "x" * 65):
        key = storage_key(hostile)
        assert key.startswith("~") and "." not in key and len(key) == 41
    assert storage_key("a.b") != storage_key("a_b")
    assert storage_key("a.b") == storage_key("a.b")


def test_dates_are_always_aware_utc() -> None:
    naive = MessageRecord(
        message_id=0, role="user", content=[], created_at=datetime(2026, 1, 1, 12)
    )
    assert naive.created_at == datetime(2026, 1, 1, 12, tzinfo=UTC)
    paris = MessageRecord(
        message_id=0,
        role="user",
        content=[],
        created_at=datetime(2026, 1, 1, 13, tzinfo=timezone(timedelta(hours=1))),
    )
    assert paris.created_at.tzinfo == UTC and paris.created_at.hour == 12


def test_feedback_is_validated() -> None:
    assert Feedback(rating="up", comment="great").rating == "up"
    with pytest.raises(ValidationError, match="rating"):
        Feedback(rating="meh")
    with pytest.raises(ValidationError, match="comment"):
        Feedback(comment="x" * 10_001)


def test_session_record_reads_a_stored_document() -> None:
    record = SessionRecord.model_validate(
        {
            "_id": "s",
            "session_id": "s",
            "agents": {
                "~k": {
                    "agent_id": "a.b",
                    "messages": [
                        {"message_id": 0, "role": "user", "content": [{"futureBlock": {"x": 1}}]}
                    ],
                }
            },
        }
    )
    assert record.id == "s"
    agent = record.agent("a.b")
    assert agent is None  # stored under the wrong key: never mistaken for another agent
    record.agents[storage_key("a.b")] = record.agents.pop("~k")
    found = record.agent("a.b")
    assert found is not None
    assert found.messages[0].content == [{"futureBlock": {"x": 1}}]


def test_totals_increments_from_strands_metadata() -> None:
    inc = Totals.increments(
        {
            "usage": {
                "inputTokens": 10,
                "outputTokens": 5,
                "totalTokens": 15,
                "cacheReadInputTokens": 3,
            },
            "metrics": {"latencyMs": 120, "timeToFirstByteMs": 30},
        }
    )
    assert inc == {
        "messages": 1,
        "model_calls": 1,
        "input_tokens": 10,
        "output_tokens": 5,
        "total_tokens": 15,
        "cache_read_tokens": 3,
        "latency_ms": 120,
        "time_to_first_byte_ms": 30,
    }
    assert Totals.increments(None) == {"messages": 1}


@pytest.mark.parametrize("bad", [None, 3, "", "x" * 1025, "a\x00b", "\ud800"])
def test_validate_id_refuses_what_cannot_be_stored(bad: object) -> None:
    with pytest.raises(ValueError):
        validate_id(bad, "agent_id")
