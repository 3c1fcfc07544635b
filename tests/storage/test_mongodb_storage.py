"""``MongoDBStorage`` beyond the protocol (see ``test_storage_conformance.py``): layout, budgets."""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from strands.types.exceptions import StorageError

from mongodb_session_manager import MongoDBSessionManagerFactory, MongoDBStorage
from tests.helpers.fail_points import fail_next
from tests.storage.storage_fixtures import make_storage, storage

if TYPE_CHECKING:
    from mongodb_session_manager.testing import MongoBackend

__all__ = ["make_storage", "storage"]


def _raw(factory: MongoDBSessionManagerFactory, collection: str, filter: dict[str, Any]) -> Any:
    async def find() -> Any:
        database = factory.pool.client()[factory.settings.database_name]
        return await database[collection].find(filter).to_list(None)

    return factory.pool.run(find())


async def test_values_past_16_mib_round_trip_byte_for_byte(
    storage: MongoDBStorage, factory: MongoDBSessionManagerFactory
) -> None:
    value = os.urandom(17 * 1024 * 1024 + 123)

    await storage.write("big/snapshot.json", value)

    assert await storage.read("big/snapshot.json") == value
    chunks = _raw(factory, "strands_storage_chunks", {})
    assert len(chunks) == 3
    await storage.write("big/snapshot.json", b"small again")
    assert await storage.read("big/snapshot.json") == b"small again"
    assert _raw(factory, "strands_storage_chunks", {}) == []  # the old chunks are gone


async def test_deleting_a_chunked_value_deletes_its_chunks(
    make_storage: Callable[..., MongoDBStorage], factory: MongoDBSessionManagerFactory
) -> None:
    storage = make_storage(inline_bytes=64, chunk_bytes=16)
    await storage.write("k", bytes(100))
    assert len(_raw(factory, "strands_storage_chunks", {})) == 7

    await storage.delete("k")

    assert await storage.read("k") is None
    assert _raw(factory, "strands_storage_chunks", {}) == []


async def test_ttl_sets_expires_at(
    make_storage: Callable[..., MongoDBStorage], factory: MongoDBSessionManagerFactory
) -> None:
    storage = make_storage(ttl=timedelta(hours=1), inline_bytes=64, chunk_bytes=32)
    before = datetime.now(UTC)
    await storage.write("small", b"x")
    await storage.write("large", bytes(100))

    heads = {d["_id"]: d for d in _raw(factory, "strands_storage", {})}
    chunks = _raw(factory, "strands_storage_chunks", {})
    for document in [heads["small"], heads["large"], *chunks]:
        expires = document["expires_at"].replace(tzinfo=UTC)
        assert before + timedelta(minutes=59) < expires < before + timedelta(minutes=61)
    assert heads["small"]["size"] == 1 and heads["small"]["namespace"] == ""
    assert "expires_at" not in _raw_without_ttl(make_storage, factory)


def _raw_without_ttl(
    make_storage: Callable[..., MongoDBStorage], factory: MongoDBSessionManagerFactory
) -> dict[str, Any]:
    plain = make_storage(collection_name="plain")
    plain.pool.run(_write(plain, "k", b"v"))
    document: dict[str, Any] = _raw(factory, "plain", {"_id": "k"})[0]
    return document


async def _write(storage: MongoDBStorage, key: str, data: bytes) -> None:
    await storage.write(key, data)


async def test_namespaces_are_isolated(make_storage: Callable[..., MongoDBStorage]) -> None:
    first = make_storage(namespace="app-one")
    second = make_storage(namespace="app-two")
    plain = make_storage()
    await first.write("shared/key", b"one")
    await second.write("shared/key", b"two")
    await plain.write("app-one/shared/key", b"plain")

    assert await first.read("shared/key") == b"one"
    assert await second.read("shared/key") == b"two"
    assert await first.list("") == ["shared/key"]
    assert await plain.list("") == ["app-one/shared/key"]
    await second.delete("shared/key")
    assert await first.read("shared/key") == b"one"
    assert await second.list("") == []


@pytest.mark.parametrize("namespace", ["", "a\\b", "a\0b"])
def test_bad_namespaces_are_refused(
    make_storage: Callable[..., MongoDBStorage], namespace: str
) -> None:
    with pytest.raises(StorageError):
        make_storage(namespace=namespace)


@pytest.mark.usefixtures("needs_command_monitoring")
async def test_one_round_trip_per_operation_on_a_small_value(storage: MongoDBStorage) -> None:
    await storage.write("warm/up", b"x")  # the indexes, once per process
    stats = storage.pool.command_stats

    for operation in (
        storage.write("s/a/latest.json", b"{}"),
        storage.read("s/a/latest.json"),
        storage.list("s/"),
        storage.read("s/missing"),
        storage.delete("s/a/latest.json"),
    ):
        with stats.capture() as log:
            await operation
        assert log.round_trips == 1, log.commands


@pytest.mark.usefixtures("needs_command_monitoring")
async def test_a_text_search_brings_the_values_in_one_round_trip(
    make_storage: Callable[..., MongoDBStorage], msm_backend: MongoBackend
) -> None:
    storage = make_storage(collection_name="texts", text_search=True)
    await storage.write("notes/ui.md", b"dark mode toggle")
    await storage.write("notes/tv.md", b"remote toggle")

    with storage.pool.command_stats.capture() as log:
        results = await storage.search("toggle")

    assert {r.key: r.data for r in results} == {
        "notes/ui.md": b"dark mode toggle",
        "notes/tv.md": b"remote toggle",
    }
    # The embedded server answers $text with the scores only: one more find for the values.
    assert log.round_trips == (2 if msm_backend.kind == "wire" else 1), log.commands


async def test_text_search_finds_only_values_kept_in_their_document(
    make_storage: Callable[..., MongoDBStorage], msm_backend: MongoBackend
) -> None:
    if msm_backend.kind == "mock":
        pytest.skip("mongomock has no $text: the keyword strategy reads (and finds) every value")
    storage = make_storage(
        collection_name="texts", text_search=True, inline_bytes=64, chunk_bytes=32
    )
    await storage.write("small.md", b"toggle")
    await storage.write("large.md", b"toggle " * 20)  # chunked: not in the text index

    results = await storage.search("toggle")

    assert [(r.key, r.data) for r in results] == [("small.md", b"toggle")]


@pytest.mark.parametrize(
    ("operation", "command"),
    [
        ("write", "findAndModify"),
        ("read", "find"),
        ("delete", "findAndModify"),
        ("list", "find"),
        ("search", "find"),
    ],
)
async def test_a_failing_operation_is_a_storage_error_naming_it(
    make_storage: Callable[..., MongoDBStorage],
    factory: MongoDBSessionManagerFactory,
    msm_backend: MongoBackend,
    operation: str,
    command: str,
) -> None:
    if msm_backend.uri is None:
        pytest.skip("needs a wire server (configureFailPoint)")
    storage = make_storage(collection_name="failing", text_search=True)
    await storage.write("notes/k.md", b"dark mode")  # the indexes, before the failure
    calls: dict[str, Callable[[], Awaitable[object]]] = {
        "write": lambda: storage.write("notes/k.md", b"new"),
        "read": lambda: storage.read("notes/k.md"),
        "delete": lambda: storage.delete("notes/k.md"),
        "list": lambda: storage.list("notes/"),
        "search": lambda: storage.search("dark"),
    }

    fail_next(factory.pool, command, namespace=f"{factory.settings.database_name}.failing")
    with pytest.raises(StorageError, match=operation) as raised:
        await calls[operation]()
    assert raised.value.__cause__ is not None  # the driver's error, chained
    assert await storage.read("notes/k.md") == b"dark mode"  # and it changed nothing


async def test_built_like_the_manager_it_shares_the_factorys_pool(
    factory: MongoDBSessionManagerFactory, msm_options: dict[str, Any]
) -> None:
    shared = MongoDBStorage.from_factory(factory, collection_name="shared")
    given = MongoDBStorage(database_name=shared.database_name, client=factory.pool)
    own = MongoDBStorage(**msm_options, collection_name="shared")
    assert shared.pool is factory.pool and given.pool is factory.pool
    await own.write("k", b"from its own pool")

    assert await shared.read("k") == b"from its own pool"  # the same database and collection
    for made in (shared, given, own):
        made.close()
    assert factory.repository.read_session("nobody") is None  # the factory's pool still works
