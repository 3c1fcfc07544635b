"""Strands' ``MemoryStore`` contract, one test per promise of its docstrings.

Each test runs on ``MongoDBMemoryStore`` (its default search chain, and its
keyword strategy, which runs everywhere) and, as a reference, on Strands'
``TestMemoryStore`` (in memory). ``MemoryManager`` is what calls a store, so the
promises it relies on are tested through it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from strands.memory import (
    MemoryAddOptions,
    MemoryEntry,
    MemoryManager,
    MemorySearchOptions,
    MemoryStore,
    MemoryStoreConfig,
)
from strands.memory.memory_manager import DEFAULT_MAX_SEARCH_RESULTS
from strands.memory.types import _has_method, _has_write_sink
from strands.vended_memory_stores.test_memory_store import TestMemoryStore

from mongodb_session_manager import MongoDBMemoryStore
from tests.memory.memory_support import memory_store

__all__ = ["memory_store"]

SUBJECTS = ("mongodb", "mongodb-keyword", "strands-test-store")


@dataclass
class Subject:
    """One kind of store under test and how to build one from a ``MemoryStoreConfig``."""

    name: str
    make: Callable[..., Any]


@pytest.fixture(params=SUBJECTS)
def subject(request: pytest.FixtureRequest) -> Iterator[Subject]:
    """Each store kind of :data:`SUBJECTS` (ours on the test database, the reference in memory)."""
    name: str = request.param
    if name.startswith("mongodb"):
        make: Callable[..., MongoDBMemoryStore] = request.getfixturevalue("memory_store")
        strategy = "keyword" if name == "mongodb-keyword" else "auto"

        def make_ours(**config: Any) -> MongoDBMemoryStore:
            return make(strategy=strategy, **config)

        yield Subject(name, make_ours)
    else:

        def make_reference(**config: Any) -> TestMemoryStore:
            return TestMemoryStore(persist=False, **config)

        yield Subject(name, make_reference)


@pytest.fixture
def store(subject: Subject) -> Any:
    """A writable store named ``notes`` with the default settings."""
    return subject.make(name="notes")


async def _add_all(store: Any, texts: list[str]) -> None:
    for text in texts:
        await store.add(text)


# ------------------------------------------------------------------ configuration


def test_the_config_fields_are_the_stores_attributes(subject: Subject) -> None:
    config = MemoryStoreConfig(
        name="prefs",
        description="User preferences",
        max_search_results=3,
        writable=False,
        extraction=False,
    )
    store = subject.make(**config)

    assert MemoryStore in type(store).__mro__
    assert {field: getattr(store, field) for field in config} == config
    plain = subject.make(name="plain")
    assert (plain.description, plain.max_search_results, plain.writable) == (None, None, True)
    assert not plain.extraction


def test_a_writable_store_has_a_write_sink_and_no_tools_of_its_own(store: Any) -> None:
    assert _has_write_sink(store) and _has_method(store, "add")
    assert store.get_tools() == []


@pytest.mark.parametrize("bad", [0, -1])
async def test_max_search_results_below_one_is_a_value_error(
    subject: Subject, store: Any, bad: int
) -> None:
    with pytest.raises(ValueError):
        subject.make(name="bad", max_search_results=bad)
    with pytest.raises(ValueError):
        await store.search("tea", {"max_search_results": bad})


async def test_initialize_succeeds_before_the_agent_runs_and_again(store: Any) -> None:
    assert await store.initialize() is None
    assert await store.initialize() is None


# ------------------------------------------------------------------ writes


async def test_added_content_is_found_with_its_metadata(store: Any) -> None:
    await store.add("User prefers dark mode", {"topic": "ui", "tags": ["a", "b"], "n": 1})

    [entry] = await store.search("dark mode")

    assert isinstance(entry, MemoryEntry)
    assert entry.content == "User prefers dark mode"
    assert entry.store_name is None  # MemoryManager sets it
    assert entry.metadata is not None
    assert {k: entry.metadata[k] for k in ("topic", "tags", "n")} == {
        "topic": "ui",
        "tags": ["a", "b"],
        "n": 1,
    }
    assert entry.metadata["_relevanceScore"] > 0
    json.dumps(entry.metadata)  # JSON-compatible, as the search_memory tool returns it


async def test_a_repeated_add_is_tolerated(store: Any) -> None:
    # Extraction writes are at-least-once: a retried write must not duplicate the entry.
    await store.add("User prefers dark mode", {"n": 1})
    await store.add("User prefers dark mode", {"n": 2})
    await store.add("  User prefers dark mode\n", {"n": 3})

    entries = await store.search("dark mode")

    assert [e.content.strip() for e in entries] == ["User prefers dark mode"]
    assert entries[0].metadata is not None and entries[0].metadata["n"] == 1


async def test_empty_content_is_a_value_error(store: Any) -> None:
    for content in ("", "   \n"):
        with pytest.raises(ValueError):
            await store.add(content)


async def test_metadata_that_is_not_json_is_refused_and_nothing_is_stored(store: Any) -> None:
    with pytest.raises((TypeError, ValueError)):
        await store.add("tea with a set", {"tags": {"a", "b"}})
    assert await store.search("tea set") == []


async def test_a_read_only_store_refuses_writes(subject: Subject) -> None:
    store = subject.make(name="ro", writable=False)

    with pytest.raises(ValueError, match="not writable"):
        await store.add("User likes tea")
    assert await store.search("tea") == []


# ------------------------------------------------------------------ search


async def test_search_orders_by_relevance_best_first(store: Any) -> None:
    await _add_all(
        store, ["tea is nice", "green tea with lemon", "coffee black", "tea lemon honey green"]
    )

    entries = await store.search("green tea lemon honey")

    assert [e.content for e in entries][:2] == ["tea lemon honey green", "green tea with lemon"]
    assert "coffee black" not in [e.content for e in entries]
    scores = [e.metadata["_relevanceScore"] for e in entries]
    assert scores == sorted(scores, reverse=True) and scores[0] > scores[-1]


async def test_max_search_results_caps_a_search(subject: Subject, store: Any) -> None:
    capped = subject.make(name="capped", max_search_results=4)
    for each in (store, capped):
        await _add_all(each, [f"tea fact number {i}" for i in range(15)])

    assert len(await store.search("tea", {"max_search_results": 2})) == 2
    assert len(await capped.search("tea")) == 4  # the store's default
    assert len(await capped.search("tea", {"max_search_results": 6})) == 6  # the caller's wins
    assert len(await store.search("tea")) == 10  # neither: 10, as Strands' stores


@pytest.mark.parametrize("query", ["", "   ", "?!", "zebra"])
async def test_an_empty_or_unrelated_query_finds_nothing(store: Any, query: str) -> None:
    await _add_all(store, ["tea is nice", "coffee black"])
    assert await store.search(query) == []
    assert await store.search(query, None) == []


# ------------------------------------------------------------------ through MemoryManager


async def test_the_manager_searches_it_with_its_limits_and_names_it(subject: Subject) -> None:
    store = subject.make(name="facts", description="Facts about the user")
    await _add_all(store, [f"tea fact number {i}" for i in range(8)])
    manager = MemoryManager(stores=[store], injection=False)

    default = await manager.search("tea")
    two = await manager.search("tea", MemorySearchOptions(max_search_results=2))

    assert len(default) == DEFAULT_MAX_SEARCH_RESULTS  # the manager's default for a store without
    assert len(two) == 2
    assert {e.store_name for e in default + two} == {"facts"}
    [search_tool] = manager.tools
    assert "facts: Facts about the user" in search_tool.tool_spec["description"]


async def test_the_manager_writes_through_add(subject: Subject) -> None:
    store = subject.make(name="facts")
    readonly = subject.make(name="archive", writable=False)
    manager = MemoryManager(stores=[store, readonly], add_tool_config=True, injection=False)

    await manager.add("User lives in Lisbon", MemoryAddOptions(metadata={"source": "chat"}))

    assert [tool.tool_name for tool in manager.tools] == ["search_memory", "add_memory"]
    [entry] = await manager.search("Lisbon")
    assert (entry.content, entry.store_name) == ("User lives in Lisbon", "facts")
    assert entry.metadata is not None and entry.metadata["source"] == "chat"
    with pytest.raises(ValueError, match="read-only"):
        await manager.add("x", MemoryAddOptions(stores=["archive"]))
