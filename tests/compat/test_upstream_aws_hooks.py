"""The reference library's AWS hook usage, written as its users write it, on moto.

Each test builds the hooks with the reference's arguments (``subject_prefix_*``,
``body_prefix_*``, ``"none"`` topics, ``api_gateway_endpoint`` / ``region``) and
its camelCase manager arguments, then reads what AWS received. The hooks send
on a background thread; ``flush()`` waits for it (no sleeping).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from mongodb_session_manager import (
    MongoDBSessionManager,
    create_feedback_sns_hook,
    create_metadata_sqs_hook,
    create_metadata_websocket_hook,
    is_feedback_sns_hook_available,
    is_metadata_sqs_hook_available,
    is_metadata_websocket_hook_available,
)

boto3 = pytest.importorskip("boto3", reason="the AWS hooks need boto3 (the 'aws' extra)")
moto = pytest.importorskip("moto", reason="these tests run AWS on moto")

REGION = "eu-west-1"


@pytest.fixture(autouse=True)
def fake_aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> Iterator[None]:
    """moto in process, with fake credentials only."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
        "AWS_EC2_METADATA_DISABLED": "true",
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    with moto.mock_aws():
        yield


@pytest.fixture
def manager_options(msm_options: dict[str, Any]) -> dict[str, Any]:
    """Where the test database is (a reference user passes connection_string=...)."""
    return msm_options


def topic_with_inbox(name: str) -> tuple[str, str]:
    sns, sqs = boto3.client("sns", region_name=REGION), boto3.client("sqs", region_name=REGION)
    topic = sns.create_topic(Name=name)["TopicArn"]
    inbox = sqs.create_queue(QueueName=f"{name}-inbox")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=inbox, AttributeNames=["QueueArn"])
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn["Attributes"]["QueueArn"])
    return topic, inbox


def received(queue_url: str) -> list[dict[str, Any]]:
    sqs = boto3.client("sqs", region_name=REGION)
    found: list[dict[str, Any]] = []
    while True:
        batch = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
        if not batch:
            return found
        found += batch
        for message in batch:
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])


def notifications(queue_url: str) -> list[dict[str, Any]]:
    return [json.loads(m["Body"]) for m in received(queue_url)]


def test_feedback_reaches_the_topic_of_its_rating_as_text(manager_options: dict[str, Any]) -> None:
    assert is_feedback_sns_hook_available()
    good, good_inbox = topic_with_inbox("feedback-good")
    bad, bad_inbox = topic_with_inbox("feedback-bad")
    neutral, neutral_inbox = topic_with_inbox("feedback-neutral")
    feedback_hook = create_feedback_sns_hook(
        topic_arn_good=good, topic_arn_bad=bad, topic_arn_neutral=neutral
    )
    with pytest.warns(DeprecationWarning):
        session_manager = MongoDBSessionManager(
            session_id="user-session", feedbackHook=feedback_hook, **manager_options
        )
    session_manager.add_feedback({"rating": "down", "comment": "Response was incomplete"})
    session_manager.add_feedback({"rating": "up", "comment": "Great response!"})
    session_manager.add_feedback({"rating": None, "comment": "Just a note"})
    assert feedback_hook.flush(10)

    [down] = notifications(bad_inbox)
    body = down["Message"]
    with pytest.raises(json.JSONDecodeError):
        json.loads(body)  # text, as the reference sent
    assert "Response was incomplete" in body
    assert "Session ID: user-session" in body
    assert "Rating: down" in body
    assert "user-session" in down["Subject"]
    [up] = notifications(good_inbox)
    assert "Great response!" in up["Message"]
    [note] = notifications(neutral_inbox)
    assert "Just a note" in note["Message"] and "Rating: none" in note["Message"]
    assert len(session_manager.get_feedbacks()) == 3  # stored first, then published
    session_manager.close()
    feedback_hook.close()


def test_prefixes_templates_and_none_topics(manager_options: dict[str, Any]) -> None:
    bad, bad_inbox = topic_with_inbox("alerts-bad")
    feedback_hook = create_feedback_sns_hook(
        topic_arn_good="none",
        topic_arn_bad=bad,
        topic_arn_neutral="none",
        subject_prefix_bad="[ALERT] rating {rating}",
        body_prefix_bad="Negative feedback on {session_id} at {timestamp}",
    )
    assert feedback_hook is not None
    session_manager = MongoDBSessionManager(
        session_id="support-7", feedback_hook=feedback_hook, **manager_options
    )
    session_manager.add_feedback({"rating": "up", "comment": "fine"})  # "none": nobody
    session_manager.add_feedback({"rating": "down", "comment": "Wrong invoice date"})
    assert feedback_hook.flush(10)
    [alert] = notifications(bad_inbox)
    assert alert["Subject"] == "[ALERT] rating down - session support-7"
    first, *rest = alert["Message"].split("\n")
    assert first.startswith("Negative feedback on support-7 at 20")
    assert "Comment: Wrong invoice date" in rest
    assert feedback_hook.stats.sent == 1
    session_manager.close()
    feedback_hook.close()


def test_metadata_changes_reach_the_queue_with_only_the_chosen_fields(
    manager_options: dict[str, Any],
) -> None:
    assert is_metadata_sqs_hook_available()
    sqs = boto3.client("sqs", region_name=REGION)
    queue_url = sqs.create_queue(QueueName="metadata-updates")["QueueUrl"]
    metadata_hook = create_metadata_sqs_hook(
        queue_url=queue_url, metadata_fields=["status", "agent_state", "priority"]
    )
    with pytest.warns(DeprecationWarning):
        session_manager = MongoDBSessionManager(
            session_id="user-session", metadataHook=metadata_hook, **manager_options
        )
    session_manager.update_metadata(
        {"status": "processing", "agent_state": "thinking", "internal_field": "not propagated"}
    )
    assert metadata_hook.flush(10)
    [message] = [json.loads(m["Body"]) for m in received(queue_url)]
    assert message["session_id"] == "user-session"
    assert message["event"] == "metadata_update"
    assert message["operation"] == "update"
    assert message["metadata"] == {"status": "processing", "agent_state": "thinking"}
    assert "timestamp" in message
    session_manager.close()
    metadata_hook.close()


def test_websocket_hook_takes_the_reference_arguments(manager_options: dict[str, Any]) -> None:
    from moto.apigatewaymanagementapi.models import apigatewaymanagementapi_backends
    from moto.core.models import DEFAULT_ACCOUNT_ID

    assert is_metadata_websocket_hook_available()
    metadata_hook = create_metadata_websocket_hook(
        api_gateway_endpoint="https://abc123.execute-api.eu-west-1.amazonaws.com/prod",
        metadata_fields=["status"],
        region="eu-west-1",
    )
    session_manager = MongoDBSessionManager(
        session_id="ws-session", metadata_hook=metadata_hook, **manager_options
    )
    session_manager.update_metadata({"connection_id": "conn-1"})
    session_manager.update_metadata({"status": "typing", "secret": "kept here"})
    assert metadata_hook.flush(10)
    backend = apigatewaymanagementapi_backends[DEFAULT_ACCOUNT_ID][REGION]
    pushed = backend.connections["conn-1"].data.decode("utf-8")
    assert json.loads(pushed)["metadata"] == {"status": "typing"}
    session_manager.close()
    metadata_hook.close()
    # The default region, as in the reference, when the endpoint names none.
    custom = create_metadata_websocket_hook("https://ws.example.com/prod")
    assert custom.client.meta.region_name == "eu-west-1"
    custom.close()
