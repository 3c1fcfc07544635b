"""Values too big for a message (a 20 MB image, document or tool result) round-trip through
the chunk collection byte for byte, with the round trips the budget allows."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import bson
import pytest
from bson import Binary
from pymongo.errors import OperationFailure

from mongodb_session_manager import InvalidInputError, MongoDBSessionManagerFactory
from mongodb_session_manager.errors import StoredDataError
from mongodb_session_manager.models.pages import (
    BLOB_CHUNK_BYTES,
    BlobRef,
    PagePolicy,
    blobs_collection,
    pages_collection,
)
from mongodb_session_manager.store.blobs import BlobStore
from mongodb_session_manager.store.indexes import ensure_companion_indexes
from mongodb_session_manager.testing import MongoBackend
from tests.helpers.fail_points import fail_next

T = TypeVar("T")
POLICY = PagePolicy()
SMALL = PagePolicy(inline_message_bytes=65_536)
MB20 = 20 * 1000 * 1000


@pytest.fixture
def blobs(factory: MongoDBSessionManagerFactory) -> BlobStore:
    repository = factory.repository
    return BlobStore(
        factory.pool, repository.database_name, blobs_collection(repository.collection_name)
    )


@pytest.fixture
def run(factory: MongoDBSessionManagerFactory) -> Callable[[Coroutine[Any, Any, T]], T]:
    return factory.pool.run


def _image(data: bytes) -> dict[str, Any]:
    block = {"image": {"format": "png", "source": {"bytes": data}}}
    return {"message_id": 3, "role": "user", "content": [{"text": "look"}, block]}


def _document(data: bytes) -> dict[str, Any]:
    block = {"document": {"format": "pdf", "name": "report", "source": {"bytes": data}}}
    return {"message_id": 4, "role": "user", "content": [block]}


def _tool_result(data: bytes) -> dict[str, Any]:
    text = data.hex()[:MB20] + "é✓" * 1000  # not only ASCII: stored as UTF-8
    result = {"toolUseId": "t-1", "status": "success", "content": [{"text": text}]}
    return {"message_id": 5, "role": "user", "content": [{"toolResult": result}]}


def _stored(message: dict[str, Any]) -> dict[str, Any]:
    """The message as a read gets it back (through BSON)."""
    return bson.decode(bson.encode(message))


def _digest(message: dict[str, Any]) -> str:
    return hashlib.sha256(bson.encode(message)).hexdigest()


@pytest.mark.parametrize(
    ("build", "path", "kind"),
    [
        (_image, ["content", 1, "image", "source", "bytes"], "bytes"),
        (_document, ["content", 0, "document", "source", "bytes"], "bytes"),
        (_tool_result, ["content", 0, "toolResult", "content", 0, "text"], "text"),
    ],
)
@pytest.mark.usefixtures("needs_command_monitoring")
def test_a_20_mb_value_round_trips_byte_for_byte(
    blobs: BlobStore,
    run: Callable[[Coroutine[Any, Any, Any]], Any],
    factory: MongoDBSessionManagerFactory,
    build: Callable[[bytes], dict[str, Any]],
    path: list[str | int],
    kind: str,
) -> None:
    original = build(os.urandom(MB20))
    before = _digest(original)
    with factory.pool.command_stats.capture() as written:
        message, blob_ids = run(blobs.externalise("s-1", original, POLICY))
    assert written.commands == ["insert"]  # every chunk in one insert_many
    assert _digest(original) == before  # the caller's message is untouched
    assert len(bson.encode(message)) < POLICY.inline_message_bytes
    [ref] = [BlobRef.model_validate(raw) for raw in message["blobs"]]
    assert ref.path == path and ref.kind == kind and [ref.blob_id] == blob_ids
    assert ref.chunks == -(-ref.size // BLOB_CHUNK_BYTES) >= 19
    stored = _stored(message)
    with factory.pool.command_stats.capture() as read:
        run(blobs.resolve("s-1", [stored]))
    assert read.commands[0] == "find" and set(read.commands[1:]) <= {"getMore"}
    assert _digest(stored) == before
    assert "blobs" not in stored


@pytest.mark.usefixtures("needs_command_monitoring")
def test_a_message_under_the_limit_costs_no_command(
    blobs: BlobStore,
    run: Callable[[Coroutine[Any, Any, Any]], Any],
    factory: MongoDBSessionManagerFactory,
) -> None:
    small = _image(b"x" * 100_000)
    with factory.pool.command_stats.capture() as log:
        same, ids = run(blobs.externalise("s-1", small, POLICY))
        run(blobs.resolve("s-1", [small, {"message_id": 1, "role": "user", "content": []}]))
    assert same is small and ids == []
    assert log.commands == []


def test_only_the_largest_values_move_and_only_as_many_as_needed(
    blobs: BlobStore, run: Callable[[Coroutine[Any, Any, Any]], Any]
) -> None:
    content = [{"text": "a" * 3_000_000}, {"text": "b" * 2_500_000}, {"text": "c" * 100_000}]
    original = {"message_id": 0, "role": "assistant", "content": content}
    message, _ = run(blobs.externalise("s-1", original, POLICY))
    assert [ref["path"] for ref in message["blobs"]] == [["content", 0, "text"]]
    assert message["content"][0]["text"] == "" and message["content"][1] == content[1]
    stored = _stored(message)
    run(blobs.resolve("s-1", [stored]))
    assert stored == original


def test_a_binary_subtype_survives(
    blobs: BlobStore, run: Callable[[Coroutine[Any, Any, Any]], Any]
) -> None:
    value = Binary(os.urandom(200_000), 0x80)
    original = {"message_id": 2, "role": "user", "content": [{"blob": value}]}
    message, _ = run(blobs.externalise("s-1", original, SMALL))
    stored = _stored(message)
    run(blobs.resolve("s-1", [stored]))
    restored = stored["content"][0]["blob"]
    assert isinstance(restored, Binary) and restored.subtype == 0x80 and restored == value


@pytest.mark.usefixtures("needs_command_monitoring")
def test_a_message_of_many_small_values_is_refused_and_nothing_is_written(
    blobs: BlobStore,
    run: Callable[[Coroutine[Any, Any, Any]], Any],
    factory: MongoDBSessionManagerFactory,
) -> None:
    many = {"message_id": 7, "role": "user", "content": [{"text": "x" * 100}] * 2000}
    with (
        factory.pool.command_stats.capture() as log,
        pytest.raises(InvalidInputError, match="message 7 of session 's-1' cannot be stored"),
    ):
        run(blobs.externalise("s-1", many, SMALL))
    assert log.commands == []


def _tamper(factory: MongoDBSessionManagerFactory, blob_id: str, change: dict[str, Any]) -> None:
    repository = factory.repository
    chunks = blobs_collection(repository.collection_name)

    async def write() -> None:
        collection = factory.pool.client()[repository.database_name][chunks]
        if change:
            await collection.update_one({"blob_id": blob_id, "n": 1}, change)
        else:
            await collection.delete_one({"blob_id": blob_id, "n": 1})

    factory.pool.run(write())


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"$set": {"data": b"y" * BLOB_CHUNK_BYTES}}, "SHA-256 differs"),
        ({"$set": {"data": b"short"}}, "bytes, the message recorded"),
        ({}, "chunks were found"),
    ],
)
def test_an_altered_or_missing_chunk_is_a_typed_error(
    blobs: BlobStore,
    run: Callable[[Coroutine[Any, Any, Any]], Any],
    factory: MongoDBSessionManagerFactory,
    change: dict[str, Any],
    problem: str,
) -> None:
    message, [blob_id] = run(
        blobs.externalise("s-1", _image(os.urandom(3 * BLOB_CHUNK_BYTES)), SMALL)
    )
    _tamper(factory, blob_id, change)
    with pytest.raises(StoredDataError, match=problem) as caught:
        run(blobs.resolve("s-1", [_stored(message)]))
    error = caught.value
    assert (error.session_id, error.message_id, error.blob_id) == ("s-1", 3, blob_id)


def test_a_session_cannot_read_another_sessions_value_and_delete_for_is_per_session(
    blobs: BlobStore, run: Callable[[Coroutine[Any, Any, Any]], Any]
) -> None:
    data = os.urandom(2 * BLOB_CHUNK_BYTES + 5)
    policy = SMALL
    mine, [my_blob] = run(blobs.externalise("s-a", _image(data), policy))
    theirs, _ = run(blobs.externalise("s-b", _image(data), policy))
    assert run(blobs.read_chunks("s-a", my_blob, 0, 4)) == [
        data[:BLOB_CHUNK_BYTES],
        data[BLOB_CHUNK_BYTES : 2 * BLOB_CHUNK_BYTES],
        data[2 * BLOB_CHUNK_BYTES :],
    ]
    assert run(blobs.read_chunks("s-a", my_blob, 2, 4)) == [data[2 * BLOB_CHUNK_BYTES :]]
    assert run(blobs.read_chunks("s-b", my_blob, 0, 4)) == []  # the query names the session
    assert run(blobs.delete_for(["s-a"])) == 3
    with pytest.raises(StoredDataError, match="0 of its 3 chunks"):
        run(blobs.resolve("s-a", [_stored(mine)]))
    stored = _stored(theirs)
    run(blobs.resolve("s-b", [stored]))
    assert stored["content"][1]["image"]["source"]["bytes"] == data
    assert run(blobs.delete_for([])) == 0


def test_delete_blobs_removes_one_appends_values_only(
    blobs: BlobStore, run: Callable[[Coroutine[Any, Any, Any]], Any]
) -> None:
    policy = SMALL
    _, [kept] = run(blobs.externalise("s-1", _image(os.urandom(100_000)), policy))
    _, [failed] = run(blobs.externalise("s-1", _image(os.urandom(100_000)), policy))
    assert run(blobs.delete_blobs("s-1", [failed])) == 1
    assert run(blobs.read_chunks("s-1", failed, 0, 4)) == []
    assert len(run(blobs.read_chunks("s-1", kept, 0, 4))) == 1


@pytest.mark.usefixtures("needs_command_monitoring")
def test_companion_indexes_are_created_once_per_process(
    factory: MongoDBSessionManagerFactory,
) -> None:
    pool, repository = factory.pool, factory.repository
    database, name = repository.database_name, "companions_of_nothing_yet"
    assert pool.run(ensure_companion_indexes(pool, database, name)) is True
    with pool.command_stats.capture() as log:
        assert pool.run(ensure_companion_indexes(pool, database, name)) is False
    assert log.commands == []

    async def names(collection: str) -> set[str]:
        return set(await pool.client()[database][collection].index_information())

    assert {"page_window", "expires_at_ttl"} <= pool.run(names(pages_collection(name)))
    assert {"blob_chunks", "expires_at_ttl"} <= pool.run(names(blobs_collection(name)))


def test_a_failed_chunk_insert_raises_and_leaves_no_chunk(
    blobs: BlobStore,
    run: Callable[[Coroutine[Any, Any, Any]], Any],
    factory: MongoDBSessionManagerFactory,
    msm_backend: MongoBackend,
) -> None:
    if msm_backend.uri is None:
        pytest.skip("needs a wire server (configureFailPoint)")
    namespace = f"{blobs.database_name}.{blobs.collection_name}"

    fail_next(factory.pool, "insert", namespace=namespace)
    with factory.pool.command_stats.capture() as log, pytest.raises(OperationFailure):
        run(blobs.externalise("s-1", _image(os.urandom(200_000)), SMALL))
    assert log.commands == ["insert", "delete"]  # the best-effort cleanup ran
    assert run(blobs.count({"session_id": "s-1"})) == 0


def test_a_malformed_reference_is_a_typed_error(
    blobs: BlobStore, run: Callable[[Coroutine[Any, Any, Any]], Any]
) -> None:
    message = {"message_id": 9, "role": "user", "content": [], "blobs": [{"blob_id": "b1"}]}
    with pytest.raises(StoredDataError, match="reference is malformed") as caught:
        run(blobs.resolve("s-1", [message]))
    assert (caught.value.message_id, caught.value.blob_id) == (9, "b1")


def test_values_inside_tuples_move_too(
    blobs: BlobStore, run: Callable[[Coroutine[Any, Any, Any]], Any]
) -> None:
    data = os.urandom(100_000)
    original = {"message_id": 1, "role": "user", "content": ({"blob": data},)}
    message, [_] = run(blobs.externalise("s-1", original, SMALL))
    assert message["content"] == [{"blob": b""}]
    stored = _stored(message)
    run(blobs.resolve("s-1", [stored]))
    assert stored["content"] == [{"blob": data}]
