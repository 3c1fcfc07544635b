"""What the three AWS hooks share: the hook protocol, the client, the worker, batch APIs."""

from __future__ import annotations

import inspect
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, ClassVar

from mongodb_session_manager.aws._client import DEFAULT_MAX_ATTEMPTS, BotoClient, ClientSettings
from mongodb_session_manager.aws._encoding import batch_entry_fields
from mongodb_session_manager.aws._worker import (
    Delivery,
    DeliveryStats,
    DeliveryWorker,
    Outcome,
    QueueLimits,
)
from mongodb_session_manager.services.hooks import call_original

__all__ = ["DEFAULT_MAX_ATTEMPTS", "AWSHook", "BatchAPIHook", "ClientSettings", "QueueLimits"]

logger = logging.getLogger("mongodb_session_manager.aws")

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

    Args:
        name: The hook's name in logs.
        resource_region: The region named by the hook's resource (topic ARN, queue
            URL, endpoint host), or None.
        settings: How to reach AWS (region, endpoint, client, retries, timeouts).
        limits: The worker's queue and batch limits.

    Raises:
        InvalidInputError: No region is known, it contradicts the resource's, or a
            setting or limit is out of range.
    """

    service: ClassVar[str]
    """boto3 service name of the client."""

    def __init__(
        self,
        name: str,
        resource_region: str | None,
        settings: ClientSettings,
        limits: QueueLimits,
    ) -> None:
        feature = type(self).__name__
        settings = settings.resolved(feature, resource_region)
        settings.check(name)
        self.name = name
        self.region_name: str = settings.region_name or ""
        self.endpoint_url = settings.endpoint_url
        self.max_attempts = settings.max_attempts
        self.connect_timeout = settings.connect_timeout
        self.read_timeout = settings.read_timeout
        self._boto = BotoClient(self.service, feature, settings)
        self._worker = DeliveryWorker(name, self._send_batch, limits)

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
        return self._boto.get()

    # ------------------------------------------------------------------ failures

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
        # Written by hand, not with _twins: closing waits on the hook's own thread, not
        # on the store loop (a hook has no runner), so the async form runs the blocking
        # one in a worker thread instead of awaiting a coroutine on the store loop.
        import asyncio

        return await asyncio.to_thread(self.close, timeout)

    def __enter__(self) -> AWSHook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, region_name={self.region_name!r})"


class BatchAPIHook(AWSHook):
    """An AWS hook sending through a batch API (SNS ``PublishBatch``, SQS ``SendMessageBatch``).

    A subclass says what one entry holds besides its id and attributes
    (:meth:`_entry`) and makes the call (:meth:`_call_batch`). Each delivery's
    ``options["attributes"]`` become string message attributes; a FIFO target
    (``.fifo``) gets one message group per session.
    """

    def _entry(self, delivery: Delivery) -> dict[str, Any]:
        """The service-specific fields of one entry (the body, the subject...)."""
        raise NotImplementedError

    def _call_batch(self, target: str, entries: list[dict[str, Any]]) -> dict[str, Any]:
        """Send ``entries`` to ``target``; the service's response."""
        raise NotImplementedError

    def _send_batch(self, target: str, batch: Sequence[Delivery]) -> Outcome:
        """Send ``batch`` in one request.

        Entries the service failed on its side are sent again (twice at most, with
        pauses); entries refused as invalid are logged and not retried.
        """
        fifo = target.endswith(".fifo")
        outcome = Outcome()
        todo = {str(index): delivery for index, delivery in enumerate(batch)}
        for attempt in range(len(_ENTRY_RETRY_PAUSES) + 1):
            entries = [
                {
                    "Id": key,
                    **self._entry(d),
                    **batch_entry_fields(d.session_id, d.options["attributes"], fifo),
                }
                for key, d in todo.items()
            ]
            response = self._call_batch(target, entries)
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
