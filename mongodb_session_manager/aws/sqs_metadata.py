"""``MetadataSQSHook``: metadata changes sent to an SQS queue (for SSE, sync, analytics)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from mongodb_session_manager.aws._base import (
    DEFAULT_MAX_ATTEMPTS,
    BatchAPIHook,
    ClientSettings,
    QueueLimits,
)
from mongodb_session_manager.aws._boto import (
    is_aws_host,
    is_boto3_available,
    origin,
    region_from_queue_url,
    require_boto3,
)
from mongodb_session_manager.aws._encoding import xml_safe
from mongodb_session_manager.aws._metadata import DEFAULT_EVENT, MetadataMessages
from mongodb_session_manager.aws._worker import DEFAULT_EXIT_TIMEOUT, Delivery
from mongodb_session_manager.errors import InvalidInputError

SQS_MAX_MESSAGE_BYTES = 256 * 1024


class MetadataSQSHook(BatchAPIHook):
    """A metadata hook sending each stored metadata change to an SQS queue.

    For ``update_metadata`` and ``delete_metadata`` (reads send nothing) the queue
    receives, as JSON::

        {"session_id": "...", "event": "metadata_update", "operation": "update",
         "metadata": {"status": "processing"}, "timestamp": "2026-11-25T16:11:35.123Z"}

    (for a delete, ``"operation": "delete"``, ``metadata`` maps each deleted key to
    null and ``keys`` lists them), with message attributes ``session_id``,
    ``operation`` and ``event``. Only ``metadata_fields`` are sent; a change
    touching none of them sends nothing. Datetimes, bytes, ObjectId, Decimal...
    are encoded (ISO 8601, base64, strings), never dropped. A message too large
    for SQS is sent without its values, with ``"truncated": true``.

    A FIFO queue (URL ending in ``.fifo``) gets one message group per session, so
    each session's changes arrive in order.

    Args:
        queue_url: The queue's URL.
        metadata_fields: Fields to send (None: all).
        event: The ``event`` value of the messages.
        region_name: Defaults to the region in the queue URL.
        endpoint_url: Defaults to AWS, or to the queue URL's host when that is not
            an AWS one (LocalStack, moto).
        client: A ready boto3 SQS client to use instead of building one.
        boto3_session: The boto3 session to build the client from (credentials).
        max_attempts: Attempts per request (botocore standard retries, backoff).
        connect_timeout: Seconds to connect to SQS.
        read_timeout: Seconds to wait for SQS's answer.
        max_queue_size: Pending notifications kept at most; more are dropped (logged).
        max_message_bytes: Larger messages are sent without their values.
        exit_timeout: Seconds the process's exit waits for pending notifications.
        name: The hook's name in logs.

    Raises:
        OptionalDependencyError: boto3 is not installed.
        InvalidInputError: the queue URL is not a URL, or no region is known.
    """

    service = "sqs"

    def __init__(
        self,
        queue_url: str,
        metadata_fields: Iterable[str] | None = None,
        *,
        event: str = DEFAULT_EVENT,
        region_name: str | None = None,
        endpoint_url: str | None = None,
        client: Any | None = None,
        boto3_session: Any | None = None,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        connect_timeout: float = 5.0,
        read_timeout: float = 10.0,
        max_queue_size: int = 1000,
        max_message_bytes: int = SQS_MAX_MESSAGE_BYTES,
        exit_timeout: float = DEFAULT_EXIT_TIMEOUT,
        name: str = "metadata-sqs",
    ) -> None:
        require_boto3(type(self).__name__)
        if not isinstance(queue_url, str) or not queue_url.startswith(("https://", "http://")):
            raise InvalidInputError(f"MetadataSQSHook: {queue_url!r} is not a queue URL")
        self.queue_url = queue_url
        if endpoint_url is None and client is None and not is_aws_host(queue_url):
            endpoint_url = origin(queue_url)
        super().__init__(
            name,
            region_from_queue_url(queue_url),
            ClientSettings.from_arguments(locals()),
            # SendMessageBatch's limits: 10 entries, the bytes of all entries together.
            QueueLimits(max_queue_size, 10, SQS_MAX_MESSAGE_BYTES, exit_timeout),
        )
        self._messages = MetadataMessages(
            name, metadata_fields, event, max_message_bytes, self._worker.count_failed
        )
        self.metadata_fields = self._messages.fields
        self.event = event
        self.max_message_bytes = max_message_bytes

    def _prepare(self, action: str, session_id: str, kwargs: dict[str, Any]) -> list[Delivery]:
        message = self._messages.encode(action, session_id, kwargs)
        if message is None:
            return []
        change, body, size = message
        attributes = {
            "event": self.event,
            "operation": change["operation"],
            "session_id": xml_safe(session_id),
        }
        return [Delivery(session_id, self.queue_url, body, size, {"attributes": attributes})]

    def _entry(self, delivery: Delivery) -> dict[str, Any]:
        return {"MessageBody": delivery.body}

    def _call_batch(self, target: str, entries: list[dict[str, Any]]) -> dict[str, Any]:
        response: dict[str, Any] = self.client.send_message_batch(QueueUrl=target, Entries=entries)
        return response


def create_metadata_sqs_hook(
    queue_url: str, metadata_fields: Iterable[str] | None = None, **options: Any
) -> MetadataSQSHook:
    """Build a :class:`MetadataSQSHook` (reference name); ``options`` are its keyword arguments.

    Example::

        hook = create_metadata_sqs_hook(
            "https://sqs.eu-west-1.amazonaws.com/123456789012/metadata-updates",
            metadata_fields=["status", "agent_state"],
        )
        manager = MongoDBSessionManager("s1", uri, metadata_hook=hook)
        manager.update_metadata({"status": "processing", "internal": "not sent"})

    Raises:
        OptionalDependencyError: boto3 is not installed
            (``pip install 'mongodb-session-manager[aws]'``).
    """
    return MetadataSQSHook(queue_url, metadata_fields, **options)


def is_metadata_sqs_hook_available() -> bool:
    """Whether :func:`create_metadata_sqs_hook` can work (boto3 is installed)."""
    return is_boto3_available()
