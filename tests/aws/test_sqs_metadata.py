"""MetadataSQSHook: selected metadata changes reach the queue, encoded, never dropped."""

from __future__ import annotations

import base64
import json
import logging
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from bson import Decimal128, ObjectId

from mongodb_session_manager import (
    InvalidInputError,
    MetadataSQSHook,
    create_metadata_sqs_hook,
    is_metadata_sqs_hook_available,
)

Closing = Callable[[Any], Any]


def bodies(aws: Any, queue_url: str) -> list[dict[str, Any]]:
    return [json.loads(m["Body"]) for m in aws.drain(queue_url)]


def test_only_the_selected_fields_reach_the_queue(
    aws: Any, store: Callable[..., Any], closing: Closing
) -> None:
    queue = aws.queue("metadata-updates")
    hook = closing(create_metadata_sqs_hook(queue, metadata_fields=["status", "agent_state"]))
    session = store("user-session")

    hook(
        session.update_metadata,
        "update",
        "user-session",
        metadata={"status": "processing", "agent_state": "thinking", "internal_field": "secret"},
    )
    hook(session.update_metadata, "update", "user-session", metadata={"internal_field": "only"})
    hook(session.delete_metadata, "delete", "user-session", keys=["status", "internal_field"])
    assert hook(session.get_metadata, "get", "user-session") == {"agent_state": "thinking"}
    assert hook.flush(10)

    received = aws.drain(queue)
    messages = [json.loads(m["Body"]) for m in received]
    assert [m["operation"] for m in messages] == ["update", "delete"]  # not the unselected update
    update, delete = messages
    assert update["session_id"] == "user-session"
    assert update["event"] == "metadata_update"
    assert update["metadata"] == {"status": "processing", "agent_state": "thinking"}
    assert datetime.fromisoformat(update["timestamp"]).tzinfo is not None
    assert delete["keys"] == ["status"]
    assert delete["metadata"] == {"status": None}
    attributes = {k: v["StringValue"] for k, v in received[0]["MessageAttributes"].items()}
    assert attributes == {
        "event": "metadata_update",
        "operation": "update",
        "session_id": "user-session",
    }
    # The database has everything, the queue only what was selected.
    assert session.stored()["metadata"] == {"agent_state": "thinking"}
    assert session.calls == [
        "update_metadata",
        "update_metadata",
        "delete_metadata",
    ]


def test_all_fields_when_none_are_selected(
    aws: Any, store: Callable[..., Any], closing: Closing
) -> None:
    queue = aws.queue("everything")
    hook = closing(create_metadata_sqs_hook(queue))
    session = store()

    hook(session.update_metadata, "update", session.session_id, metadata={"a": 1, "b": [1, 2]})
    assert hook.flush(10)

    assert [m["metadata"] for m in bodies(aws, queue)] == [{"a": 1, "b": [1, 2]}]


def test_datetimes_and_other_bson_values_are_encoded_not_dropped(
    aws: Any, store: Callable[..., Any], closing: Closing
) -> None:
    queue = aws.queue("typed")
    hook = closing(create_metadata_sqs_hook(queue))
    session = store()
    oid = ObjectId()
    metadata = {
        "due": datetime(2026, 12, 1, 8, 0, tzinfo=UTC),
        "naive": datetime(2026, 12, 1, 8, 0),
        "blob": b"\x00\xffbinary",
        "owner": oid,
        "total": Decimal128("1234.5678"),
        "tags": ("a", "b"),
        "ratio": float("nan"),
        "nested": {"when": datetime(2026, 1, 2, tzinfo=UTC), "n": 1},
    }

    hook(session.update_metadata, "update", session.session_id, metadata=metadata)
    assert hook.flush(10)

    [message] = bodies(aws, queue)
    sent = message["metadata"]
    assert set(sent) == set(metadata)  # nothing dropped
    assert datetime.fromisoformat(sent["due"]) == metadata["due"]
    assert sent["naive"] == "2026-12-01T08:00:00"
    assert base64.b64decode(sent["blob"]) == b"\x00\xffbinary"
    assert sent["owner"] == str(oid)
    assert sent["total"] == "1234.5678"
    assert sent["tags"] == ["a", "b"]
    assert sent["ratio"] == "NaN"
    assert sent["nested"] == {"when": "2026-01-02T00:00:00Z", "n": 1}
    assert set(session.stored()["metadata"]) == set(metadata)


def test_python_values_a_hook_may_see_are_encoded_too(aws: Any, closing: Closing) -> None:
    # What an enriching hook upstream may add before the library converts it for BSON.
    queue = aws.queue("python-values")
    hook = closing(create_metadata_sqs_hook(queue))
    ident = uuid.uuid4()
    seen: list[dict[str, Any]] = []

    class Opaque:
        def __str__(self) -> str:
            return "opaque-value"

    hook(
        seen.append,
        "update",
        "s1",
        metadata={"price": Decimal("19.90"), "ref": ident, "labels": {"x"}, "obj": Opaque()},
    )
    assert hook.flush(10)

    [message] = bodies(aws, queue)
    assert message["metadata"] == {
        "price": "19.90",  # a string: no float rounding
        "ref": str(ident),
        "labels": ["x"],
        "obj": "opaque-value",
    }
    assert len(seen) == 1


def test_a_change_too_large_for_sqs_is_sent_without_its_values(
    aws: Any, store: Callable[..., Any], closing: Closing, caplog: pytest.LogCaptureFixture
) -> None:
    queue = aws.queue("large")
    hook = closing(create_metadata_sqs_hook(queue))
    session = store("big-one")

    with caplog.at_level(logging.WARNING, logger="mongodb_session_manager.aws"):
        hook(
            session.update_metadata,
            "update",
            "big-one",
            metadata={"summary": "x" * 300_000, "status": "done"},
        )
    assert hook.flush(10)

    [message] = bodies(aws, queue)
    assert message["truncated"] is True
    assert message["metadata"] == {}
    assert message["keys"] == ["summary", "status"]
    assert "aws.message.truncated" in caplog.text and "session_id=big-one" in caplog.text
    assert len(session.stored()["metadata"]["summary"]) == 300_000


def test_a_fifo_queue_keeps_each_sessions_changes_in_order(
    aws: Any, store: Callable[..., Any], closing: Closing
) -> None:
    queue = aws.queue("ordered.fifo", FifoQueue="true")
    hook = closing(create_metadata_sqs_hook(queue))
    first, second = store("first"), store("sécond session")

    for step in range(15):
        hook(first.update_metadata, "update", "first", metadata={"step": step})
        hook(second.update_metadata, "update", "sécond session", metadata={"step": step})
    assert hook.flush(10)

    received = aws.drain(queue)
    by_session: dict[str, list[int]] = {}
    groups: dict[str, set[str]] = {}
    for m in received:
        body = json.loads(m["Body"])
        by_session.setdefault(body["session_id"], []).append(body["metadata"]["step"])
        groups.setdefault(body["session_id"], set()).add(m["Attributes"]["MessageGroupId"])
    assert by_session == {"first": list(range(15)), "sécond session": list(range(15))}
    assert groups["first"] == {"first"}
    [digest] = groups["sécond session"]  # not ASCII: a stable digest stands in for it
    assert digest.startswith("sha256-")


def test_region_and_endpoint_come_from_the_queue_url(
    aws_server: Any, store: Callable[..., Any], closing: Closing
) -> None:
    # moto's server gives queue URLs on its own host: that host is the endpoint to use.
    queue = aws_server.queue(f"served-{uuid.uuid4().hex[:8]}")
    assert queue.startswith(aws_server.endpoint_url)
    hook = closing(create_metadata_sqs_hook(queue, region_name=aws_server.region))
    session = store()

    hook(session.update_metadata, "update", session.session_id, metadata={"status": "ok"})
    assert hook.flush(10)

    assert hook.endpoint_url == aws_server.endpoint_url
    assert [json.loads(m["Body"])["metadata"] for m in aws_server.drain(queue)] == [
        {"status": "ok"}
    ]

    aws_hook = closing(MetadataSQSHook("https://sqs.ap-northeast-1.amazonaws.com/123456789012/q"))
    assert (aws_hook.region_name, aws_hook.endpoint_url) == ("ap-northeast-1", None)
    legacy = closing(MetadataSQSHook("https://eu-central-1.queue.amazonaws.com/123456789012/q"))
    assert legacy.region_name == "eu-central-1"


def test_misconfiguration_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="not a queue URL"):
        MetadataSQSHook("metadata-updates")
    with pytest.raises(InvalidInputError, match="no AWS region"):
        MetadataSQSHook("http://127.0.0.1:1/123456789012/q")  # no region anywhere
    with pytest.raises(InvalidInputError, match="another region"):
        MetadataSQSHook(
            "https://sqs.eu-west-1.amazonaws.com/123456789012/q", region_name="us-east-1"
        )


def test_a_single_field_name_is_one_field() -> None:
    hook = MetadataSQSHook("https://sqs.eu-west-1.amazonaws.com/1/q", "status")
    assert hook.metadata_fields == frozenset({"status"})
    hook.close()


def test_availability_is_reported() -> None:
    assert is_metadata_sqs_hook_available() is True
