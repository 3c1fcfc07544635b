"""The store loop: sync and async callers, the store thread, closing."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator

import pytest

from mongodb_session_manager import StoreClosedError, StoreThreadError
from mongodb_session_manager.store.loop import StoreLoop


@pytest.fixture
def loop() -> Iterator[StoreLoop]:
    store = StoreLoop(name="test-store")
    yield store
    store.close(timeout=1)


async def whoami() -> int:
    await asyncio.sleep(0)
    return threading.get_ident()


def test_sync_and_async_callers_run_on_the_store_thread(loop: StoreLoop) -> None:
    ident = loop.run(whoami())
    assert ident != threading.get_ident()

    async def app() -> int:
        return await loop.call(whoami())

    assert asyncio.run(app()) == ident


def test_the_blocking_api_refuses_the_store_thread_instead_of_deadlocking(loop: StoreLoop) -> None:
    async def reenter() -> None:
        loop.run(whoami())

    with pytest.raises(StoreThreadError, match="_async"):
        loop.run(reenter())


async def test_an_async_caller_keeps_its_loop_free(loop: StoreLoop) -> None:
    async def slow() -> str:
        await asyncio.sleep(0.3)
        return "done"

    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    task = asyncio.create_task(ticker())
    assert await loop.call(slow()) == "done"
    task.cancel()
    assert ticks > 10  # the caller's loop kept running while the store worked


def test_close_drains_pending_work_then_refuses_more(loop: StoreLoop) -> None:
    finished: list[int] = []

    async def work(i: int) -> None:
        await asyncio.sleep(0.05)
        finished.append(i)

    futures = [loop.submit(work(i)) for i in range(5)]
    loop.close(timeout=2)
    assert sorted(finished) == [0, 1, 2, 3, 4]
    assert all(f.done() for f in futures)
    with pytest.raises(StoreClosedError):
        loop.run(whoami())


def test_close_cancels_what_does_not_finish_in_time(loop: StoreLoop) -> None:
    async def forever() -> None:
        await asyncio.sleep(3600)

    future = loop.submit(forever())
    started = time.monotonic()
    loop.close(timeout=0.2)
    assert time.monotonic() - started < 3
    assert future.cancelled() or future.done()


def test_the_process_loop_is_shared_and_restarts_after_close() -> None:
    first = StoreLoop.get()
    assert StoreLoop.get() is first
    assert first.run(whoami()) == first._thread.ident


async def test_cancelling_the_caller_cancels_the_work_on_the_store_loop(loop: StoreLoop) -> None:
    started = threading.Event()
    outcome: list[str] = []

    async def slow() -> None:
        started.set()
        try:
            await asyncio.sleep(30)
            outcome.append("finished")
        except asyncio.CancelledError:
            outcome.append("cancelled")
            raise

    waiter = asyncio.ensure_future(loop.call(slow()))
    assert await asyncio.to_thread(started.wait, 10)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    for _ in range(300):
        if outcome:
            break
        await asyncio.sleep(0.01)
    assert outcome == ["cancelled"]


async def test_errors_and_results_come_back_to_the_awaiting_loop(loop: StoreLoop) -> None:
    async def fail() -> None:
        raise KeyError("missing")

    async def value() -> int:
        return 42

    with pytest.raises(KeyError, match="missing"):
        await loop.call(fail())
    assert await asyncio.gather(*(loop.call(value()) for _ in range(20))) == [42] * 20
