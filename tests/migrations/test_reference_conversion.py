"""The reference layout -> schema 1 conversion and back, as pure functions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import bson
import pytest

from mongodb_session_manager import SessionRecord
from mongodb_session_manager.errors import DocumentConversionError
from mongodb_session_manager.migrations.cumulative_metrics import CumulativeSeries
from mongodb_session_manager.migrations.reference_layout import reference_to_v1, v1_to_reference
from mongodb_session_manager.models import storage_key
from mongodb_session_manager.repository.codec import encoded_size
from tests.migrations.legacy_fixtures import (
    PNG,
    SUPPORT_FIGURES,
    as_stored,
    at,
    legacy_session,
    message,
    metrics,
)


@pytest.fixture
def stored() -> dict[str, Any]:
    return as_stored(legacy_session())


def test_forward_keeps_every_agent_message_and_field(stored: dict[str, Any]) -> None:
    v1 = reference_to_v1(stored)
    SessionRecord.model_validate(v1)
    assert v1["schema_version"] == 1
    assert set(v1["agents"]) == {"support", storage_key("billing.bot"), storage_key("revisor-ñ")}
    support = v1["agents"]["support"]
    billing = v1["agents"][storage_key("billing.bot")]
    assert billing["agent_id"] == "billing.bot"
    assert billing["model"] == "gpt-4o"
    assert support["state"] == {"user_name": "Ana", "cart": {"items": 2}}
    assert support["prompt_metadata"] == {"template": "support-v3", "variables": {"tone": "warm"}}
    assert support["system_prompt"] == "You are a helpful shop assistant."
    assert support["internal_state"]["interrupt_state"]["activated"] is False
    assert support["conversation_manager_state"]["__name__"] == "SlidingWindowConversationManager"
    assert [m["message_id"] for m in support["messages"]] == list(range(10))
    assert support["message_count"] == 10
    legacy_support = stored["agents"]["support"]["messages"]
    for converted, original in zip(support["messages"], legacy_support, strict=True):
        assert converted["content"] == original["message"]["content"]
        assert converted["role"] == original["message"]["role"]
    assert support["messages"][4]["content"][1]["image"]["source"]["bytes"] == PNG
    assert support["messages"][6]["redact_message"]["content"] == [
        {"text": "[User input redacted.]"}
    ]
    assert v1["metadata"] == stored["metadata"]
    assert v1["guardrail_events"] == stored["guardrail_events"]


def test_cumulative_metrics_become_per_message_figures(stored: dict[str, Any]) -> None:
    support = reference_to_v1(stored)["agents"]["support"]
    for message_id, expected in SUPPORT_FIGURES.items():
        record = support["messages"][message_id]
        usage, figures = record["metadata"]["usage"], record["metadata"]["metrics"]
        assert {**usage, **figures} == expected, message_id
        original = stored["agents"]["support"]["messages"][message_id]["event_loop_metrics"]
        assert record["legacy"]["event_loop_metrics"] == original
    assert support["messages"][7]["legacy"]["figures"] == "after_reset"  # the restart
    assert support["messages"][9]["legacy"]["figures"] == "difference"
    assert all("metadata" not in m for m in support["messages"] if m["role"] == "user")
    # Totals are the sum of the per-message figures: 5 model calls, 2,090 input tokens...
    totals = support["totals"]
    assert totals["model_calls"] == 5
    assert totals["input_tokens"] == sum(f["inputTokens"] for f in SUPPORT_FIGURES.values())
    assert totals["latency_ms"] == sum(f["latencyMs"] for f in SUPPORT_FIGURES.values())
    assert totals["messages"] == 10


def test_a_message_with_its_own_per_call_metadata_keeps_it(stored: dict[str, Any]) -> None:
    reviewer = reference_to_v1(stored)["agents"][storage_key("revisor-ñ")]
    reply = reviewer["messages"][1]
    assert reply["metadata"]["usage"]["totalTokens"] == 58
    assert reply["legacy"]["figures"] == "message"
    assert reply["tracking_id"] == "t-1"


def test_counters_sizes_and_dates_are_recomputed(stored: dict[str, Any]) -> None:
    v1 = reference_to_v1(stored)
    assert v1["size_bytes"] == len(bson.encode(v1))
    assert v1["totals"]["messages"] == 14
    assert v1["totals"]["cache_read_tokens"] == 64
    lookup = {"name": "lookup_order", "calls": 1, "successes": 1, "errors": 0, "time_ms": 0.0}
    assert v1["totals"]["tools"] == {"lookup_order": lookup}
    assert v1["agents"]["support"]["totals"]["tools"] == {"lookup_order": lookup}
    for agent in v1["agents"].values():
        fields = {
            name: agent[name] for name in ("state", "conversation_manager_state", "internal_state")
        }
        assert agent["state_bytes"] == encoded_size(fields, "state")
        assert agent["totals"]["messages"] == len(agent["messages"])
    assert v1["created_at"] == datetime(2025, 3, 14, 9, 30, tzinfo=UTC)
    assert v1["agents"]["support"]["messages"][0]["created_at"].tzinfo is not None


def test_feedback_our_model_refuses_is_kept_verbatim(stored: dict[str, Any]) -> None:
    v1 = reference_to_v1(stored)
    assert [f["rating"] for f in v1["feedbacks"]] == ["up", "down", None]
    assert v1["feedbacks"][1]["comment"] == ""
    assert v1["legacy_feedbacks"] == [{"index": 2, "feedback": stored["feedbacks"][2]}]


def test_backward_restores_the_reference_document_exactly(stored: dict[str, Any]) -> None:
    v1 = as_stored(reference_to_v1(stored))
    back = as_stored(v1_to_reference(v1))
    assert back == stored
    assert back["agents"]["billing"]["bot"]["agent_data"]["agent_id"] == "billing.bot"
    again = as_stored(reference_to_v1(back))
    assert again == v1


def test_messages_are_renumbered_to_their_index_and_the_old_ids_kept() -> None:
    legacy = legacy_session()
    # Two writers left a duplicate id, and one message is out of order.
    legacy["agents"]["support"]["messages"] = [
        message(0, "user", [{"text": "a"}], 1),
        message(2, "user", [{"text": "c"}], 3),
        message(1, "assistant", [{"text": "b"}], 2, event_loop_metrics=metrics(10, 1, 5)),
        message(1, "assistant", [{"text": "b2"}], 2.5, event_loop_metrics=metrics(20, 2, 9)),
    ]
    support = reference_to_v1(as_stored(legacy))["agents"]["support"]
    assert [m["content"][0]["text"] for m in support["messages"]] == ["a", "b", "b2", "c"]
    assert [m["message_id"] for m in support["messages"]] == [0, 1, 2, 3]
    assert [m.get("legacy", {}).get("message_id") for m in support["messages"]] == [
        None,
        None,
        1,
        2,
    ]
    back = v1_to_reference(reference_to_v1(as_stored(legacy)))
    assert [m["message_id"] for m in back["agents"]["support"]["messages"]] == [0, 1, 1, 2]


def test_iso_string_dates_and_messages_without_agent_data_are_read() -> None:
    legacy = as_stored(legacy_session())
    legacy["created_at"] = "2025-03-14T09:30:00Z"
    legacy["agents"]["orphan"] = {"messages": [message(0, "user", [{"text": "hi"}], 1)]}
    v1 = reference_to_v1(legacy)
    assert v1["created_at"] == datetime(2025, 3, 14, 9, 30, tzinfo=UTC)
    assert v1["agents"]["orphan"]["agent_id"] == "orphan"
    assert v1["agents"]["orphan"]["message_count"] == 1


@pytest.mark.parametrize(
    ("damage", "error"),
    [
        (lambda d: d["agents"].update({"junk": {"not": "an agent"}}), "neither an agent"),
        (lambda d: d["agents"].update({"junk": 42}), "neither an agent"),
        (lambda d: d["agents"]["support"]["messages"][0]["message"].update(content="x"), "content"),
        (lambda d: d["agents"]["support"]["messages"].append("?"), "message 10"),
        (lambda d: d.update(metadata=["a", "list"]), "metadata"),
        (lambda d: d.update(_id=123), "not a session id"),
        (lambda d: d["agents"]["support"]["agent_data"].update(state="x"), "state"),
    ],
)
def test_damaged_documents_fail_with_a_reason_instead_of_losing_data(
    damage: Any, error: str
) -> None:
    legacy = legacy_session()
    damage(legacy)
    with pytest.raises(DocumentConversionError, match=error):
        reference_to_v1(as_stored(legacy))


def test_the_same_agent_stored_twice_is_refused() -> None:
    legacy = legacy_session()
    legacy["agents"]["billing.bot"] = legacy["agents"]["billing"]["bot"]  # flat and nested
    with pytest.raises(DocumentConversionError, match="stored twice"):
        reference_to_v1(as_stored(legacy))


def test_cumulative_series_reads_a_restart_and_ignores_unreadable_figures() -> None:
    series = CumulativeSeries()
    assert series.step("assistant", metrics(100, 10, 50)) == (
        {"inputTokens": 100, "outputTokens": 10, "totalTokens": 110, "latencyMs": 50},
        "difference",
    )
    # Same figures again (stamped twice): no model call can be attributed.
    assert series.step("assistant", metrics(100, 10, 50)) == (None, "unchanged")
    # A user message stamped by a fresh agent object is a new baseline (zero here).
    assert series.step("user", metrics(0, 0, 0)) == (None, "kept")
    assert series.step("assistant", metrics(30, 3, 20))[1] == "difference"
    assert series.step("assistant", metrics(5, 1, 2)) == (
        {"inputTokens": 5, "outputTokens": 1, "totalTokens": 6, "latencyMs": 2},
        "after_reset",
    )
    assert series.step("assistant", {"accumulated_usage": {"inputTokens": "lots"}}) == (
        None,
        "kept",
    )
    assert series.step("assistant", None) == (None, "kept")


def test_naive_fixture_dates_are_read_as_utc() -> None:
    stored_date = as_stored({"d": at(0)})["d"]
    assert stored_date == datetime(2025, 3, 14, 9, 30, tzinfo=UTC)
