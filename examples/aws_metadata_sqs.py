"""Metadata changes to SQS: a front end's server-sent-events feed follows the agent's progress.

Only the fields the front end needs are sent; internal ones stay in MongoDB.
Runs offline: moto's AWS server (unless AWS_ENDPOINT_URL is set), the embedded
MongoDB-compatible server (unless MONGODB_URI is set) and a scripted model::

    uv run python examples/aws_metadata_sqs.py
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

import boto3
from _aws_support import REGION, aws_endpoint
from _support import database
from strands import Agent

from mongodb_session_manager import (
    MongoDBSessionManager,
    create_metadata_sqs_hook,
    is_metadata_sqs_hook_available,
)
from mongodb_session_manager.testing import ScriptedModel


def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    if not is_metadata_sqs_hook_available():
        raise SystemExit("pip install 'mongodb-session-manager[aws]'")
    with database() as uri, aws_endpoint() as endpoint:
        sqs = boto3.client("sqs", region_name=REGION, endpoint_url=endpoint)
        queue_url = sqs.create_queue(QueueName="metadata-updates")["QueueUrl"]

        # The hook: only two fields go out. The endpoint comes from the queue URL (in AWS,
        # the region too: https://sqs.{region}.amazonaws.com/...); moto's URLs name none.
        updates = create_metadata_sqs_hook(
            queue_url, metadata_fields=["status", "eta"], region_name=REGION
        )
        manager = MongoDBSessionManager("order-1017", uri, "aws_examples", metadata_hook=updates)
        agent = Agent(
            model=ScriptedModel(["Your order ships tomorrow."]),
            session_manager=manager,
            callback_handler=None,
        )

        manager.update_metadata({"status": "thinking", "internal_score": 0.42})
        agent("Where is my order?")
        manager.update_metadata(
            {"status": "answered", "eta": datetime(2026, 12, 2, 9, 0, tzinfo=UTC)}
        )
        manager.update_metadata({"internal_score": 0.97})  # nothing selected: nothing sent
        manager.delete_metadata(["eta"])
        updates.close()  # at shutdown: sends what is pending (also done at exit)

        # The consumer (an SSE endpoint, a Lambda...) reads the queue.
        messages = sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
        )
        for message in messages.get("Messages", []):
            body = json.loads(message["Body"])
            print(f"{body['operation']:>6} {body['session_id']}: {json.dumps(body['metadata'])}")
        stored = manager.get_session_metadata().model_dump()
        print(f"Stored metadata: {json.dumps(stored, default=str, sort_keys=True)}")
        manager.close()


if __name__ == "__main__":
    main()
