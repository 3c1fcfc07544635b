"""Strands' ``Storage`` protocol, one test per promise of its docstrings.

Each test runs on ``MongoDBStorage`` (plain and with ``text_search``) and, as a
reference, on Strands' ``InMemoryStorage`` and ``LocalFileStorage``: a promise
the shipped backends break is marked (``differs``) with the reason, and so is
one ours departs from on purpose.
"""

from __future__ import annotations

import builtins
import os
from typing import Any

import pytest
from strands.storage import Storage
from strands.storage.storage import (
    _EPHEMERAL,
    _NAMESPACED,
    StorageSearchResult,
    _NamespacedStorage,
    _normalize_key,
    _normalize_prefix,
    _resolve_namespace,
)
from strands.types.exceptions import StorageError

from mongodb_session_manager.storage.keys import normalize_key, normalize_prefix
from tests.storage.conformance_subjects import Subject, differs, storage, subject
from tests.storage.storage_fixtures import make_storage

__all__ = ["make_storage", "storage", "subject"]

_LONG_SEGMENT = "k" * 300  # a file name is at most 255 bytes
_LONG_PATH = "/".join(["p" * 200] * 30)  # 6,029 characters: past PATH_MAX (4,096)
HOSTILE_KEYS = [
    "plain",
    "a/b/c.json",
    "//a///b//",
    "/lead",
    "trail/",
    ".",
    "./a",
    "a/./b",
    "...",
    "..a/b..",
    ".hidden",
    "$",
    "$where/$gt",
    "a.b.c",
    "a\x00b",
    "tab\tnew\nline",
    " spaced key ",
    "日本語/キー",
    "emoji/😀",
    "é/e\u0301",
    "(?i)A.*[z]+|^$\\d",
    "^x$",
    "{}/%2F/?#&=",
    _LONG_SEGMENT,
    _LONG_PATH,
    "",
    "/",
    "///",
    "a\\b",
    "..",
    "a/../b",
    "a/..",
    "../a",
]
"""Keys that stress a key-value store: Strands' rules decide which are valid and how they read."""
HOSTILE_PREFIXES = ["", "/", "a", "a/", "//a//", "a.", "$", "(?i)", "日本", "a\\", "../x", "a/../"]


def _strands(normalize: Any, value: str) -> str | type[StorageError]:
    try:
        result: str = normalize(value)
    except StorageError:
        return StorageError
    return result


def _local_file_limit(key: str) -> str | None:
    """Why ``LocalFileStorage`` cannot keep ``key`` as a key-value store would, if it cannot."""
    if "\x00" in key:
        return "a file name cannot contain NUL"
    if key == ".":
        return "'.' is the base directory itself"
    if "/./" in f"/{key}/":
        return "a '.' segment is the directory itself: the key lists without it"
    if key.startswith(".__strands_"):
        return "its own temporary files' prefix is hidden"
    if any(len(part.encode()) > 255 for part in key.split("/")):
        return "a file name is at most 255 bytes"
    if len(key) > 4000:
        return "a path is at most 4,096 bytes"
    return None


# ------------------------------------------------------------------ shape


def test_it_is_a_strands_storage(storage: Any) -> None:
    assert isinstance(storage, Storage)


def test_only_the_in_memory_backend_is_marked_ephemeral(subject: Subject, storage: Any) -> None:
    # Strands' stash and session manager tell ephemeral backends by this mark; views keep it.
    expected = subject.name == "in-memory"
    for view in (storage, storage.namespace("v"), _NamespacedStorage(storage, "w")):
        assert (getattr(view, "_ephemeral", None) is _EPHEMERAL) is expected


# ------------------------------------------------------------------ write / read / delete


@pytest.mark.parametrize(
    "value",
    [
        b"",
        b"hello",
        bytes(range(256)) * 3,
        b"\x00\xff\x00",
        b"\xff\xfe\x80 not utf-8 \xc3\x28",
        "héllo wörld ✓".encode(),
        os.urandom(1024 * 1024),
    ],
    ids=["empty", "ascii", "all-bytes", "nuls", "not-utf8", "utf8", "1mib-random"],
)
async def test_the_same_bytes_come_back(storage: Any, value: bytes) -> None:
    await storage.write("a/b.bin", value)

    got = await storage.read("a/b.bin")

    assert got == value
    assert type(got) is bytes


async def test_a_mutable_buffer_is_stored_as_it_was_when_written(storage: Any) -> None:
    buffer = bytearray(b"before")
    await storage.write("buffer", buffer)
    buffer[:] = b"AFTER!"

    assert await storage.read("buffer") == b"before"


async def test_a_write_overwrites(storage: Any) -> None:
    await storage.write("k", b"one, the longer value")
    await storage.write("k", b"two")
    assert await storage.read("k") == b"two"
    await storage.write("k", b"")
    assert await storage.read("k") == b""
    assert await storage.list("") == ["k"]


async def test_a_missing_key_reads_none(storage: Any) -> None:
    assert await storage.read("nothing/here") is None
    await storage.write("other", b"x")
    assert await storage.read("nothing/here") is None


async def test_delete_removes_and_is_a_no_op_when_missing(storage: Any) -> None:
    await storage.write("a", b"1")
    await storage.write("b", b"2")
    await storage.delete("a")
    await storage.delete("a")
    await storage.delete("never/was")

    assert await storage.read("a") is None
    assert await storage.list("") == ["b"]


async def test_a_key_and_the_keys_below_it_are_independent(
    request: pytest.FixtureRequest, subject: Subject, storage: Any
) -> None:
    differs(request, subject, local_file="a key is a file, so it cannot also be a directory")
    await storage.write("s/abc/latest.json", b"child")

    assert await storage.read("s/abc") is None
    await storage.delete("s/abc")
    await storage.write("s/abc", b"parent")
    assert await storage.read("s/abc") == b"parent"
    assert await storage.list("s/") == ["s/abc", "s/abc/latest.json"]


# ------------------------------------------------------------------ list


async def test_list_gives_full_keys_sorted_lexicographically(storage: Any) -> None:
    keys = ["s/b/2", "s/a/1", "s/a/10", "t/x", "s/ab", "sa", "S/upper", "s/é", "s/z", "s/😀"]
    for key in keys:
        await storage.write(key, b"v")

    assert await storage.list("") == sorted(keys)
    assert await storage.list("s/") == sorted(k for k in keys if k.startswith("s/"))
    assert await storage.list("s/a/") == ["s/a/1", "s/a/10"]
    assert await storage.list("nope") == []


async def test_an_empty_prefix_lists_every_key(storage: Any) -> None:
    assert await storage.list("") == []
    for key in ("b", "a/x", "c/d/e"):
        await storage.write(key, b"v")
    assert await storage.list("") == ["a/x", "b", "c/d/e"]
    assert await storage.list() == ["a/x", "b", "c/d/e"]  # every shipped backend's default


async def test_a_trailing_slash_is_significant(storage: Any) -> None:
    for key in ("s/a/1", "s/ab", "s/a.md"):
        await storage.write(key, b"v")

    assert await storage.list("s/a") == ["s/a.md", "s/a/1", "s/ab"]
    assert await storage.list("s/a/") == ["s/a/1"]


@pytest.mark.parametrize("prefix", HOSTILE_PREFIXES)
async def test_prefixes_are_normalised_like_strands_and_match_literally(
    storage: Any, prefix: str
) -> None:
    keys = ["a/1", "a.b/1", "axb", "$x", "(?i)x", "(?I)y", "日本/語", "日x", "b/a/1"]
    for key in keys:
        await storage.write(key, b"v")
    expected = _strands(_normalize_prefix, prefix)

    assert _strands(normalize_prefix, prefix) == expected
    if expected is StorageError:
        with pytest.raises(StorageError):
            await storage.list(prefix)
    else:
        assert isinstance(expected, str)
        assert await storage.list(prefix) == sorted(k for k in keys if k.startswith(expected))


# ------------------------------------------------------------------ keys


@pytest.mark.parametrize("key", HOSTILE_KEYS, ids=repr)
def test_our_key_rules_are_strands_rules(key: str) -> None:
    assert _strands(normalize_key, key) == _strands(_normalize_key, key)
    assert _strands(normalize_prefix, key) == _strands(_normalize_prefix, key)


@pytest.mark.parametrize("key", HOSTILE_KEYS, ids=lambda key: repr(key)[:40])
async def test_hostile_keys_behave_as_strands_normalises_them(
    request: pytest.FixtureRequest, subject: Subject, storage: Any, key: str
) -> None:
    expected = _strands(_normalize_key, key)
    if expected is StorageError:
        for call in (storage.write(key, b"x"), storage.read(key), storage.delete(key)):
            with pytest.raises(StorageError):
                await call
        return
    assert isinstance(expected, str)
    differs(request, subject, local_file=_local_file_limit(expected))
    await storage.write(key, b"value")

    assert await storage.read(key) == b"value"
    assert await storage.read(expected) == b"value"
    assert await storage.list("") == [expected]
    await storage.delete(key)
    assert await storage.read(expected) is None
    assert await storage.list("") == []


# ------------------------------------------------------------------ search


async def _notes(storage: Any) -> dict[str, bytes]:
    notes = {
        "notes/ui.md": b"dark mode toggle in the settings",
        "notes/other.md": b"the mode of transport",
        "notes/none.md": b"nothing relevant at all",
        "notes/both.md": b"a dark mode for the editor",
    }
    for key, value in notes.items():
        await storage.write(key, value)
    return notes


async def test_search_ranks_best_first_higher_score_more_relevant(storage: Any) -> None:
    await _notes(storage)

    results = await storage.search("dark mode toggle")

    assert all(isinstance(r, StorageSearchResult) for r in results)
    assert [r.key for r in results][:2] == ["notes/ui.md", "notes/both.md"]
    assert "notes/none.md" not in [r.key for r in results]
    scores = [r.score for r in results]
    assert scores == sorted(scores, reverse=True) and scores[0] > scores[-1]


async def test_search_results_carry_the_stored_bytes(storage: Any) -> None:
    notes = await _notes(storage)

    results = await storage.search("dark mode")

    assert results
    assert {r.key: r.data for r in results} == {r.key: notes[r.key] for r in results}


async def test_search_finds_nothing_unrelated_nor_deleted(storage: Any) -> None:
    await _notes(storage)
    await storage.delete("notes/ui.md")

    assert await storage.search("zebra crossing") == []
    assert "notes/ui.md" not in [r.key for r in await storage.search("toggle settings")]


class _RecordingStrategy:
    """A Strands ``SearchStrategy`` that records what it is given."""

    requires_host_fs = False

    def __init__(self, fail: bool = False) -> None:
        self.indexed: builtins.list[tuple[Any, str, bytes]] = []
        self.fail = fail

    async def index(self, storage: Any, key: str, data: bytes, **kwargs: Any) -> None:
        if self.fail:
            raise RuntimeError("index down")
        self.indexed.append((storage, key, data))

    async def search(
        self, storage: Any, query: str, **kwargs: Any
    ) -> builtins.list[StorageSearchResult]:
        return [StorageSearchResult(key=f"answer-to/{query}", score=1.0)]


async def test_a_search_strategy_indexes_writes_and_answers_searches(subject: Subject) -> None:
    strategy = _RecordingStrategy()
    storage = subject.make(search_strategy=strategy)
    view = storage.namespace("ns")

    await storage.write("//a//b", b"1")
    await view.write("c", b"2")

    assert [(key, data) for _, key, data in strategy.indexed] == [("a/b", b"1"), ("c", b"2")]
    assert strategy.indexed[0][0] is storage and strategy.indexed[1][0] is not storage
    assert await storage.search("q") == [StorageSearchResult(key="answer-to/q", score=1.0)]


async def test_a_failed_indexing_is_a_storage_error_after_the_write(subject: Subject) -> None:
    storage = subject.make(search_strategy=_RecordingStrategy(fail=True))

    with pytest.raises(StorageError, match="indexing failed"):
        await storage.write("k", b"kept")
    assert await storage.read("k") == b"kept"


# ------------------------------------------------------------------ namespaced views


async def test_a_view_prefixes_its_keys_and_strips_them_when_listing(storage: Any) -> None:
    view = storage.namespace("session")
    await view.write("s1/latest.json", b"x")
    await storage.write("session/s2/latest.json", b"y")
    await storage.write("sessions/s3", b"z")

    assert await storage.list("") == [
        "session/s1/latest.json",
        "session/s2/latest.json",
        "sessions/s3",
    ]
    assert await view.list("") == ["s1/latest.json", "s2/latest.json"]
    assert await view.list("s1/") == ["s1/latest.json"]
    assert await view.read("s2/latest.json") == b"y"
    await view.delete("s2/latest.json")
    assert await storage.read("session/s2/latest.json") is None


async def test_views_nest_and_normalise_their_prefix(storage: Any) -> None:
    nested = storage.namespace("//session//").namespace("/s1/")
    await nested.write("latest.json", b"x")

    assert await storage.list("") == ["session/s1/latest.json"]
    assert await storage.namespace("session/s1").read("latest.json") == b"x"
    assert await storage.namespace("").list("") == ["session/s1/latest.json"]
    with pytest.raises(StorageError):
        storage.namespace("a/../b")


async def test_a_view_is_marked_so_strands_adds_no_prefix_of_its_own(storage: Any) -> None:
    view = storage.namespace("mine")
    assert getattr(view, "_namespaced", None) is _NAMESPACED
    assert _resolve_namespace(view, "strands-default") is view

    scoped = _resolve_namespace(storage, "snapshots")
    await scoped.write("k", b"v")
    assert await storage.list("") == ["snapshots/k"]


async def test_a_view_searches_only_its_keys(storage: Any) -> None:
    await storage.write("projects/a/notes.md", b"dark mode")
    await storage.write("projects/b/notes.md", b"light theme")
    await storage.write("elsewhere/notes.md", b"dark matter")

    results = await storage.namespace("projects").search("dark")

    assert [(r.key, r.data) for r in results] == [("a/notes.md", b"dark mode")]


async def test_a_view_scores_its_keys_without_its_prefix(
    request: pytest.FixtureRequest, subject: Subject, storage: Any
) -> None:
    text_index = subject.name == "mongodb-text" and storage.store.backend.text_search
    differs(
        request,
        subject,
        mongodb_text="the text index holds the words of the full key, the view's prefix included"
        if text_index
        else None,  # no $text on this server (mongomock): Strands' keyword strategy answers
    )
    await storage.write("projects/a/notes.md", b"dark mode")

    assert await storage.namespace("projects").search("projects") == []


async def test_the_generic_strands_wrapper_works_over_it(storage: Any) -> None:
    wrapped = _NamespacedStorage(storage, "w")
    await wrapped.write("one.md", b"dark mode")
    await storage.write("other.md", b"dark mode")

    assert await wrapped.list() == ["one.md"]
    assert await wrapped.read("one.md") == b"dark mode"
    assert [r.key for r in await wrapped.search("dark mode")] == ["one.md"]


def test_a_view_is_not_rebound_to_an_agents_sandbox(
    request: pytest.FixtureRequest, subject: Subject, storage: Any
) -> None:
    differs(request, subject, local_file="it routes its file I/O through the agent's sandbox")
    wrapped = _NamespacedStorage(storage, "w")
    assert not hasattr(storage, "for_sandbox")
    assert wrapped.for_sandbox(object()) is wrapped
