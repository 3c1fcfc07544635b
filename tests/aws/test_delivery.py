"""Delivery: AWS never delays or undoes the write; bounded, flushed at close and at exit."""

from __future__ import annotations

import gc
import json
import logging
import os
import subprocess
import sys
import textwrap
import threading
import time
import uuid
import weakref
from collections.abc import Callable
from typing import Any

import pytest

from mongodb_session_manager import (
    FeedbackSNSHook,
    create_metadata_sqs_hook,
)

Closing = Callable[[Any], Any]
TOPIC = "arn:aws:sns:eu-west-1:123456789012:feedback-bad"
QUEUE = "https://sqs.eu-west-1.amazonaws.com/123456789012/metadata"

# No stopwatch: a loaded 2-core machine makes any time bound flaky. The hung endpoint
# never answers and the read timeout is longer than the test's own timeout (120 s),
# so a call or a close that waited on AWS would hang the test instead of passing.
HUNG_READ_TIMEOUT = 3600


def test_an_unreachable_endpoint_leaves_the_write_done_the_call_fast_and_logs_the_session(
    dead_endpoint: str,
    store: Callable[..., Any],
    closing: Closing,
    caplog: pytest.LogCaptureFixture,
) -> None:
    hook = closing(FeedbackSNSHook(topic_arn_bad=TOPIC, endpoint_url=dead_endpoint, max_attempts=2))
    session = store("down-1")

    with caplog.at_level(logging.ERROR, logger="mongodb_session_manager.aws"):
        hook(session.add_feedback, "add", "down-1", feedback={"rating": "down", "comment": "x"})
        assert session.stored()["feedbacks"]  # written before any delivery attempt ended
        assert hook.flush(30)

    assert [f["comment"] for f in session.stored()["feedbacks"]] == ["x"]
    assert hook.stats.failed == 1 and hook.stats.sent == 0
    failure = [r.getMessage() for r in caplog.records if "aws.delivery.failed" in r.getMessage()]
    assert len(failure) == 1
    assert "session_id=down-1" in failure[0] and "EndpointConnectionError" in failure[0]


def test_a_hung_endpoint_never_delays_the_call_and_close_gives_up_in_time(
    silent_endpoint: str,
    store: Callable[..., Any],
    closing: Closing,
    caplog: pytest.LogCaptureFixture,
) -> None:
    hook = closing(
        create_metadata_sqs_hook(
            QUEUE, endpoint_url=silent_endpoint, read_timeout=HUNG_READ_TIMEOUT, max_attempts=1
        )
    )
    session = store("hung-1")

    for step in range(20):  # each call returns while the first delivery is still hanging
        hook(session.update_metadata, "update", "hung-1", metadata={"step": step})
        assert hook.stats.sent == 0

    assert session.stored()["metadata"] == {"step": 19}
    with caplog.at_level(logging.WARNING, logger="mongodb_session_manager.aws"):
        assert hook.close(timeout=0.5) is False  # gives up instead of waiting for AWS
    assert "aws.delivery.abandoned" in caplog.text and "hung-1" in caplog.text
    stats = hook.stats
    assert stats.sent == 0 and stats.dropped >= 10  # the first batch is still in flight


def test_a_full_queue_drops_new_notifications_with_a_warning_naming_the_session(
    aws: Any,
    store: Callable[..., Any],
    closing: Closing,
    blocked_sends: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    queue = aws.queue("small")
    hook = closing(create_metadata_sqs_hook(queue, max_queue_size=2))
    blocked = blocked_sends(hook.client, "SendMessageBatch")
    session = store("busy")

    hook(session.update_metadata, "update", "busy", metadata={"n": 0})
    assert blocked.entered.wait(10)  # one in flight, the queue is empty again
    with caplog.at_level(logging.WARNING, logger="mongodb_session_manager.aws"):
        for n in range(1, 5):
            hook(session.update_metadata, "update", "busy", metadata={"n": n})
    blocked.release.set()
    assert hook.flush(10)

    assert [json.loads(m["Body"])["metadata"]["n"] for m in aws.drain(queue)] == [0, 1, 2]
    drops = [r for r in caplog.records if "aws.delivery.dropped" in r.getMessage()]
    assert len(drops) == 2 and all(r.levelno == logging.WARNING for r in drops)
    assert all(
        "session_id=busy" in r.getMessage() and "queue_full" in r.getMessage() for r in drops
    )
    assert hook.stats.dropped == 2 and hook.stats.sent == 3
    assert session.stored()["metadata"] == {"n": 4}  # every write happened


def test_close_sends_everything_still_pending(
    aws: Any, store: Callable[..., Any], blocked_sends: Any
) -> None:
    queue = aws.queue("closing")
    hook = create_metadata_sqs_hook(queue)
    blocked = blocked_sends(hook.client, "SendMessageBatch")
    session = store()

    for n in range(30):
        hook(session.update_metadata, "update", session.session_id, metadata={"n": n})
    assert blocked.entered.wait(10)
    assert hook.stats.pending == 30  # nothing has gone out yet
    blocked.release.set()
    assert hook.close(timeout=10) is True

    assert sorted(json.loads(m["Body"])["metadata"]["n"] for m in aws.drain(queue)) == list(
        range(30)
    )
    assert hook.stats.sent == 30 and hook.stats.pending == 0


def test_after_close_the_hook_still_writes_but_sends_nothing(
    aws: Any, store: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    queue = aws.queue("closed")
    hook = create_metadata_sqs_hook(queue)
    hook.close()
    session = store("after-close")

    with caplog.at_level(logging.WARNING, logger="mongodb_session_manager.aws"):
        hook(session.update_metadata, "update", "after-close", metadata={"late": True})

    assert session.stored()["metadata"] == {"late": True}
    assert aws.drain(queue) == []
    assert "reason=closed" in caplog.text and "session_id=after-close" in caplog.text


async def test_an_async_operation_is_notified_once_it_has_completed(
    aws: Any, closing: Closing
) -> None:
    queue = aws.queue("async")
    hook = closing(create_metadata_sqs_hook(queue))
    done: list[dict[str, Any]] = []

    async def update_metadata(metadata: dict[str, Any]) -> str:
        assert hook.stats.pending == 0  # nothing queued before the write completes
        done.append(metadata)
        return "stored"

    result = await hook(update_metadata, "update", "async-1", metadata={"status": "ok"})

    assert result == "stored" and done == [{"status": "ok"}]
    assert hook.flush(10)
    assert [json.loads(m["Body"])["metadata"] for m in aws.drain(queue)] == [{"status": "ok"}]


def test_a_failing_operation_raises_unchanged_and_nothing_is_queued(
    aws: Any, closing: Closing
) -> None:
    queue = aws.queue("failing")
    hook = closing(create_metadata_sqs_hook(queue))

    def update_metadata(metadata: dict[str, Any]) -> None:
        raise KeyError("boom")

    with pytest.raises(KeyError, match="boom"):
        hook(update_metadata, "update", "s1", metadata={"a": 1})
    assert hook.flush(10)
    assert hook.stats == type(hook.stats)(sent=0, failed=0, dropped=0, skipped=0, pending=0)


def test_a_notification_that_cannot_be_built_is_logged_and_the_write_result_returned(
    aws: Any, closing: Closing, caplog: pytest.LogCaptureFixture
) -> None:
    hook = closing(create_metadata_sqs_hook(aws.queue("odd")))
    with caplog.at_level(logging.ERROR, logger="mongodb_session_manager.aws"):
        # Not a mapping: the operation decides what that means; the hook must not break it.
        result = hook(lambda metadata: "written", "update", "odd-1", metadata=["not", "a", "dict"])
    assert result == "written"
    assert "aws.notification.not_built" in caplog.text and "session_id=odd-1" in caplog.text


def test_pending_notifications_are_sent_at_process_exit(moto_endpoint: str, tmp_path: Any) -> None:
    import boto3

    sqs = boto3.client("sqs", region_name="eu-west-1", endpoint_url=moto_endpoint)
    queue = sqs.create_queue(QueueName=f"exit-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    script = tmp_path / "exits.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import logging
            logging.basicConfig(level=logging.INFO, format="%(message)s")
            from mongodb_session_manager import create_metadata_sqs_hook

            hook = create_metadata_sqs_hook({queue!r}, region_name="eu-west-1")
            for n in range(40):
                hook(lambda metadata: None, "update", "exit-session", metadata={{"n": n}})
            print("queued", hook.stats.pending)
            # No close(): the interpreter exits now.
            """
        )
    )
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, env=env
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert int(done.stdout.split()[-1]) > 0  # still pending when the script ended
    assert "aws.delivery.flushed_at_exit" in done.stderr

    received = []
    while True:
        batch = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
        if not batch:
            break
        received += [json.loads(m["Body"])["metadata"]["n"] for m in batch]
        sqs.delete_message_batch(
            QueueUrl=queue,
            Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)
            ],
        )
    assert sorted(received) == list(range(40))


def test_an_idle_hook_holds_no_thread_and_wakes_up_on_the_next_change(
    aws: Any, store: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from mongodb_session_manager.aws import _worker

    monkeypatch.setattr(_worker, "IDLE_SECONDS", 0.05)
    queue = aws.queue("idle")
    hook = create_metadata_sqs_hook(queue, name="idle-hook")
    session = store()

    def threads() -> list[str]:
        return [t.name for t in threading.enumerate() if t.name == "msm-aws-idle-hook"]

    def wait_until_idle() -> None:
        deadline = time.monotonic() + 10
        while threads() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert threads() == []

    hook(session.update_metadata, "update", session.session_id, metadata={"n": 1})
    assert hook.flush(10)
    wait_until_idle()
    hook(session.update_metadata, "update", session.session_id, metadata={"n": 2})
    assert hook.flush(10)

    assert [json.loads(m["Body"])["metadata"]["n"] for m in aws.drain(queue)] == [1, 2]
    wait_until_idle()
    collected = weakref.ref(hook)
    del hook
    gc.collect()
    assert collected() is None  # a dropped hook is not kept alive by its worker


@pytest.mark.parametrize(
    "options",
    [{"max_queue_size": 0}, {"max_attempts": 0}, {"read_timeout": 0}, {"connect_timeout": -1}],
)
def test_impossible_delivery_settings_are_refused(options: dict[str, Any]) -> None:
    from mongodb_session_manager import InvalidInputError

    with pytest.raises(InvalidInputError, match="metadata-sqs"):
        create_metadata_sqs_hook(QUEUE, **options)
