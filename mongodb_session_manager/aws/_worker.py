"""The background sender behind every AWS hook.

A hook hands over a :class:`Delivery` and returns at once; one daemon thread per
hook sends, in order, with what is pending batched per destination. So:

* the caller (the agent, the request, the database write) never waits on AWS;
* the queue is bounded: when AWS is slower than the traffic for long enough,
  new notifications are dropped with a warning naming the session, instead of
  memory growing without limit;
* retries with exponential backoff are botocore's (``standard`` retry mode, set
  on the hook's client), so the thread only loops over batches;
* :meth:`DeliveryWorker.close` (and the process's exit) sends what is pending,
  within a time limit; what cannot be sent in time is logged with its sessions.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from mongodb_session_manager.errors import InvalidInputError

logger = logging.getLogger("mongodb_session_manager.aws")

DEFAULT_EXIT_TIMEOUT = 5.0
"""Seconds the process's exit waits, in total, for pending notifications."""

IDLE_SECONDS = 30.0
"""A worker's thread ends after this long without work; the next notification restarts it."""


@dataclass(frozen=True)
class Delivery:
    """One notification to send.

    Attributes:
        session_id: The session it is about (for logs).
        target: Where it goes (topic ARN, queue URL, connection); batches share one.
        body: The message text.
        size: Its size in bytes on the wire (batches stay under the service limit).
        options: Hook-specific details (subject, attributes, connection id...).
    """

    session_id: str
    target: str
    body: str
    size: int
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DeliveryStats:
    """Counters of one hook since it was built."""

    sent: int
    """Notifications AWS accepted."""
    failed: int
    """Notifications AWS refused or that could not be sent after the retries."""
    dropped: int
    """Notifications never attempted: queue full, hook closed, or left at close / exit."""
    skipped: int
    """Notifications with nobody to receive them (WebSocket: no connection, or it is gone)."""
    pending: int
    """Notifications waiting or being sent now."""


@dataclass(frozen=True)
class QueueLimits:
    """How much a hook's worker holds and sends at once.

    Attributes:
        max_queue_size: Pending notifications kept at most; more are dropped.
        max_batch_size: Notifications per request at most (1 disables batching).
        max_batch_bytes: Bytes per request at most.
        exit_timeout: Seconds the process's exit waits for this worker.
    """

    max_queue_size: int = 1000
    max_batch_size: int = 10
    max_batch_bytes: int = 256 * 1024
    exit_timeout: float = DEFAULT_EXIT_TIMEOUT


@dataclass
class Outcome:
    """What became of one batch (the sender logs failures itself)."""

    sent: int = 0
    failed: int = 0
    skipped: int = 0


Sender = Callable[[str, Sequence[Delivery]], Outcome]
"""``send(target, batch) -> Outcome``; all deliveries of a batch share ``target``."""


class DeliveryWorker:
    """A bounded queue and one daemon thread that drains it in order.

    Args:
        name: The hook's name, in logs and in the thread's name.
        send: Sends one batch (all for the same target) and says what became of it.
        limits: Queue size, batch size and bytes, exit timeout.
    """

    def __init__(self, name: str, send: Sender, limits: QueueLimits | None = None) -> None:
        limits = limits or QueueLimits()
        if limits.max_queue_size < 1 or limits.max_batch_size < 1:
            raise InvalidInputError(
                f"{name}: max_queue_size ({limits.max_queue_size}) and max_batch_size "
                f"({limits.max_batch_size}) must be at least 1"
            )
        self.name = name
        self._send = send
        self.limits = limits
        self._reset()
        _register_at_exit()
        _LIVE_WORKERS.add(self)

    def _reset(self) -> None:
        self._pid = os.getpid()
        self._cond = threading.Condition()
        self._queue: deque[Delivery] = deque()
        self._in_flight = 0
        self._thread: threading.Thread | None = None
        self._closing = False
        self._stopped = False
        self._sent = self._failed = self._dropped = self._skipped = 0

    # ------------------------------------------------------------------ producer side

    def submit(self, delivery: Delivery) -> bool:
        """Queue ``delivery`` without blocking. False (and a warning) if it was dropped."""
        if self._pid != os.getpid():
            self._after_fork()
        with self._cond:
            if self._closing:
                reason = "closed"
            elif len(self._queue) >= self.limits.max_queue_size:
                reason = "queue_full"
            else:
                self._queue.append(delivery)
                self._start_thread()
                self._cond.notify_all()
                return True
            self._dropped += 1
        logger.warning(
            "aws.delivery.dropped | hook=%s session_id=%s target=%s reason=%s queue_size=%d",
            self.name,
            delivery.session_id,
            delivery.target,
            reason,
            self.limits.max_queue_size,
        )
        return False

    def count_failed(self, count: int = 1) -> None:
        """Count notifications that failed before reaching the queue (too large...)."""
        with self._cond:
            self._failed += count

    def _start_thread(self) -> None:
        # Called with the lock held; started on first use so building a hook costs nothing.
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._run, name=f"msm-aws-{self.name}", daemon=True
            )
            self._thread.start()

    def _after_fork(self) -> None:
        # The parent's thread does not exist in a child; its pending items are the parent's.
        with _FORK_LOCK:
            if self._pid != os.getpid():
                self._reset()

    # ------------------------------------------------------------------ the thread

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._queue and not self._stopped:
                    if not self._cond.wait(IDLE_SECONDS) and not self._queue:
                        # Idle: end the thread (the next submit starts another), so a
                        # hook nobody uses any more holds no thread and can be collected.
                        self._thread = None
                        return
                if not self._queue:
                    return  # stopped and drained
                batch = self._take_batch()
                self._in_flight = len(batch)
            outcome = self._send_safely(batch)
            with self._cond:
                self._in_flight = 0
                self._sent += outcome.sent
                self._failed += outcome.failed
                self._skipped += outcome.skipped
                self._cond.notify_all()

    def _take_batch(self) -> list[Delivery]:
        """The head of the queue and what follows it for the same target, within limits."""
        first = self._queue.popleft()
        batch, size = [first], first.size
        while (
            self._queue
            and len(batch) < self.limits.max_batch_size
            and self._queue[0].target == first.target
            and size + self._queue[0].size <= self.limits.max_batch_bytes
        ):
            item = self._queue.popleft()
            batch.append(item)
            size += item.size
        return batch

    def _send_safely(self, batch: list[Delivery]) -> Outcome:
        try:
            return self._send(batch[0].target, batch)
        except Exception as exc:
            # The sender logs what it knows; this is a bug or an unexpected client error.
            for item in batch:
                logger.error(
                    "aws.delivery.failed | hook=%s session_id=%s target=%s error=%s: %s",
                    self.name,
                    item.session_id,
                    item.target,
                    type(exc).__name__,
                    exc,
                )
            return Outcome(failed=len(batch))

    # ------------------------------------------------------------------ flushing and closing

    @property
    def stats(self) -> DeliveryStats:
        """Counters since the hook was built."""
        with self._cond:
            return DeliveryStats(
                sent=self._sent,
                failed=self._failed,
                dropped=self._dropped,
                skipped=self._skipped,
                pending=len(self._queue) + self._in_flight,
            )

    def flush(self, timeout: float | None = 10.0) -> bool:
        """Wait until everything queued so far has been sent (or has failed).

        Returns:
            True if nothing is pending any more; False if ``timeout`` passed first.
        """
        if self._pid != os.getpid():
            return True
        with self._cond:
            return self._cond.wait_for(lambda: not self._queue and not self._in_flight, timeout)

    def close(self, timeout: float | None = 10.0) -> bool:
        """Send what is pending (within ``timeout`` seconds), then stop the thread.

        Notifications submitted after this are dropped with a warning. What could
        not be sent in time is logged with its session ids and counted as dropped.

        Returns:
            True if everything pending was sent (or failed) in time.
        """
        if self._pid != os.getpid():
            return True
        with self._cond:
            if self._stopped:  # closed before: nothing is queued any more
                return not self._in_flight
            self._closing = True
        drained = self.flush(timeout)
        with self._cond:
            self._stopped = True
            left = list(self._queue)
            self._queue.clear()
            self._dropped += len(left)
            self._cond.notify_all()
            thread = self._thread
        if left:
            sessions = sorted({item.session_id for item in left})
            logger.warning(
                "aws.delivery.abandoned | hook=%s pending=%d session_ids=%s "
                "reason=not sent within %ss of close",
                self.name,
                len(left),
                sessions[:20],
                timeout,
            )
        if thread is not None and drained:
            thread.join(1.0)
        _LIVE_WORKERS.discard(self)
        return drained and not left


_LIVE_WORKERS: weakref.WeakSet[DeliveryWorker] = weakref.WeakSet()
_FORK_LOCK = threading.Lock()
_AT_EXIT_REGISTERED = False


def _register_at_exit() -> None:
    """Register :func:`close_all_workers` to run at exit, once.

    Registered when the first hook is built, so after the connection pool's own
    handler: atexit runs handlers last-in first-out, so notifications are flushed
    while the database is still open (the WebSocket hook may read a connection id).
    """
    global _AT_EXIT_REGISTERED
    with _FORK_LOCK:
        if not _AT_EXIT_REGISTERED:
            atexit.register(close_all_workers)
            _AT_EXIT_REGISTERED = True


def close_all_workers(timeout: float | None = None) -> None:
    """Flush and stop every live worker, sharing one deadline (run at the process's exit).

    Args:
        timeout: Seconds in total; by default the largest ``exit_timeout`` of the workers.
    """
    workers = [w for w in list(_LIVE_WORKERS) if w._pid == os.getpid()]
    if not workers:
        return
    budget = timeout if timeout is not None else max(w.limits.exit_timeout for w in workers)
    deadline = time.monotonic() + budget
    for worker in workers:  # stop accepting first, so all of them drain at the same time
        with worker._cond:
            worker._closing = True
    for worker in workers:
        pending = worker.stats.pending
        ok = worker.close(max(0.0, deadline - time.monotonic()))
        if pending:
            logger.info(
                "aws.delivery.flushed_at_exit | hook=%s pending=%d complete=%s",
                worker.name,
                pending,
                ok,
            )
