"""The benchmark's do-nothing wire server answers what raw PyMongo sends, sync and async.

The hot-path case compares our manager with raw ``update_one`` calls against it;
if the server misread a request (a document sequence, the legacy handshake), the
driver would fail or report other counts here.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pymongo import AsyncMongoClient, InsertOne, MongoClient, UpdateOne

from benchmarks.servers import Helper, null_server

OPTIONS: dict[str, Any] = {"serverSelectionTimeoutMS": 10_000, "connectTimeoutMS": 10_000}


@pytest.fixture(scope="module")
def null_uri() -> Iterator[str]:
    with null_server() as helper:
        yield helper.address


def test_the_uri_is_a_direct_connection_to_loopback(null_uri: str) -> None:
    assert null_uri.startswith("mongodb://127.0.0.1:")
    assert null_uri.endswith("/?directConnection=true")


def test_sync_insert_update_find_and_the_handshake(null_uri: str) -> None:
    with MongoClient[dict[str, Any]](null_uri, **OPTIONS) as client:
        hello = client.admin.command("hello")
        assert hello["isWritablePrimary"] is True
        assert hello["maxWireVersion"] == 21
        assert isinstance(hello["connectionId"], int)
        coll = client["bench"]["sessions"]
        assert coll.insert_one({"_id": "s1", "messages": []}).acknowledged
        # insert_many goes out as an OP_MSG document sequence (kind 1): n counts them all.
        inserted = coll.bulk_write([InsertOne({"i": i}) for i in range(5)])
        assert inserted.inserted_count == 5
        pushed = coll.update_one(
            {"_id": "s1", "message_count": 0},
            {"$push": {"messages": {"text": "hi"}}, "$inc": {"message_count": 1}},
        )
        assert (pushed.matched_count, pushed.modified_count) == (1, 1)
        many = coll.bulk_write([UpdateOne({"_id": i}, {"$set": {"x": i}}) for i in range(3)])
        assert (many.matched_count, many.modified_count) == (3, 3)
        assert coll.find_one({"_id": "s1"}) is None  # it stores nothing
        assert list(coll.find({})) == []
        assert list(coll.aggregate([{"$match": {}}])) == []
        assert coll.find_one_and_update({"_id": "s9"}, {"$set": {"x": 1}}) == {"_id": "s9"}
        assert coll.delete_one({"_id": "s1"}).deleted_count == 1
        assert coll.create_index("x") == "x_1"
        assert list(coll.list_indexes()) == []


async def test_async_insert_update_find(null_uri: str) -> None:
    client = AsyncMongoClient[dict[str, Any]](null_uri, **OPTIONS)
    try:
        coll = client["bench"]["sessions"]
        assert (await coll.insert_one({"_id": "a1"})).inserted_id == "a1"
        updated = await coll.update_one({"_id": "a1"}, {"$set": {"state": {"k": 1}}})
        assert (updated.matched_count, updated.modified_count) == (1, 1)
        assert await coll.find_one({"_id": "a1"}) is None
        assert await coll.find({}).to_list() == []
        assert (await client.admin.command("ping"))["ok"] == 1
    finally:
        await client.close()


def test_it_exits_when_its_standard_input_closes() -> None:
    helper = Helper("null")
    assert helper.address.startswith("mongodb://")
    helper.close()
    assert helper.process.returncode == 0
