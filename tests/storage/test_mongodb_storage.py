"""``MongoDBStorage`` against Strands' ``Storage`` protocol, written from its docstrings."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from strands.storage import Storage
from strands.storage.storage import StorageSearchResult
from strands.types.exceptions import StorageError

from mongodb_session_manager import MongoDBSessionManagerFactory, MongoDBStorage
from tests.storage.storage_fixtures import make_storage, storage

__all__ = ["make_storage", "storage"]


def _raw(factory: MongoDBSessionManagerFactory, collection: str, filter: dict[str, Any]) -> Any:
    async def find() -> Any:
        database = factory.pool.client()[factory.settings.database_name]
        return await database[collection].find(filter).to_list(None)

    return factory.pool.run(find())


def test_it_is_a_strands_storage(storage: MongoDBStorage) -> None:
    assert isinstance(storage, Storage)


@pytest.mark.parametrize(
    "value",
    [b"", b"hello", bytes(range(256)) * 3, b"\x00\xff\x00", "héllo wörld ✓".encode()],
    ids=["empty", "ascii", "all-bytes", "nuls", "utf8"],
)
async def test_the_same_bytes_come_back(storage: MongoDBStorage, value: bytes) -> None:
    await storage.write("a/b.bin", value)

    got = await storage.read("a/b.bin")

    assert got == value
    assert isinstance(got, bytes)


async def test_a_write_overwrites_and_a_missing_key_reads_none(storage: MongoDBStorage) -> None:
    assert await storage.read("nothing/here") is None
    await storage.write("k", b"one")
    await storage.write("k", b"two")
    assert await storage.read("k") == b"two"


async def test_keys_follow_the_shipped_backends_rules(storage: MongoDBStorage) -> None:
    await storage.write("//sessions///abc//state.json/", b"x")

    assert await storage.read("sessions/abc/state.json") == b"x"
    assert await storage.list("") == ["sessions/abc/state.json"]


@pytest.mark.parametrize("key", ["", "/", "///", "a\\b", "..", "a/../b", "a/.."])
async def test_bad_keys_raise_storage_error(storage: MongoDBStorage, key: str) -> None:
    for call in (storage.write(key, b"x"), storage.read(key), storage.delete(key)):
        with pytest.raises(StorageError):
            await call


@pytest.mark.parametrize("prefix", ["a\\", "../x", "a/../"])
async def test_bad_prefixes_raise_storage_error(storage: MongoDBStorage, prefix: str) -> None:
    with pytest.raises(StorageError):
        await storage.list(prefix)


async def test_delete_removes_and_is_a_no_op_when_missing(storage: MongoDBStorage) -> None:
    await storage.write("a", b"1")
    await storage.delete("a")
    await storage.delete("a")
    await storage.delete("never/was")
    assert await storage.read("a") is None
    assert await storage.list("") == []


async def test_list_gives_full_keys_sorted_by_prefix(storage: MongoDBStorage) -> None:
    keys = ["s/b/2", "s/a/1", "s/a/10", "t/x", "s/ab", "sa"]
    for key in keys:
        await storage.write(key, b"v")

    assert await storage.list("") == sorted(keys)
    assert await storage.list("s/") == ["s/a/1", "s/a/10", "s/ab", "s/b/2"]
    assert await storage.list("s/a/") == ["s/a/1", "s/a/10"]
    assert await storage.list("s/a") == ["s/a/1", "s/a/10", "s/ab"]
    assert await storage.list("//s//b") == ["s/b/2"]
    assert await storage.list("nope") == []


async def test_prefixes_with_regex_characters_and_unicode_match_literally(
    storage: MongoDBStorage,
) -> None:
    keys = ["a.b/1", "axb/1", "a+b/1", "aab/1", "(x)/1", "x/1", "[z]*/1", "z/1", "日本/語", "日x/1"]
    for key in keys:
        await storage.write(key, b"v")

    assert await storage.list("a.b") == ["a.b/1"]
    assert await storage.list("a+b") == ["a+b/1"]
    assert await storage.list("(x)") == ["(x)/1"]
    assert await storage.list("[z]*") == ["[z]*/1"]
    assert await storage.list("日本") == ["日本/語"]
    assert await storage.list(".*") == []


async def test_keyword_search_ranks_best_first(storage: MongoDBStorage) -> None:
    await storage.write("notes/ui.md", b"dark mode toggle in settings")
    await storage.write("notes/other.md", b"the mode of transport")
    await storage.write("notes/none.md", b"nothing relevant")

    results = await storage.search("dark mode toggle")

    assert [r.key for r in results] == ["notes/ui.md", "notes/other.md"]
    assert results[0].score > results[1].score
    assert results[0].data == b"dark mode toggle in settings"
    assert await storage.search("the of") == []


async def test_text_index_search(make_storage: Callable[..., MongoDBStorage]) -> None:
    storage = make_storage(collection_name="texts", text_search=True)
    await storage.write("notes/ui.md", b"dark mode toggle in settings")
    await storage.write("notes/other.md", b"the mode of transport")
    await storage.write("notes/none.md", b"nothing relevant")

    results = await storage.search("dark toggle")

    assert results and results[0].key == "notes/ui.md"
    assert all(isinstance(r, StorageSearchResult) for r in results)
    assert "notes/none.md" not in [r.key for r in results]
    # The value comes with the match where the server projects it (the embedded one does not).
    assert results[0].data in (None, b"dark mode toggle in settings")


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


async def test_a_namespace_view_scopes_keys(storage: MongoDBStorage) -> None:
    view = storage.namespace("session").namespace("/s1/")
    await view.write("latest.json", b"x")
    await storage.write("session/s2/latest.json", b"y")

    assert await storage.list("") == ["session/s1/latest.json", "session/s2/latest.json"]
    assert await view.list("") == ["latest.json"]
    assert await view.read("latest.json") == b"x"
    assert [r.key for r in await view.search("latest")] == ["latest.json"]


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
async def test_a_text_search_is_one_round_trip(
    make_storage: Callable[..., MongoDBStorage],
) -> None:
    storage = make_storage(collection_name="texts", text_search=True)
    await storage.write("notes/ui.md", b"dark mode toggle")

    with storage.pool.command_stats.capture() as log:
        results = await storage.search("toggle")

    assert [r.key for r in results] == ["notes/ui.md"]
    assert log.round_trips == 1, log.commands


async def test_text_search_in_a_namespace_view_sees_only_its_keys(
    make_storage: Callable[..., MongoDBStorage],
) -> None:
    storage = make_storage(collection_name="texts", text_search=True)
    await storage.write("a/one.md", b"dark mode")
    await storage.write("b/two.md", b"dark theme")

    results = await storage.namespace("a").search("dark")

    assert [r.key for r in results] == ["one.md"]


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
