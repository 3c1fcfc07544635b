"""Large values: chunked atomically, so a reader never sees half of a new value."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from strands.types.exceptions import StorageError

from mongodb_session_manager import MongoDBSessionManagerFactory, MongoDBStorage
from mongodb_session_manager.store.storage_values import StorageValueStore
from mongodb_session_manager.testing import MongoBackend
from tests.helpers.fail_points import fail_next
from tests.storage.storage_fixtures import make_storage, storage

__all__ = ["make_storage", "storage"]

SIZE = 4096


def _chunk_count(factory: MongoDBSessionManagerFactory) -> int:
    async def count() -> int:
        database = factory.pool.client()[factory.settings.database_name]
        return int(await database["strands_storage_chunks"].count_documents({}))

    return factory.pool.run(count())


@pytest.fixture
def chunked(make_storage: Callable[..., MongoDBStorage]) -> MongoDBStorage:
    """Values over 256 bytes go to chunks of 100 bytes (41 chunks for SIZE)."""
    return make_storage(inline_bytes=256, chunk_bytes=100)


async def test_concurrent_readers_never_see_a_mixed_value(chunked: MongoDBStorage) -> None:
    values = [bytes([n]) * SIZE for n in range(6)]
    await chunked.write("snap", values[0])
    seen: list[bytes | None] = []

    async def reader() -> None:
        for _ in range(30):
            seen.append(await chunked.read("snap"))

    async def writer() -> None:
        for value in values[1:] * 3:
            await chunked.write("snap", value)

    await asyncio.gather(writer(), reader(), reader(), reader())

    assert len(seen) == 90
    assert all(value in values for value in seen), "a reader saw a mix of two values"
    assert await chunked.read("snap") == values[-1]


async def test_concurrent_writers_leave_one_whole_value_and_no_stray_chunks(
    chunked: MongoDBStorage, factory: MongoDBSessionManagerFactory
) -> None:
    values = [bytes([n]) * SIZE for n in range(8)]

    await asyncio.gather(*(chunked.write("snap", value) for value in values))

    assert await chunked.read("snap") in values
    assert _chunk_count(factory) == 41  # only the winner's chunks are left


def _fail_next(factory: MongoDBSessionManagerFactory, command: str, collection: str) -> None:
    fail_next(factory.pool, command, namespace=f"{factory.settings.database_name}.{collection}")


async def test_a_failed_cleanup_of_old_chunks_keeps_the_new_value(
    chunked: MongoDBStorage,
    factory: MongoDBSessionManagerFactory,
    msm_backend: MongoBackend,
    caplog: pytest.LogCaptureFixture,
) -> None:
    if msm_backend.uri is None:
        pytest.skip("needs a wire server (configureFailPoint)")
    old, new = b"o" * SIZE, b"n" * SIZE
    await chunked.write("snap", old)
    _fail_next(factory, "delete", "strands_storage_chunks")

    with caplog.at_level("WARNING", logger="mongodb_session_manager.store.storage_values"):
        await chunked.write("snap", new)  # done: the head names the new chunks

    assert await chunked.read("snap") == new
    assert "storage.orphan_chunks | head=snap" in caplog.text
    assert _chunk_count(factory) == 82  # the old value's 41 chunks are left over, as logged


async def test_a_failed_head_switch_keeps_the_old_value_whole(
    chunked: MongoDBStorage, factory: MongoDBSessionManagerFactory, msm_backend: MongoBackend
) -> None:
    if msm_backend.uri is None:
        pytest.skip("needs a wire server (configureFailPoint)")
    old, new = b"o" * SIZE, b"n" * SIZE
    await chunked.write("snap", old)
    _fail_next(factory, "findAndModify", "strands_storage")
    with pytest.raises(StorageError):
        await chunked.write("snap", new)  # its chunks were written, the head switch failed

    assert await chunked.read("snap") == old
    assert _chunk_count(factory) == 41  # the failed write's chunks were dropped
    await chunked.write("snap", new)
    assert await chunked.read("snap") == new


class _WriterInBetween(StorageValueStore):
    """A gateway where a whole write lands between a reader's head and chunk reads."""

    interleaved: bytes | None = None

    async def _assemble(self, stored_id: str, head: dict[str, Any]) -> bytes | None:
        value, self.interleaved = self.interleaved, None
        if value is not None:
            await self.put(stored_id, value)  # replaces the version the reader just saw
        return await super()._assemble(stored_id, head)


async def test_a_reader_whose_version_is_replaced_reads_the_new_value_whole(
    chunked: MongoDBStorage, caplog: pytest.LogCaptureFixture
) -> None:
    old, new = b"o" * SIZE, b"n" * SIZE
    await chunked.write("snap", old)
    store = _WriterInBetween(
        chunked.pool, chunked.database_name, chunked.collection_name, chunked.store.layout
    )
    store.interleaved = new
    chunked.store = store

    with caplog.at_level("INFO", logger="mongodb_session_manager.store.storage_values"):
        assert await chunked.read("snap") == new

    assert "storage.read_retried | key=snap" in caplog.text


async def test_the_callers_loop_keeps_running_during_a_big_write(storage: MongoDBStorage) -> None:
    value = b"v" * (20 * 1024 * 1024)
    ticks = 0
    done = asyncio.Event()

    async def ticker() -> None:
        nonlocal ticks
        while not done.is_set():
            ticks += 1
            await asyncio.sleep(0)

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0)
    before = ticks
    await storage.write("big", value)
    during = ticks - before
    done.set()
    await task

    assert during > 0, "the write blocked the caller's event loop"
    assert await storage.read("big") == value
