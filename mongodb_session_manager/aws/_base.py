"""What the three AWS hooks share: the hook protocol, the client, the worker."""

from __future__ import annotations

import inspect
import logging
import os
import threading
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, ClassVar

from mongodb_session_manager.aws._boto import require_boto3
from mongodb_session_manager.aws._worker import (
    DEFAULT_EXIT_TIMEOUT,
    Delivery,
    DeliveryStats,
    DeliveryWorker,
    Outcome,
)
from mongodb_session_manager.errors import InvalidInputError
from mongodb_session_manager.features.compose import call_original

logger = logging.getLogger("mongodb_session_manager.aws")

DEFAULT_MAX_ATTEMPTS = 5
"""Attempts per request (botocore ``standard`` retries: exponential backoff with jitter)."""

# Entries a batch API reports as failed on the service's side are sent again after these
# pauses (the request itself succeeded, so botocore does not retry them).
_ENTRY_RETRY_PAUSES = (0.2, 0.8)


class AWSHook:
    """Base of the AWS hooks: a session-manager hook that notifies AWS in the background.

    Call protocol (what ``MongoDBSessionManager`` does for each operation)::

        hook(original_func, action, session_id, **kwargs)

    The hook runs ``original_func`` first, so the database write happens (and its
    result or exception reaches the caller unchanged); then it queues the
    notification and returns. Sending happens on the hook's own thread.
    """

    service: ClassVar[str]
    """boto3 service name of the client."""

    def __init__(
        self,
        *,
        name: str,
        region_name: str,
        endpoint_url: str | None,
        client: Any | None,
        boto3_session: Any | None,
        max_attempts: int,
        connect_timeout: float,
        read_timeout: float,
        max_queue_size: int,
        max_batch_size: int,
        max_batch_bytes: int,
        exit_timeout: float = DEFAULT_EXIT_TIMEOUT,
    ) -> None:
        if max_attempts < 1 or connect_timeout <= 0 or read_timeout <= 0:
            raise InvalidInputError(
                f"{name}: max_attempts must be at least 1 and the timeouts positive "
                f"(got {max_attempts}, {connect_timeout}, {read_timeout})"
            )
        self.name = name
        self.region_name = region_name
        self.endpoint_url = endpoint_url
        self.max_attempts = max_attempts
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self._boto3_session = boto3_session
        self._given_client = client
        self._client: Any | None = client
        self._client_pid = os.getpid()
        self._client_lock = threading.Lock()
        self._worker = DeliveryWorker(
            name,
            self._send_batch,
            max_queue_size=max_queue_size,
            max_batch_size=max_batch_size,
            max_batch_bytes=max_batch_bytes,
            exit_timeout=exit_timeout,
        )

    # ------------------------------------------------------------------ the hook protocol

    def __call__(
        self, original_func: Callable[..., Any], action: str, session_id: str, **kwargs: Any
    ) -> Any:
        """Run the operation, then queue its notification (never waiting on AWS)."""
        result = call_original(original_func, action, kwargs)
        if inspect.isawaitable(result):
            return self._notify_after(result, action, session_id, kwargs)
        self._notify(action, session_id, kwargs)
        return result

    async def _notify_after(
        self, pending: Awaitable[Any], action: str, session_id: str, kwargs: dict[str, Any]
    ) -> Any:
        # An async operation: notify once it has really happened.
        result = await pending
        self._notify(action, session_id, kwargs)
        return result

    def _notify(self, action: str, session_id: str, kwargs: dict[str, Any]) -> None:
        # The write is done: whatever goes wrong from here is logged, never raised.
        try:
            deliveries = self._prepare(action, session_id, kwargs)
        except Exception:
            logger.exception(
                "aws.notification.not_built | hook=%s session_id=%s action=%s",
                self.name,
                session_id,
                action,
            )
            return
        for delivery in deliveries:
            self._worker.submit(delivery)

    def _prepare(self, action: str, session_id: str, kwargs: dict[str, Any]) -> list[Delivery]:
        """The notifications for one completed operation (none for operations not watched)."""
        raise NotImplementedError

    def _send_batch(self, target: str, batch: Sequence[Delivery]) -> Outcome:
        """Send one batch; runs on the hook's thread."""
        raise NotImplementedError

    # ------------------------------------------------------------------ the client

    @property
    def client(self) -> Any:
        """The hook's boto3 client: one per hook, built on first use, reused.

        A client given to the constructor is used as it is. A forked child builds
        its own (a client's connections must not be shared across processes).
        """
        if self._client is not None and self._client_pid == os.getpid():
            return self._client
        with self._client_lock:
            if self._client is None or self._client_pid != os.getpid():
                self._client = self._given_client or self._make_client()
                self._client_pid = os.getpid()
            return self._client

    def _make_client(self) -> Any:
        boto3 = require_boto3(type(self).__name__)
        from botocore.config import Config

        session = self._boto3_session or boto3.session.Session()
        config = Config(
            retries={"mode": "standard", "total_max_attempts": self.max_attempts},
            connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout,
            max_pool_connections=2,  # one sending thread per hook
            user_agent_extra="mongodb-session-manager",
        )
        return session.client(
            self.service,
            region_name=self.region_name,
            endpoint_url=self.endpoint_url,
            config=config,
        )

    # ------------------------------------------------------------------ batches with entries

    def _send_entries(
        self,
        target: str,
        batch: Sequence[Delivery],
        build_entry: Callable[[Delivery], dict[str, Any]],
        call: Callable[[list[dict[str, Any]]], dict[str, Any]],
    ) -> Outcome:
        """Send ``batch`` through a batch API (``PublishBatch`` / ``SendMessageBatch``).

        Entries the service failed on its side are sent again (twice at most, with
        pauses); entries refused as invalid are logged and not retried.
        """
        outcome = Outcome()
        todo = {str(index): delivery for index, delivery in enumerate(batch)}
        for attempt in range(len(_ENTRY_RETRY_PAUSES) + 1):
            response = call([{"Id": key, **build_entry(d)} for key, d in todo.items()])
            outcome.sent += len(response.get("Successful", []))
            retry: dict[str, Delivery] = {}
            for failure in response.get("Failed", []):
                delivery = todo[failure["Id"]]
                if not failure.get("SenderFault") and attempt < len(_ENTRY_RETRY_PAUSES):
                    retry[failure["Id"]] = delivery
                    continue
                outcome.failed += 1
                self._log_failure(delivery, failure.get("Code", "?"), failure.get("Message", ""))
            if not retry:
                break
            time.sleep(_ENTRY_RETRY_PAUSES[attempt])
            todo = retry
        return outcome

    def _log_failure(self, delivery: Delivery, code: str, message: str) -> None:
        logger.error(
            "aws.delivery.failed | hook=%s session_id=%s target=%s code=%s error=%s",
            self.name,
            delivery.session_id,
            delivery.target,
            code,
            message,
        )

    # ------------------------------------------------------------------ life cycle

    @property
    def stats(self) -> DeliveryStats:
        """Sent, failed, dropped, skipped and pending notifications."""
        return self._worker.stats

    def flush(self, timeout: float | None = 10.0) -> bool:
        """Wait until every notification queued so far was sent (or failed).

        Returns:
            False if ``timeout`` seconds passed first.
        """
        return self._worker.flush(timeout)

    def close(self, timeout: float | None = 10.0) -> bool:
        """Send what is pending (up to ``timeout`` seconds), then stop.

        The hook keeps working as a hook after this (operations still reach the
        database) but sends nothing more. Pending notifications are also sent at
        the process's exit, so calling this is only needed for a clean shutdown
        (e.g. in a FastAPI lifespan).

        Returns:
            True if everything pending was sent (or failed) in time.
        """
        return self._worker.close(timeout)

    async def close_async(self, timeout: float | None = 10.0) -> bool:  # noqa: ASYNC109
        """:meth:`close` without blocking the event loop (``timeout`` bounds the flush)."""
        import asyncio

        return await asyncio.to_thread(self.close, timeout)

    def __enter__(self) -> AWSHook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, region_name={self.region_name!r})"
