"""Feedback alerts with SNS: a thumbs down reaches the on-call topic, a thumbs up the kudos one.

Runs offline: moto's AWS server (unless AWS_ENDPOINT_URL is set), the embedded
MongoDB-compatible server (unless MONGODB_URI is set) and a scripted model::

    uv run python examples/aws_feedback_sns.py
"""

from __future__ import annotations

import json
import logging
from typing import Any

import boto3
from _aws_support import REGION, aws_endpoint
from _support import database
from strands import Agent

from mongodb_session_manager import (
    MongoDBSessionManager,
    compose_hooks,
    create_feedback_sns_hook,
    is_feedback_sns_hook_available,
)
from mongodb_session_manager.testing import ScriptedModel


def audit(original_func: Any, action: str, session_id: str, **kwargs: Any) -> Any:
    """A user's own hook: it runs first, then hands over to the SNS hook."""
    print(f"[audit] {action} feedback on {session_id}: {kwargs['feedback']['rating']}")
    return original_func(kwargs["feedback"])


def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    if not is_feedback_sns_hook_available():
        raise SystemExit("pip install 'mongodb-session-manager[aws]'")
    with database() as uri, aws_endpoint() as endpoint:
        # 1. Infrastructure (Terraform / CDK in real life): two topics, and an SQS inbox
        #    subscribed to each so this example can show what subscribers receive.
        sns = boto3.client("sns", region_name=REGION, endpoint_url=endpoint)
        sqs = boto3.client("sqs", region_name=REGION, endpoint_url=endpoint)
        inboxes = {}
        topics = {}
        for name in ("feedback-good", "feedback-bad"):
            topics[name] = sns.create_topic(Name=name)["TopicArn"]
            inbox = sqs.create_queue(QueueName=f"{name}-inbox")["QueueUrl"]
            inbox_arn = sqs.get_queue_attributes(QueueUrl=inbox, AttributeNames=["QueueArn"])
            sns.subscribe(
                TopicArn=topics[name],
                Protocol="sqs",
                Endpoint=inbox_arn["Attributes"]["QueueArn"],
            )
            inboxes[name] = inbox

        # 2. The hook, built once at start-up and shared by every manager.
        #    No neutral topic: feedback without a rating alerts nobody.
        alerts = create_feedback_sns_hook(
            topic_arn_good=topics["feedback-good"],
            topic_arn_bad=topics["feedback-bad"],
            topic_arn_neutral=None,
            subject_template="[{label}] feedback on {session_id}",
            body_format="json",  # the JSON body (the reference sent text)
            endpoint_url=endpoint,
        )
        manager = MongoDBSessionManager(
            "support-42", uri, "aws_examples", feedback_hook=compose_hooks(audit, alerts)
        )
        agent = Agent(
            model=ScriptedModel(["Your invoice is due on the 1st."]),
            session_manager=manager,
            callback_handler=None,
        )
        agent("When is my invoice due?")

        # 3. The user rates the answer: stored at once, published in the background.
        manager.add_feedback({"rating": "down", "comment": "It is due on the 15th!"})
        manager.add_feedback({"rating": "up", "comment": "Thanks for the fix."})
        manager.add_feedback({"rating": None, "comment": "Just a note."})
        alerts.close()  # at shutdown: sends what is pending (also done at exit)

        # 4. What each topic's subscribers received.
        for name, inbox in inboxes.items():
            messages = sqs.receive_message(QueueUrl=inbox, MaxNumberOfMessages=10)
            for message in messages.get("Messages", []):
                envelope = json.loads(message["Body"])
                body = json.loads(envelope["Message"])
                print(
                    f"{name}: {envelope['Subject']} | rating={body['rating']} "
                    f"comment={body['feedback']['comment']!r}"
                )
        print(f"Stored feedbacks: {len(manager.get_feedbacks())}")
        stats = alerts.stats
        print(f"Delivery: sent={stats.sent} failed={stats.failed} dropped={stats.dropped}")
        manager.close()


if __name__ == "__main__":
    main()
