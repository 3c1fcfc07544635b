"""The store loop: one private event-loop thread per process owns the async client.

Why: a PyMongo ``AsyncMongoClient`` is bound to the event loop it first ran on,
while Strands runs a sync ``agent("...")`` call on a fresh loop in a worker
thread every time, and an async app has its own loop. Running every database
coroutine on one long-lived loop lets all of them share one client:

* sync callers block on a ``concurrent.futures.Future`` (:meth:`StoreLoop.run`);
* async callers on any other loop ``await`` it without blocking that loop
  (:meth:`StoreLoop.call`).

The thread is a daemon (it never holds up interpreter exit); ``close`` drains
the work this loop was given, then cancels what is left. After ``os.fork`` the
child gets a new loop on first use. Calling the blocking API from the store
thread itself raises :class:`StoreThreadError` instead of deadlocking.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import logging
import os
import threading
from collections.abc import Coroutine
from typing import Any, Generic, TypeVar

from mongodb_session_manager.errors import StoreClosedError, StoreThreadError

T = TypeVar("T")

logger = logging.getLogger(__name__)


class StoreLoop:
    """A daemon thread running an asyncio loop for every database coroutine."""

    _instance: StoreLoop | None = None
    _instance_lock = threading.Lock()

    def __init__(self, name: str = "msm-store") -> None:
        self.pid = os.getpid()
        self._closed = False
        self._tasks: set[asyncio.Task[Any]] = set()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._main, name=name, daemon=True)
        self._thread.start()
        self._ready.wait()

    # -- process-wide instance -------------------------------------------------------------

    @classmethod
    def get(cls) -> StoreLoop:
        """The process's store loop, started on first use (and again after a fork)."""
        instance = cls._instance
        if instance is not None and instance.pid == os.getpid() and not instance._closed:
            return instance
        with cls._instance_lock:
            instance = cls._instance
            if instance is None or instance.pid != os.getpid() or instance._closed:
                instance = cls()
                cls._instance = instance
            return instance

    @classmethod
    def _forget_after_fork(cls) -> None:
        # The parent's loop thread does not exist in the child; never touch it.
        cls._instance = None
        cls._instance_lock = threading.Lock()

    # -- running work ------------------------------------------------------------------------

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The private event loop (use only to schedule work on it)."""
        return self._loop

    def in_store_thread(self) -> bool:
        """Whether the caller runs on the store thread itself."""
        return threading.get_ident() == self._thread.ident

    def submit(self, coro: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        """Schedule ``coro`` on the store loop and return a thread-safe future."""
        if self._closed:
            coro.close()
            raise StoreClosedError("the store loop is closed")
        return asyncio.run_coroutine_threadsafe(self._tracked(coro), self._loop)

    def run(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        """Run ``coro`` on the store loop and block the calling thread for its result."""
        if self.in_store_thread():
            coro.close()
            raise StoreThreadError(
                "a blocking session-manager call was made from the store thread; "
                "use the *_async method instead"
            )
        future = self.submit(coro)
        try:
            return future.result(timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise

    def run_here(self, coro: Coroutine[Any, Any, T]) -> T:
        """The loop itself has no synchronous client: the same as :meth:`run`."""
        return self.run(coro)

    async def call(self, coro: Coroutine[Any, Any, T]) -> T:
        """Await ``coro`` run on the store loop, without blocking the caller's loop.

        The hand-off is two ``call_soon_threadsafe`` calls and one task (see
        :class:`_Handoff`): about half the CPU of ``run_coroutine_threadsafe`` plus
        ``wrap_future``, which chain a ``concurrent.futures.Future`` both ways.
        Cancelling the caller cancels the task on the store loop.
        """
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:  # pragma: no cover - always called from a coroutine
            running = None
        if running is self._loop:
            return await coro
        if running is None:  # pragma: no cover
            return await asyncio.wrap_future(self.submit(coro))
        if self._closed:
            coro.close()
            raise StoreClosedError("the store loop is closed")
        handoff: _Handoff[T] = _Handoff(self, coro, running)
        self._loop.call_soon_threadsafe(handoff.start)
        try:
            return await handoff.result
        except asyncio.CancelledError:
            handoff.cancel()
            raise

    async def _tracked(self, coro: Coroutine[Any, Any, T]) -> T:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            return await coro
        finally:
            if task is not None:
                self._tasks.discard(task)

    # -- lifecycle ---------------------------------------------------------------------------

    def _main(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.call_soon(self._ready.set)
        try:
            self._loop.run_forever()
        finally:
            self._loop.close()

    def close(self, timeout: float = 5.0) -> None:
        """Drain the work given to this loop (up to ``timeout`` s), cancel the rest, stop."""
        if self._closed or self.pid != os.getpid():
            return
        if self.in_store_thread():
            raise StoreThreadError("close() cannot be called from the store thread")
        self._closed = True

        async def _drain() -> None:
            # Only our own tasks: PyMongo's monitor tasks never finish on their own.
            pending = [t for t in self._tasks if t is not asyncio.current_task()]
            if pending:
                _, still = await asyncio.wait(pending, timeout=timeout)
                for task in still:
                    task.cancel()
                if still:
                    logger.warning("store_loop.close | cancelled=%d unfinished tasks", len(still))
                    await asyncio.wait(still, timeout=1.0)

        try:
            asyncio.run_coroutine_threadsafe(_drain(), self._loop).result(timeout + 2.0)
        except Exception:  # a broken drain must not keep the loop alive
            logger.exception("store_loop.close | drain failed")
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=timeout)
        if StoreLoop._instance is self:
            StoreLoop._instance = None

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._closed


class _Handoff(Generic[T]):
    """One coroutine handed from a caller's loop to the store loop, and its result back."""

    __slots__ = ("caller", "cancelled", "coro", "result", "store", "task")

    def __init__(
        self, store: StoreLoop, coro: Coroutine[Any, Any, T], caller: asyncio.AbstractEventLoop
    ) -> None:
        self.store = store
        self.coro = coro
        self.caller = caller
        self.result: asyncio.Future[T] = caller.create_future()
        self.task: asyncio.Task[T] | None = None
        self.cancelled = False

    def start(self) -> None:
        """On the store loop: run the coroutine as a tracked task."""
        if self.cancelled:
            self.coro.close()
            return
        task = self.store.loop.create_task(self.coro)
        self.task = task
        self.store._tasks.add(task)
        task.add_done_callback(self._done)
        if self.cancelled:  # the caller gave up while the task was being made
            task.cancel()

    def _done(self, task: asyncio.Task[T]) -> None:
        self.store._tasks.discard(task)
        try:
            self.caller.call_soon_threadsafe(self._deliver, task)
        except RuntimeError:  # the caller's loop is closed: nobody waits any more
            if not task.cancelled() and task.exception() is not None:
                logger.warning("store_loop.result_lost | %r", task.exception())

    def _deliver(self, task: asyncio.Task[T]) -> None:
        """On the caller's loop: hand over the task's outcome."""
        if self.result.done():
            if not task.cancelled():
                task.exception()  # retrieved: the caller was cancelled first
            return
        if task.cancelled():
            self.result.cancel()
            return
        exc = task.exception()
        if exc is not None:
            self.result.set_exception(exc)
        else:
            self.result.set_result(task.result())

    def cancel(self) -> None:
        """On the caller's loop: the caller was cancelled; cancel the task too."""
        self.cancelled = True
        task = self.task
        if task is not None:
            self.store.loop.call_soon_threadsafe(task.cancel)


def _close_at_exit() -> None:
    instance = StoreLoop._instance
    if instance is not None and instance.pid == os.getpid():
        instance.close(timeout=5.0)


atexit.register(_close_at_exit)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=StoreLoop._forget_after_fork)
