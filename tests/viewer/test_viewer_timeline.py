"""The timeline merge and its cursor: stable order, exact pages, forged cursors refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mongodb_session_manager.errors import InvalidFilterError
from mongodb_session_manager.models import storage_key
from mongodb_session_manager.viewer.timeline import AgentStream, Cursor, merge

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def stream(agent_id: str, times: list[int], offset: int = 0, limit: int = 10**6) -> AgentStream:
    messages = [
        {"message_id": i, "created_at": T0 + timedelta(seconds=s)} for i, s in enumerate(times)
    ]
    return AgentStream(
        key=storage_key(agent_id),
        agent_id=agent_id,
        offset=offset,
        message_count=len(times),
        messages=messages[offset : offset + limit],
    )


def labels(items: list[Any]) -> list[str]:
    return [
        f"{i.stream.agent_id}#{i.index}" if i.stream is not None else f"fb{i.index}" for i in items
    ]


def test_agents_interleave_by_time_but_each_keeps_its_own_order() -> None:
    merged = merge([stream("a", [0, 10, 5]), stream("b", [3, 4])], [], 0, 0, 100)
    # a#2 is stamped before a#1 (clock skew) and still follows it.
    assert labels(merged.items) == ["a#0", "b#0", "b#1", "a#1", "a#2"]
    assert merged.done


def test_ties_break_on_agent_id_then_message_id() -> None:
    merged = merge([stream("b", [1, 1]), stream("a", [1, 1])], [], 0, 0, 100)
    assert labels(merged.items) == ["a#0", "a#1", "b#0", "b#1"]


def test_feedback_comes_by_time_and_never_before_its_message() -> None:
    feedbacks: list[dict[str, Any]] = [
        {"created_at": T0, "agent_id": "a", "message_id": 1},  # stamped early, tied to a#1
        {"created_at": T0 + timedelta(seconds=6)},
        {"created_at": T0, "agent_id": "ghost", "message_id": 0},  # tied to nothing: by time
    ]
    merged = merge([stream("a", [0, 5, 7])], feedbacks, 0, 3, 100)
    assert labels(merged.items) == ["a#0", "a#1", "fb0", "fb1", "fb2", "a#2"]


times_strategy = st.lists(st.integers(0, 20), max_size=12)


@settings(max_examples=60, deadline=None)
@given(
    a=times_strategy,
    b=times_strategy,
    c=times_strategy,
    feedback_times=st.lists(st.integers(0, 20), max_size=5),
    ties=st.lists(st.tuples(st.sampled_from("abc"), st.integers(0, 12)), max_size=5),
    limit=st.integers(1, 7),
)
def test_pages_add_up_to_the_whole_timeline(
    a: list[int],
    b: list[int],
    c: list[int],
    feedback_times: list[int],
    ties: list[tuple[str, int]],
    limit: int,
) -> None:
    times = {"a": a, "b": b, "c": c}
    feedbacks: list[dict[str, Any]] = [
        {"created_at": T0 + timedelta(seconds=s)} for s in feedback_times
    ]
    for feedback, (agent_id, message_id) in zip(feedbacks, ties, strict=False):
        feedback.update(agent_id=agent_id, message_id=message_id)
    whole = merge([stream(k, v) for k, v in times.items()], feedbacks, 0, len(feedbacks), 10**6)
    total = sum(map(len, times.values())) + len(feedbacks)
    assert len(whole.items) == total
    for agent_id, agent_times in times.items():
        own = [i.index for i in whole.items if i.stream and i.stream.agent_id == agent_id]
        assert own == list(range(len(agent_times)))
    for item in whole.items:
        tied = item.raw.get("agent_id") if item.stream is None else None
        if tied is not None and item.raw["message_id"] < len(times[tied]):
            position = labels(whole.items).index(f"fb{item.index}")
            assert f"{tied}#{item.raw['message_id']}" in labels(whole.items)[:position]

    pages: list[Any] = []
    cursor = Cursor()
    for _ in range(total + 2):
        streams = [
            stream(k, v, cursor.offsets.get(storage_key(k), 0), limit) for k, v in times.items()
        ]
        page = merge(
            streams,
            feedbacks[cursor.feedbacks : cursor.feedbacks + limit],
            cursor.feedbacks,
            len(feedbacks),
            limit,
        )
        assert len(page.items) <= limit
        pages += page.items
        cursor = Cursor.decode(page.cursor.encode())
        if page.done:
            break
    assert labels(pages) == labels(whole.items)


def test_cursor_round_trip_and_refusals() -> None:
    cursor = Cursor(offsets={"support": 3, storage_key("a.b$c"): 9}, feedbacks=2)
    assert Cursor.decode(cursor.encode()) == cursor
    assert Cursor.decode(None) == Cursor()
    for forged in (
        "!!!",
        Cursor(offsets={"$where": 1}).encode(),
        Cursor(offsets={"a.b": 1}).encode(),
        Cursor(offsets={"a": -1}).encode(),
        Cursor(offsets={"a": True}).encode(),
        Cursor(offsets={}, feedbacks=-3).encode(),
        "e30",  # {}
    ):
        with pytest.raises(InvalidFilterError):
            Cursor.decode(forged)
