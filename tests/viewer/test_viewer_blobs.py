"""The viewer streams a message's out-of-line value (a multi-MB image or text) with its
length and type, four chunks per read, and only to whoever may read that session."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from typing import Any, NamedTuple

import httpx
import pytest

from mongodb_session_manager.features.viewer_password import session_credential
from mongodb_session_manager.models.pages import BLOB_CHUNK_BYTES, PagePolicy, blobs_collection
from mongodb_session_manager.store.blobs import BlobStore
from mongodb_session_manager.testing import MongoBackend
from mongodb_session_manager.viewer import create_app
from tests.viewer.viewer_helpers import TOKEN, Seeded

MakeClient = Callable[..., httpx.AsyncClient]
OWN = "support-0001"
OTHER = "payments-0002"
POLICY = PagePolicy(inline_message_bytes=65_536)


class Value(NamedTuple):
    session_id: str
    blob_id: str
    data: bytes


def _store(seeded: Seeded) -> BlobStore:
    repository = seeded.factory.repository
    return BlobStore(
        seeded.factory.pool, seeded.database, blobs_collection(repository.collection_name)
    )


def _put(seeded: Seeded, session_id: str, message: dict[str, Any]) -> str:
    _, [blob_id] = seeded.factory.pool.run(_store(seeded).externalise(session_id, message, POLICY))
    return blob_id


def _image(seeded: Seeded, session_id: str, size: int) -> Value:
    data = os.urandom(size)
    block = {"image": {"format": "png", "source": {"bytes": data}}}
    message = {"message_id": 1, "role": "user", "content": [block]}
    return Value(session_id, _put(seeded, session_id, message), data)


@pytest.fixture
def values(seeded: Seeded) -> Any:
    made = {
        "own": _image(seeded, OWN, 5 * BLOB_CHUNK_BYTES + 123),  # 6 chunks: 2 reads
        "other": _image(seeded, OTHER, 100_000),
    }
    yield made
    seeded.factory.pool.run(_store(seeded).delete_blobs(OWN, [made["own"].blob_id]))
    seeded.factory.pool.run(_store(seeded).delete_blobs(OTHER, [made["other"].blob_id]))


def _url(value: Value, session_id: str | None = None) -> str:
    return f"/api/v1/sessions/{session_id or value.session_id}/blobs/{value.blob_id}"


async def test_a_value_streams_whole_with_its_length_and_type(
    seeded: Seeded, values: dict[str, Value], msm_backend: MongoBackend
) -> None:
    app = create_app(seeded.settings())
    pool = app.state.queries.pool
    own = values["own"]
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    try:
        async with httpx.AsyncClient(
            transport=transport, base_url="http://viewer.test", headers=headers
        ) as client:
            with pool.command_stats.capture() as log:
                response = await client.get(_url(own))
    finally:
        app.state.queries.close()
    assert response.status_code == 200
    assert hashlib.sha256(response.content).digest() == hashlib.sha256(own.data).digest()
    assert response.headers["content-length"] == str(len(own.data))
    assert response.headers["content-type"] == "image/png"
    assert response.headers["x-content-type-options"] == "nosniff"
    if msm_backend.counts_commands:  # mongomock sends none to count
        assert log.commands.count("find") == 2  # chunks 0-3, then 4-5


async def test_a_text_value_downloads_as_text(seeded: Seeded, make_client: MakeClient) -> None:
    text = "tool output ✓\n" * 5_000
    result = {"toolUseId": "t", "status": "success", "content": [{"text": text}]}
    message = {"message_id": 2, "role": "user", "content": [{"toolResult": result}]}
    value = Value(OWN, _put(seeded, OWN, message), text.encode())
    async with make_client() as client:
        response = await client.get(_url(value))
    assert response.status_code == 200
    assert response.text == text
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.headers["content-disposition"].startswith("attachment;")


async def test_a_session_password_opens_its_own_values_only(
    seeded: Seeded, make_client: MakeClient, values: dict[str, Value]
) -> None:
    password = seeded.factory.repository.get_session_viewer_password(OWN)
    assert password is not None
    own, other = values["own"], values["other"]
    async with make_client(token=session_credential(OWN, password)) as scoped:
        assert (await scoped.get(_url(own))).content == own.data
        refused = await scoped.get(_url(other))  # the other session's path: out of scope
        assert refused.status_code == 403
        assert refused.json()["error"] == "forbidden"
        # Its own session's path with the other session's value id: the read names OWN.
        missing = await scoped.get(_url(other, session_id=OWN))
        assert missing.status_code == 404
        assert other.data[:64] not in missing.content
    async with make_client(token=None) as anonymous:
        assert (await anonymous.get(_url(own))).status_code == 401


async def test_unknown_and_malformed_value_ids(make_client: MakeClient) -> None:
    async with make_client() as client:
        missing = await client.get(f"/api/v1/sessions/{OWN}/blobs/{'0' * 24}")
        assert missing.status_code == 404
        assert missing.json()["error"] == "not_found"
        malformed = await client.get(f"/api/v1/sessions/{OWN}/blobs/not-an-id")
        assert malformed.status_code == 422


async def test_chunks_written_without_a_length_still_stream_whole(
    seeded: Seeded, make_client: MakeClient
) -> None:
    pieces = [os.urandom(1000) for _ in range(6)]
    blob_id = "ab" * 12
    chunks = blobs_collection(seeded.factory.repository.collection_name)

    async def insert() -> None:
        await seeded.factory.pool.client()[seeded.database][chunks].insert_many(
            [
                {
                    "_id": f"{blob_id}/{n:06d}",
                    "session_id": OWN,
                    "blob_id": blob_id,
                    "n": n,
                    "data": p,
                }
                for n, p in enumerate(pieces)
            ]
        )

    seeded.factory.pool.run(insert())
    try:
        async with make_client() as client:
            response = await client.get(f"/api/v1/sessions/{OWN}/blobs/{blob_id}")
        assert response.status_code == 200
        assert response.content == b"".join(pieces)
        assert response.headers["content-type"] == "application/octet-stream"
    finally:
        seeded.factory.pool.run(_store(seeded).delete_blobs(OWN, [blob_id]))
