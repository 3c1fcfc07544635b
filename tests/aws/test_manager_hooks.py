"""End to end: the AWS hooks on a manager's add_feedback / update_metadata / delete_metadata.

These light up once the manager has its feedback and metadata methods (issue 3).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest

from mongodb_session_manager import (
    FeedbackSNSHook,
    MongoDBSessionManager,
    MongoDBSessionManagerFactory,
    compose_hooks,
    create_metadata_sqs_hook,
    create_metadata_websocket_hook,
)
from tests.helpers.types import MakeManager as Make

pytestmark = pytest.mark.skipif(
    not hasattr(MongoDBSessionManager, "add_feedback"),
    reason="needs the session features of issue 3 (add_feedback, update_metadata...)",
)

Closing = Callable[[Any], Any]
# add_feedback takes a few milliseconds; one that waited on a dead endpoint would take its
# retries with backoff (seconds). 2 s keeps that distinction on a loaded 2-core CI machine.
FAST = 2.0


def _field(item: Any, name: str) -> Any:
    return item[name] if isinstance(item, dict) else getattr(item, name)


def test_add_feedback_stores_it_and_alerts_the_bad_topic_through_an_audit_hook(
    aws: Any, new_manager: Make, closing: Closing
) -> None:
    bad, inbox = aws.topic_with_queue("manager-bad")
    sns = closing(FeedbackSNSHook(topic_arn_bad=bad))
    audited: list[tuple[str, str]] = []

    def audit(original_func: Callable[..., Any], action: str, session_id: str, **kw: Any) -> Any:
        audited.append((action, session_id))
        return original_func(kw["feedback"])

    manager = new_manager("e2e-feedback", feedback_hook=compose_hooks(audit, sns))
    manager.add_feedback({"rating": "down", "comment": "Response was incomplete"})
    manager.add_feedback({"rating": "up", "comment": "Great"})  # no good topic: not sent
    assert sns.flush(10)

    assert audited == [("add", "e2e-feedback"), ("add", "e2e-feedback")]
    assert [_field(f, "comment") for f in manager.get_feedbacks()] == [
        "Response was incomplete",
        "Great",
    ]
    [note] = aws.notifications(inbox)
    body = json.loads(note["Message"])
    assert body["session_id"] == "e2e-feedback"
    assert body["feedback"]["comment"] == "Response was incomplete"


def test_metadata_changes_reach_the_queue_with_only_the_selected_fields(
    aws: Any, new_manager: Make, closing: Closing
) -> None:
    queue = aws.queue("manager-metadata")
    sqs = closing(create_metadata_sqs_hook(queue, ["status", "agent_state"]))
    manager = new_manager("e2e-metadata", metadata_hook=sqs)

    manager.update_metadata(
        {"status": "processing", "agent_state": "thinking", "internal_field": "not propagated"}
    )
    manager.delete_metadata(["agent_state"])
    assert manager.get_metadata()["metadata"]["internal_field"] == "not propagated"
    assert sqs.flush(10)

    messages = [json.loads(m["Body"]) for m in aws.drain(queue)]
    assert [(m["operation"], m["metadata"]) for m in messages] == [
        ("update", {"status": "processing", "agent_state": "thinking"}),
        ("delete", {"agent_state": None}),
    ]


def test_an_unreachable_aws_never_slows_add_feedback_down(
    dead_endpoint: str, new_manager: Make, closing: Closing
) -> None:
    sns = closing(
        FeedbackSNSHook(
            topic_arn_bad="arn:aws:sns:eu-west-1:123456789012:nowhere",
            endpoint_url=dead_endpoint,
            max_attempts=3,
        )
    )
    manager = new_manager("e2e-down", feedback_hook=sns)

    started = time.perf_counter()
    manager.add_feedback({"rating": "down", "comment": "stored anyway"})
    assert time.perf_counter() - started < FAST

    assert [_field(f, "comment") for f in manager.get_feedbacks()] == ["stored anyway"]
    assert sns.flush(30)
    assert sns.stats.failed == 1


async def test_the_async_twins_notify_too(aws: Any, new_manager: Make, closing: Closing) -> None:
    if not hasattr(MongoDBSessionManager, "add_feedback_async"):
        pytest.skip("needs add_feedback_async (issue 3)")
    bad, inbox = aws.topic_with_queue("manager-async")
    queue = aws.queue("manager-async-metadata")
    sns = closing(FeedbackSNSHook(topic_arn_bad=bad))
    sqs = closing(create_metadata_sqs_hook(queue))
    manager = new_manager("e2e-async", feedback_hook=sns, metadata_hook=sqs)

    await manager.add_feedback_async({"rating": "down", "comment": "async"})
    await manager.update_metadata_async({"status": "async"})
    assert sns.flush(10) and sqs.flush(10)

    assert [json.loads(n["Message"])["feedback"]["comment"] for n in aws.notifications(inbox)] == [
        "async"
    ]
    assert [json.loads(m["Body"])["metadata"] for m in aws.drain(queue)] == [{"status": "async"}]


def test_websocket_pushes_follow_the_connection_id_in_the_sessions_metadata(
    fake_api_gateway: Any,
    new_manager: Make,
    factory: MongoDBSessionManagerFactory,
    closing: Closing,
) -> None:
    ws = closing(
        create_metadata_websocket_hook(
            fake_api_gateway.url, region_name="eu-west-1", repository=factory.repository
        )
    )
    # The $connect handler (another manager, maybe another process) stores the id.
    new_manager("e2e-ws").update_metadata({"connection_id": "tab-1"})
    manager = new_manager("e2e-ws", metadata_hook=ws)

    manager.update_metadata({"status": "thinking"})
    assert ws.flush(10)

    assert [(c, p["metadata"]) for c, p in fake_api_gateway.received] == [
        ("tab-1", {"status": "thinking"})
    ]
