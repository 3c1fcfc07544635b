"""FeedbackSNSHook: each stored feedback reaches the topic of its rating, and only that one."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from mongodb_session_manager import (
    FeedbackSNSHook,
    InvalidInputError,
    is_feedback_sns_hook_available,
)

Closing = Callable[[Any], Any]


def test_each_rating_reaches_its_own_topic_and_the_feedback_is_stored(
    aws: Any, store: Callable[..., Any], closing: Closing
) -> None:
    good, good_inbox = aws.topic_with_queue("feedback-good")
    bad, bad_inbox = aws.topic_with_queue("feedback-bad")
    neutral, neutral_inbox = aws.topic_with_queue("feedback-neutral")
    hook = closing(FeedbackSNSHook(good, bad, neutral))
    session = store("support-42")

    for rating, comment in (("up", "great"), ("down", "wrong answer"), (None, "meh")):
        returned = hook(
            session.add_feedback,
            "add",
            "support-42",
            feedback={"rating": rating, "comment": comment},
        )
        assert returned == {"rating": rating, "comment": comment}  # the write's result, unchanged
    assert hook.flush(10)

    received = {
        name: aws.notifications(inbox)
        for name, inbox in (("good", good_inbox), ("bad", bad_inbox), ("neutral", neutral_inbox))
    }
    assert {name: len(found) for name, found in received.items()} == {
        "good": 1,
        "bad": 1,
        "neutral": 1,
    }
    bad_note = received["bad"][0]
    assert bad_note["TopicArn"] == bad
    assert bad_note["Subject"] == "Feedback (bad) on session support-42"
    body = json.loads(bad_note["Message"])
    assert body["event"] == "feedback"
    assert body["session_id"] == "support-42"
    assert body["rating"] == "down"
    assert body["label"] == "bad"
    assert body["feedback"] == {"rating": "down", "comment": "wrong answer"}
    assert datetime.fromisoformat(body["timestamp"]).tzinfo is not None
    attributes = {k: v["Value"] for k, v in bad_note["MessageAttributes"].items()}
    assert attributes == {
        "event": "feedback",
        "session_id": "support-42",
        "rating": "down",
        "label": "bad",
    }
    assert json.loads(received["good"][0]["Message"])["feedback"]["comment"] == "great"
    assert json.loads(received["neutral"][0]["Message"])["rating"] is None
    assert [f["comment"] for f in session.stored()["feedbacks"]] == ["great", "wrong answer", "meh"]
    assert hook.stats.sent == 3 and hook.stats.failed == 0


def test_a_topic_set_to_none_is_skipped(
    aws: Any, store: Callable[..., Any], closing: Closing
) -> None:
    bad, bad_inbox = aws.topic_with_queue("only-bad")
    hook = closing(FeedbackSNSHook(topic_arn_bad=bad))
    session = store()

    hook(session.add_feedback, "add", session.session_id, feedback={"rating": "up"})
    hook(session.add_feedback, "add", session.session_id, feedback={"rating": None})
    assert hook.flush(10)

    assert aws.notifications(bad_inbox) == []
    assert hook.stats.sent == 0
    assert len(session.stored()["feedbacks"]) == 2  # stored all the same


def test_subject_and_body_templates(aws: Any, store: Callable[..., Any], closing: Closing) -> None:
    bad, inbox = aws.topic_with_queue("templated")
    hook = closing(
        FeedbackSNSHook(
            topic_arn_bad=bad,
            subject_template="[{label}] {rating} on {session_id}",
            body_template="Session {session_id} rated {rating} at {timestamp}: {comment}",
        )
    )
    session = store("chat-7")
    created = datetime(2026, 11, 25, 9, 30, 15, 123000, tzinfo=UTC)

    hook(
        session.add_feedback,
        "add",
        "chat-7",
        feedback={"rating": "down", "comment": "it ignored my question", "created_at": created},
    )
    assert hook.flush(10)

    [note] = aws.notifications(inbox)
    assert note["Subject"] == "[bad] down on chat-7"
    assert note["Message"] == (
        "Session chat-7 rated down at 2026-11-25T09:30:15.123Z: it ignored my question"
    )


def test_hostile_text_is_made_acceptable_to_sns_and_kept_in_the_body(
    aws: Any, store: Callable[..., Any], closing: Closing
) -> None:
    bad, inbox = aws.topic_with_queue("hostile")
    hook = closing(FeedbackSNSHook(topic_arn_bad=bad))
    session_id = "sessión\nwith ünïcode 💥 and a very long tail " + "x" * 200
    session = store(session_id)
    comment = 'quotes " \\ newline \n nul-ish \x01 and \ufffe \uffff <xml> & {braces} 💥'

    hook(session.add_feedback, "add", session_id, feedback={"rating": "down", "comment": comment})
    assert hook.flush(10)

    [note] = aws.notifications(inbox)
    subject = note["Subject"]
    assert subject.isascii() and subject.isprintable() and len(subject) < 100
    assert subject.startswith("Feedback (bad) on session sessi")
    body = json.loads(note["Message"])
    assert body["feedback"]["comment"] == comment  # escaped on the wire, identical once decoded
    assert body["session_id"] == session_id
    assert hook.stats.failed == 0


def test_a_message_over_the_sns_limit_is_not_sent_and_is_logged(
    aws: Any, store: Callable[..., Any], closing: Closing, caplog: pytest.LogCaptureFixture
) -> None:
    bad, inbox = aws.topic_with_queue("huge")
    hook = closing(FeedbackSNSHook(topic_arn_bad=bad))
    session = store("huge-1")

    with caplog.at_level(logging.ERROR, logger="mongodb_session_manager.aws"):
        hook(
            session.add_feedback,
            "add",
            "huge-1",
            feedback={"rating": "down", "comment": "é" * 200_000},
        )
    assert hook.flush(10)

    assert aws.notifications(inbox) == []
    assert hook.stats.failed == 1
    assert "session_id=huge-1" in caplog.text and "MessageTooLong" in caplog.text
    assert len(session.stored()["feedbacks"]) == 1  # the feedback itself is stored


def test_a_refused_feedback_raises_and_notifies_nobody(
    aws: Any, store: Callable[..., Any], closing: Closing
) -> None:
    bad, inbox = aws.topic_with_queue("refused")
    hook = closing(FeedbackSNSHook(topic_arn_bad=bad))
    session = store()

    with pytest.raises(InvalidInputError):
        hook(session.add_feedback, "add", session.session_id, feedback={"rating": "sideways"})
    assert hook.flush(10)

    assert aws.notifications(inbox) == []
    assert session.stored()["feedbacks"] == []


def test_region_is_read_from_the_topic_arn(
    aws: Any, store: Callable[..., Any], closing: Closing
) -> None:
    # No AWS_DEFAULT_REGION in the environment: the region can only come from the ARN.
    aws.region = "ap-southeast-2"
    bad, inbox = aws.topic_with_queue("far-away")
    hook = closing(FeedbackSNSHook(topic_arn_bad=bad))
    session = store()

    hook(session.add_feedback, "add", session.session_id, feedback={"rating": "down"})
    hook(session.add_feedback, "add", session.session_id, feedback={"rating": "down"})
    assert hook.flush(10)

    assert hook.region_name == "ap-southeast-2"
    assert hook.client.meta.region_name == "ap-southeast-2"
    assert len(aws.notifications(inbox)) == 2
    assert hook.client is hook.client  # one client per hook, reused


def test_feedback_arriving_faster_than_it_is_sent_goes_out_in_batches(
    aws: Any, store: Callable[..., Any], closing: Closing, blocked_sends: Any
) -> None:
    bad, inbox = aws.topic_with_queue("busy")
    hook = closing(FeedbackSNSHook(topic_arn_bad=bad))
    blocked = blocked_sends(hook.client, "PublishBatch")
    session = store()

    hook(
        session.add_feedback, "add", session.session_id, feedback={"rating": "down", "comment": "0"}
    )
    assert blocked.entered.wait(10)  # the first request is in flight; the rest queue up
    for index in range(1, 25):
        hook(
            session.add_feedback,
            "add",
            session.session_id,
            feedback={"rating": "down", "comment": str(index)},
        )
    blocked.release.set()
    assert hook.flush(10)

    comments = [json.loads(n["Message"])["feedback"]["comment"] for n in aws.notifications(inbox)]
    assert sorted(comments, key=int) == [str(i) for i in range(25)]
    assert blocked.requests == 4  # 1, then 24 queued ones in batches of 10, 10, 4


def test_a_fifo_topic_gets_one_message_group_per_session(
    aws: Any, store: Callable[..., Any], closing: Closing
) -> None:
    topic = aws.topic("alerts.fifo", FifoTopic="true")
    inbox = aws.queue("alerts-inbox.fifo", FifoQueue="true")
    queue_arn = aws.client("sqs").get_queue_attributes(QueueUrl=inbox, AttributeNames=["QueueArn"])
    aws.client("sns").subscribe(
        TopicArn=topic,
        Protocol="sqs",
        Endpoint=queue_arn["Attributes"]["QueueArn"],
        Attributes={"RawMessageDelivery": "true"},
    )
    hook = closing(FeedbackSNSHook(topic_arn_bad=topic))
    session = store("fifo-session")

    for index in range(12):
        hook(
            session.add_feedback,
            "add",
            "fifo-session",
            feedback={"rating": "down", "comment": str(index)},
        )
    assert hook.flush(10)

    messages = aws.drain(inbox)
    assert [json.loads(m["Body"])["feedback"]["comment"] for m in messages] == [
        str(i) for i in range(12)
    ]
    assert {m["Attributes"]["MessageGroupId"] for m in messages} == {"fifo-session"}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "at least one topic"),
        ({"topic_arn_bad": "feedback-bad"}, "is not an ARN"),
        ({"topic_arn_bad": "arn:aws:sqs:eu-west-1:123456789012:q"}, "not SNS topic ARNs"),
        (
            {
                "topic_arn_good": "arn:aws:sns:eu-west-1:123456789012:a",
                "topic_arn_bad": "arn:aws:sns:us-east-1:123456789012:b",
            },
            "different regions",
        ),
        (
            {"topic_arn_bad": "arn:aws:sns:eu-west-1:123456789012:a", "region_name": "us-east-1"},
            "a client in another region cannot reach it",
        ),
        (
            {"topic_arn_bad": "arn:aws:sns:eu-west-1:123456789012:a", "subject_template": "{user}"},
            "unknown placeholders ['user']",
        ),
        (
            {
                "topic_arn_bad": "arn:aws:sns:eu-west-1:123456789012:a",
                "body_template": "{session_id.__class__}",
            },
            "unknown placeholders",
        ),
        (
            {"topic_arn_bad": "arn:aws:sns:eu-west-1:123456789012:a", "body_template": "{"},
            "not a valid template",
        ),
    ],
)
def test_misconfiguration_is_refused_when_the_hook_is_built(
    kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidInputError, match=pytest.importorskip("re").escape(message)):
        FeedbackSNSHook(**kwargs)


def test_availability_is_reported() -> None:
    assert is_feedback_sns_hook_available() is True
