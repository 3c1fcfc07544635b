"""The inline twin (a sync caller's own thread) has every collection call the page and
chunk gateways make, so their writes and reads run there too."""

from __future__ import annotations

import os
from typing import Any

import pytest

from mongodb_session_manager import MongoDBSessionManagerFactory
from mongodb_session_manager.models.pages import BLOB_CHUNK_BYTES, PagePolicy, blobs_collection
from mongodb_session_manager.store.blobs import BlobStore
from mongodb_session_manager.store.gateway import CollectionGateway
from mongodb_session_manager.store.inline import InlineCollection
from mongodb_session_manager.testing import MongoBackend


def test_collection_calls_of_the_companions_run_inline(
    factory: MongoDBSessionManagerFactory, msm_backend: MongoBackend
) -> None:
    if msm_backend.uri is None:
        pytest.skip("mongomock is not thread-safe: its sync callers use the store loop, no twin")
    pool = factory.pool
    things = CollectionGateway(pool, factory.repository.database_name, "things")

    async def work() -> dict[str, Any]:
        collection = things.collection()
        assert isinstance(collection, InlineCollection)  # bound to the synchronous twin
        await collection.insert_many([{"_id": n, "n": n, "tag": "a"} for n in range(6)])
        await collection.replace_one({"_id": 9}, {"n": 9, "tag": "b"}, upsert=True)
        updated = await collection.update_many({"n": {"$gte": 4}}, {"$set": {"tag": "c"}})
        page = await collection.find({}, {"tag": 1}).sort("n", -1).skip(1).limit(3).to_list()
        first_two = await collection.find({}).sort("n", 1).to_list(2)
        streamed = [row["_id"] async for row in collection.find({"tag": "c"}).sort("n", 1)]
        deleted = await collection.delete_many({"tag": "a"})
        left = await collection.find({}).sort("n", 1).to_list(None)
        return {
            "updated": updated.modified_count,
            "page": page,
            "first_two": [row["_id"] for row in first_two],
            "streamed": streamed,
            "deleted": deleted.deleted_count,
            "left": [row["_id"] for row in left],
        }

    assert pool.run_here(work()) == {
        "updated": 3,  # 4, 5 and the upserted 9
        "page": [{"_id": 5, "tag": "c"}, {"_id": 4, "tag": "c"}, {"_id": 3, "tag": "a"}],
        "first_two": [0, 1],
        "streamed": [4, 5, 9],
        "deleted": 4,
        "left": [4, 5, 9],
    }


def test_a_big_value_is_written_and_read_back_inline(
    factory: MongoDBSessionManagerFactory,
) -> None:
    pool, repository = factory.pool, factory.repository
    blobs = BlobStore(pool, repository.database_name, blobs_collection(repository.collection_name))
    data = os.urandom(3 * BLOB_CHUNK_BYTES)
    original = {"message_id": 0, "role": "user", "content": [{"blob": data}]}
    message, [blob_id] = pool.run_here(
        blobs.externalise("s-1", original, PagePolicy(inline_message_bytes=65_536))
    )
    assert message["content"][0]["blob"] == b""
    assert pool.run_here(blobs.read_chunks("s-1", blob_id, 2, 4)) == [data[2 * BLOB_CHUNK_BYTES :]]
    pool.run_here(blobs.resolve("s-1", [message]))
    assert message == original
    assert pool.run_here(blobs.delete_for(["s-1"])) == 3
